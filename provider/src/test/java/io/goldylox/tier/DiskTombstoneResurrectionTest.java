package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.Serializer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random puts and removes on a small disk tier (rolls, relocations, evictions), compactions
 * interleaved, reopened several times: a key the tier holds must hold the last value written to it, and a removed
 * key must never come back.
 */
class DiskTombstoneResurrectionTest {

  static final Serializer SERIALIZER = new JavaSerializer();

  @TempDir
  Path dir;

  @Test
  void noRemovedKeyComesBackAfterCompactionsAndReopens() {
    long compactions = 0;
    long relocations = 0;
    long evictions = 0;
    for (long seed = 1; seed <= 6; seed++) {
      Path tierDir = dir.resolve("s" + seed);
      Random random = new Random(seed);
      Map<String, Integer> model = new HashMap<>(); // last write of each key: a value, or -1 for a remove
      for (int round = 0; round < 6; round++) {
        try (DiskTier<Object> disk = DiskTier.openWithoutCompactor(tierDir, 6L * (4 << 10), 4 << 10, SERIALIZER,
            getClass().getClassLoader(), Object.class, Object.class)) {
          check(disk, model, "seed " + seed + " after reopen " + round);
          for (int op = 0; op < 3_000; op++) {
            String key = "k" + random.nextInt(60);
            int r = random.nextInt(10);
            if (r < 5) {
              int v = random.nextInt(1_000_000);
              byte[] bytes = new byte[20 + random.nextInt(200)];
              Arrays.fill(bytes, (byte) v);
              bytes[0] = (byte) (v >>> 16);
              bytes[1] = (byte) (v >>> 8);
              bytes[2] = (byte) v;
              disk.put(key, bytes, StoredEntry.ETERNAL);
              model.put(key, v);
            } else if (r < 8) {
              disk.remove(key);
              model.put(key, -1);
            } else {
              disk.compactOnce();
            }
          }
          check(disk, model, "seed " + seed + " round " + round);
          compactions += disk.compactions();
          relocations += disk.relocations();
          evictions += disk.evictions();
        }
      }
    }
  }

  private static void check(DiskTier<Object> disk, Map<String, Integer> model, String when) {
    for (Map.Entry<String, Integer> e : model.entrySet()) {
      StoredBytes found = disk.get(e.getKey());
      if (found == null) {
        continue; // evicted: allowed
      }
      byte[] b = found.bytes();
      int v = ((b[0] & 0xff) << 16) | ((b[1] & 0xff) << 8) | (b[2] & 0xff);
      assertThat(e.getValue()).as("%s: key %s holds %s", when, e.getKey(), v).isEqualTo(v);
    }
  }
}

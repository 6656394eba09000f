package io.goldylox.tier;

import io.goldylox.serialization.SerializedBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.Serializer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hammers a heap of 16 entries over off-heap and disk with gets, puts, removes and computes while the mover
 * demotes, promotes and flushes, and checks every read against a model: each thread owns a key range (so its model
 * is exact), and shared keys change only by compute-increment (so their sums are exact).
 */
class TieredTierConcurrencyTest {

  static final Serializer SERIALIZER = new JavaSerializer();
  static final String PAD = "p".repeat(150);
  static final int THREADS = 4;
  static final int KEYS_PER_THREAD = 150;
  static final int SHARED = 8;
  static final int SHARED_BASE = 1_000_000;
  static final long RUN_MILLIS = 1_500;

  @TempDir
  Path dir;

  static Object decode(StoredEntry entry) {
    if (entry == null) {
      return null;
    }
    Object value = entry.value();
    return value instanceof SerializedBytes
        ? SERIALIZER.deserialize(((SerializedBytes) value).bytes(), TieredTierConcurrencyTest.class.getClassLoader())
        : value;
  }

  @Test
  void everyReadMatchesTheModelWhileEntriesMoveBetweenTiers() throws Exception {
    List<LowerTier<Integer>> lowers = List.of(new OffHeapTier<>(64 << 10, 8 << 10),
        // 32 MiB of 64 KiB segments for a live set of about 150 KB: room for the compactor to fall behind a burst
        // of rewrites without the disk tier evicting its oldest segment (an eviction would read as a false miss).
        DiskTier.open(dir, 32 << 20, 64 << 10, SERIALIZER, getClass().getClassLoader(), Integer.class,
            Object.class, OnIncompatible.FAIL));
    TieredTier<Integer> tier = new TieredTier<>("hammer", 16, lowers, SERIALIZER);
    try {
      for (int s = 0; s < SHARED; s++) {
        tier.compute(SHARED_BASE + s, (k, old) -> new StoredEntry(0L, StoredEntry.ETERNAL));
      }
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      long[][] increments = new long[THREADS][SHARED];
      List<Map<Integer, String>> models = new ArrayList<>();
      CyclicBarrier start = new CyclicBarrier(THREADS);
      AtomicLong operations = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int id = t;
        Map<Integer, String> model = new HashMap<>();
        models.add(model);
        threads.add(new Thread(() -> {
          try {
            start.await();
            run(tier, id, model, increments[id], failures, operations);
          } catch (Throwable e) {
            failures.add("thread " + id + " threw " + e);
          }
        }, "hammer-" + t));
      }
      threads.forEach(Thread::start);
      for (Thread thread : threads) {
        thread.join(30_000);
      }
      assertThat(tier.evictions()).as("entries evicted (the reads below would then miss legitimately); disk %s",
          lowers.get(1)).isZero();
      assertThat(failures).as("reads that disagreed with the model (disk %s, off-heap %s)", lowers.get(1),
          lowers.get(0)).isEmpty();

      // Quiesced: every key once more, and the shared sums.
      for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < KEYS_PER_THREAD; i++) {
          int key = t * KEYS_PER_THREAD + i;
          assertThat(decode(tier.get(key))).as("key %s", key).isEqualTo(models.get(t).get(key));
        }
      }
      for (int s = 0; s < SHARED; s++) {
        long expected = 0;
        for (int t = 0; t < THREADS; t++) {
          expected += increments[t][s];
        }
        assertThat(decode(tier.get(SHARED_BASE + s))).as("shared %s", s).isEqualTo(expected);
      }
      // The test only means something if entries really moved during it.
      assertThat(tier.demotions()).isGreaterThan(100);
      assertThat(tier.promotions()).isPositive();
      assertThat(tier.writtenBelow()).as("writes to cold keys stored below the full heap").isPositive();
      assertThat(lowers.get(1).size()).as("the off-heap tier overflowed to disk").isPositive();
      assertThat(operations.get()).isGreaterThan(1000);
    } finally {
      tier.close();
    }
  }

  private static void run(TieredTier<Integer> tier, int id, Map<Integer, String> model, long[] increments,
      ConcurrentLinkedQueue<String> failures, AtomicLong operations) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long[] lastShared = new long[SHARED];
    long seq = 0;
    long end = System.currentTimeMillis() + RUN_MILLIS;
    while (System.currentTimeMillis() < end && failures.size() < 20) {
      for (int batch = 0; batch < 50; batch++) {
        int key = id * KEYS_PER_THREAD + random.nextInt(KEYS_PER_THREAD);
        int op = random.nextInt(100);
        if (op < 40) {
          Object actual = decode(tier.get(key));
          String expected = model.get(key);
          if (!Objects.equals(actual, expected)) {
            failures.add(describe("get", key, expected, actual));
          }
        } else if (op < 65) {
          String value = id + "/" + key + "/" + (++seq) + PAD;
          tier.compute(key, (k, old) -> new StoredEntry(value, StoredEntry.ETERNAL));
          model.put(key, value);
        } else if (op < 75) {
          tier.compute(key, (k, old) -> null);
          model.remove(key);
        } else if (op < 90) {
          String expected = model.get(key);
          String value = id + "/" + key + "/" + (++seq) + "c" + PAD;
          tier.compute(key, (k, old) -> {
            Object seen = decode(old);
            if (!Objects.equals(seen, expected)) {
              failures.add(describe("compute", key, expected, seen));
            }
            return new StoredEntry(value, StoredEntry.ETERNAL);
          });
          model.put(key, value);
        } else if (op < 97) {
          int s = random.nextInt(SHARED);
          tier.compute(SHARED_BASE + s, (k, old) -> {
            Object seen = decode(old);
            if (seen == null) {
              failures.add("compute saw no value for shared key " + s);
              return old;
            }
            return new StoredEntry((Long) seen + 1, StoredEntry.ETERNAL);
          });
          increments[s]++;
        } else {
          int s = random.nextInt(SHARED);
          Object seen = decode(tier.get(SHARED_BASE + s));
          if (seen == null) {
            failures.add("false miss on shared key " + s);
          } else if ((Long) seen < lastShared[s]) {
            failures.add("shared key " + s + " went back from " + lastShared[s] + " to " + seen);
          } else {
            lastShared[s] = (Long) seen;
          }
        }
        operations.incrementAndGet();
      }
    }
  }

  private static String describe(String op, int key, String expected, Object actual) {
    String kind = expected != null && actual == null ? "false miss"
        : expected == null ? "resurrected" : "stale value";
    return op + " of key " + key + ": " + kind + " (expected " + abbreviate(expected) + ", got "
        + abbreviate(actual) + ")";
  }

  private static String abbreviate(Object value) {
    String s = String.valueOf(value);
    return s.length() > 30 ? s.substring(0, 30) + "..." : s;
  }
}

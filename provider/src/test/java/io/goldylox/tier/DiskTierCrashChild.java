package io.goldylox.tier;

import io.goldylox.serialization.JavaSerializer;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The child JVM of {@link DiskTierCrashTest}: writes to a disk tier forever and prints "key seq" after each put
 * returned, until it is killed.
 */
public final class DiskTierCrashChild {

  static final int KEYS = 300;
  /** Keys below this are only ever put; keys from it on are also removed. */
  static final int PUT_ONLY = 200;

  public static void main(String[] args) {
    DiskTier<Integer> tier = DiskTier.open(Path.of(args[0]), 8 << 20, 256 << 10, new JavaSerializer(),
        DiskTierCrashChild.class.getClassLoader(), Integer.class, byte[].class, OnIncompatible.FAIL);
    for (long seq = 0; ; seq++) {
      int key = (int) (seq % KEYS);
      tier.put(key, value(seq), StoredEntry.ETERNAL);
      if (seq % 7 == 3) {
        int removed = PUT_ONLY + (int) ((seq * 31) % (KEYS - PUT_ONLY));
        tier.remove(removed);
        System.out.println("R " + removed + " " + seq);
      }
      System.out.println("P " + key + " " + seq);
    }
  }

  static byte[] value(long seq) {
    return ByteBuffer.allocate(8 + (int) (seq % 200)).putLong(seq).array();
  }
}

package io.goldylox.benchmarks.engines;

import java.util.SplittableRandom;

/**
 * The one workload every engine runs: keys {@code 0..n-1} (boxed once, up front, so no phase allocates keys),
 * three independent shuffles of them (insert, get, update order), and two pools of random values of
 * {@code valueBytes} bytes (key {@code k} gets pool entry {@code k & (POOL - 1)}; the update pool differs from the
 * insert pool, so an update really changes every value). Deterministic for a seed. Immutable after construction;
 * read by the harness thread.
 */
final class Workload {

  static final int POOL = 1024;

  final int n;
  final int valueBytes;
  final long seed;
  final Long[] keys;
  final int[] insertOrder;
  final int[] getOrder;
  final int[] updateOrder;
  final byte[][] insertValues;
  final byte[][] updateValues;

  Workload(int n, int valueBytes, long seed) {
    if (n <= 0) {
      throw new IllegalArgumentException("--entries must be positive, not " + n);
    }
    if (valueBytes <= 0) {
      throw new IllegalArgumentException("--value-bytes must be positive, not " + valueBytes);
    }
    this.n = n;
    this.valueBytes = valueBytes;
    this.seed = seed;
    SplittableRandom random = new SplittableRandom(seed);
    keys = new Long[n];
    for (int i = 0; i < n; i++) {
      keys[i] = (long) i;
    }
    insertOrder = shuffled(n, random);
    getOrder = shuffled(n, random);
    updateOrder = shuffled(n, random);
    insertValues = pool(valueBytes, random);
    updateValues = pool(valueBytes, random);
  }

  byte[] insertValue(int key) {
    return insertValues[key & (POOL - 1)];
  }

  byte[] updateValue(int key) {
    return updateValues[key & (POOL - 1)];
  }

  private static int[] shuffled(int n, SplittableRandom random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  private static byte[][] pool(int valueBytes, SplittableRandom random) {
    byte[][] pool = new byte[POOL][valueBytes];
    for (byte[] value : pool) {
      for (int i = 0; i < valueBytes; i++) {
        value[i] = (byte) random.nextInt(256);
      }
    }
    return pool;
  }
}

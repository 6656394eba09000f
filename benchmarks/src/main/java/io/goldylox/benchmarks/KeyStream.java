package io.goldylox.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Precomputed streams of key indices in {@code [0, KEYS)}, so that benchmark loops read an array instead of
 * drawing random numbers. Two distributions:
 * <ul>
 *   <li>{@code zipf}: scrambled Zipfian with theta 0.99 (YCSB's rejection-free generator, after Gray et al.,
 *   "Quickly generating billion-record synthetic databases"), whose ranks are mapped through a fixed random
 *   permutation so that popular keys are spread over the key space rather than clustered at small numbers;</li>
 *   <li>{@code uniform}: every key equally likely.</li>
 * </ul>
 * Streams are built once per JVM (fixed seeds, so every provider sees the same sequence) and shared read-only
 * by all benchmark threads; each thread starts at its own offset.
 */
public final class KeyStream {

  /** Number of distinct keys. */
  public static final int KEYS = 100_000;
  /** Length of each precomputed stream: a power of two, so a cursor wraps with a mask. */
  public static final int LENGTH = 1 << 20;
  public static final int MASK = LENGTH - 1;
  /** Zipf skew, as YCSB's default. */
  public static final double THETA = 0.99;

  private static final ConcurrentHashMap<String, int[]> STREAMS = new ConcurrentHashMap<>();

  private KeyStream() {}

  /** The shared stream for a distribution name ({@code zipf} or {@code uniform}). */
  public static int[] indices(String distribution) {
    return STREAMS.computeIfAbsent(distribution, d -> generate(d, KEYS, LENGTH, 42));
  }

  /** A fresh stream (not shared), e.g. a longer trace for the eviction benchmark. */
  public static int[] generate(String distribution, int keys, int length, long seed) {
    switch (distribution) {
      case "zipf":
        return zipf(keys, THETA, length, seed);
      case "uniform":
        return uniform(keys, length, seed);
      default:
        throw new IllegalArgumentException("Unknown key distribution '" + distribution
            + "': expected zipf or uniform");
    }
  }

  static int[] uniform(int keys, int length, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] out = new int[length];
    for (int i = 0; i < length; i++) {
      out[i] = random.nextInt(keys);
    }
    return out;
  }

  static int[] zipf(int keys, double theta, int length, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] permutation = permutation(keys, random);
    double zetan = 0;
    for (int i = 1; i <= keys; i++) {
      zetan += 1.0 / Math.pow(i, theta);
    }
    double zeta2 = 1.0 + 1.0 / Math.pow(2, theta);
    double alpha = 1.0 / (1.0 - theta);
    double eta = (1.0 - Math.pow(2.0 / keys, 1.0 - theta)) / (1.0 - zeta2 / zetan);
    double secondThreshold = 1.0 + Math.pow(0.5, theta);
    int[] out = new int[length];
    for (int i = 0; i < length; i++) {
      double u = random.nextDouble();
      double uz = u * zetan;
      int rank;
      if (uz < 1.0) {
        rank = 0;
      } else if (uz < secondThreshold) {
        rank = 1;
      } else {
        rank = (int) Math.min(keys - 1, (long) (keys * Math.pow(eta * u - eta + 1, alpha)));
      }
      out[i] = permutation[rank];
    }
    return out;
  }

  private static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

package io.goldylox.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cache under test, shared by all benchmark threads of a trial, with the parameters that pick it: the
 * provider, store-by-value or by-reference, and the key distribution. Setup fills the cache with all
 * {@link KeyStream#KEYS} keys and checks that every key is there (so every {@code get} hits and no provider is
 * silently capacity-limited); teardown checks it again after the measurement, and fails loudly if not.
 */
@State(Scope.Benchmark)
public class CacheState {

  /** Number of precomputed batches for getAll/putAll (a power of two). */
  static final int BATCHES = 1024;
  /** Keys per getAll/putAll call, before duplicates are merged. */
  public static final int BATCH_SIZE = 100;

  @Param({"goldylox", "goldylox-java", "caffeine", "ehcache", "cache2k", "ri", "chm"})
  public String provider;

  @Param({"false", "true"})
  public boolean byValue;

  @Param({"zipf", "uniform"})
  public String distribution;

  public BenchCache cache;
  /** Boxed keys, made once, so no benchmark allocates a key. */
  public Long[] keys;
  /** One value per key (by reference, the value stored by put is this instance). */
  public Payload[] values;
  /** The key-index stream of {@link #distribution}. */
  public int[] stream;
  public List<Set<Long>> keyBatches;
  public List<Map<Long, Payload>> entryBatches;

  @Setup(Level.Trial)
  public void setUp() {
    keys = new Long[KeyStream.KEYS];
    values = new Payload[KeyStream.KEYS];
    for (int i = 0; i < KeyStream.KEYS; i++) {
      keys[i] = (long) i;
      values[i] = new Payload(i);
    }
    stream = KeyStream.indices(distribution);
    keyBatches = new ArrayList<>(BATCHES);
    entryBatches = new ArrayList<>(BATCHES);
    int position = 0;
    for (int b = 0; b < BATCHES; b++) {
      Set<Long> batchKeys = new HashSet<>();
      Map<Long, Payload> batchEntries = new HashMap<>();
      for (int i = 0; i < BATCH_SIZE; i++) {
        int index = stream[position++ & KeyStream.MASK];
        batchKeys.add(keys[index]);
        batchEntries.put(keys[index], values[index]);
      }
      keyBatches.add(batchKeys);
      entryBatches.add(batchEntries);
    }

    cache = Providers.open(provider, byValue);
    for (int i = 0; i < KeyStream.KEYS; i++) {
      cache.put(keys[i], values[i]);
    }
    requireEveryKeyPresent("after filling");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    try {
      requireEveryKeyPresent("after the measurement");
    } finally {
      cache.close();
    }
  }

  void requireEveryKeyPresent(String when) {
    int present = cache.countPresent(keys);
    if (present != KeyStream.KEYS) {
      throw new IllegalStateException(provider + " (byValue=" + byValue + ") holds " + present + " of "
          + KeyStream.KEYS + " keys " + when + ": it is capacity-limited or lost entries, so gets would miss");
    }
  }
}

package io.goldylox.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A by-reference put against its ceiling, the raw {@code ConcurrentHashMap}, the way an outside harness measured
 * it (issue 13, item 5): 100,000 pre-boxed {@code Long} keys in uniform order, values taken from a pool of 1,024
 * {@link Payload}s (so the measured loop allocates nothing of its own), {@code setTypes(Long, Payload)},
 * statistics off, every put an update of a present key. Unlike {@link ThroughputBenchmark#put} no new value is
 * made per call, so what is left is the provider's own cost. Two forks of 5 × 2 s by default.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dslf4j.internal.verbosity=ERROR"})
public class PutCeilingBenchmark {

  /** The pool of values: a power of two, so an operation's value is {@code pool[counter & POOL_MASK]}. */
  static final int POOL = 1024;
  private static final int POOL_MASK = POOL - 1;

  /** The cache, filled with every key, shared by the trial's threads. */
  @State(Scope.Benchmark)
  public static class Filled {

    @Param({"goldylox", "cache2k", "caffeine", "chm"})
    public String provider;

    BenchCache cache;
    Long[] keys;
    Payload[] pool;
    int[] stream;

    @Setup(Level.Trial)
    public void setUp() {
      keys = new Long[KeyStream.KEYS];
      for (int i = 0; i < KeyStream.KEYS; i++) {
        keys[i] = (long) i;
      }
      pool = new Payload[POOL];
      for (int i = 0; i < POOL; i++) {
        pool[i] = new Payload(i);
      }
      stream = KeyStream.indices("uniform");
      cache = Providers.open(provider, false);
      for (int i = 0; i < KeyStream.KEYS; i++) {
        cache.put(keys[i], pool[i & POOL_MASK]);
      }
      if (cache.countPresent(keys) != KeyStream.KEYS) {
        throw new IllegalStateException(provider + " did not keep all " + KeyStream.KEYS + " keys");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      cache.close();
    }
  }

  @Benchmark
  public void put(Filled state, Cursor cursor) {
    int position = cursor.next();
    state.cache.put(state.keys[state.stream[position]], state.pool[position & POOL_MASK]);
  }
}

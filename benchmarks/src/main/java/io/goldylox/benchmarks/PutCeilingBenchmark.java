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
 * it (issue 13, item 5): 100,000 pre-boxed {@code Long} keys in uniform order, {@code setTypes(Long, Payload)},
 * statistics off, every put an update of a present key. Two kinds of value:
 * <ul>
 *   <li>{@code pooled}: taken from a pool of 1,024 {@link Payload}s made at setup, as the outside harness did, so
 *   the measured loop allocates nothing of its own and every value is an old object;</li>
 *   <li>{@code fresh}: a new {@code Payload} per put (24 bytes), as an application puts a value it just made.</li>
 * </ul>
 * After the fill, setup runs a full collection, so the map starts in the old generation, where a long-lived
 * cache lives. {@code chm-boxed} is a raw map that stores a new 24-byte holder per put: what an entry object costs
 * by itself. Under G1, storing a young object into an old one costs a remembered-set update (the card is refined
 * concurrently, on the other core here); storing an old value into an old object does not. Two forks of 5 × 2 s by
 * default.
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

    @Param({"goldylox", "cache2k", "caffeine", "chm", "chm-boxed"})
    public String provider;

    @Param({"pooled", "fresh"})
    public String values;

    BenchCache cache;
    Long[] keys;
    Payload[] pool;
    int[] stream;
    boolean fresh;

    @Setup(Level.Trial)
    public void setUp() {
      fresh = values.equals("fresh");
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
      System.gc(); // the filled map to the old generation, where a long-lived cache lives
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      cache.close();
    }
  }

  @Benchmark
  public void put(Filled state, Cursor cursor) {
    int position = cursor.next();
    Payload value = state.pool[position & POOL_MASK];
    state.cache.put(state.keys[state.stream[position]], state.fresh ? value.next() : value);
  }
}

package io.goldylox.benchmarks;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of the JCache calls over a full cache of 100,000 keys: get (every get hits), put (an update of a
 * present key), mixed 80% get / 20% put, getAll and putAll of 100 keys (one batch is one operation), and invoke
 * with an increment-like entry processor. Thread count comes from the command line ({@code -t}) or the
 * {@link Suite}; the defaults below are one fork, 3 warmup and 3 measurement iterations of one second. The fork
 * touches its whole heap at start ({@code -XX:+AlwaysPreTouch}): otherwise every provider that allocates on a read
 * (all of them by value) runs its first seconds at a fraction of its speed, paying a page fault for each new page
 * of eden until the first young collection, which is the JVM's start-up and not the cache (README, Performance).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch", "-Dslf4j.internal.verbosity=ERROR"})
public class ThroughputBenchmark {

  @Benchmark
  public Payload get(CacheState state, Cursor cursor) {
    return Ops.get(state, cursor);
  }

  @Benchmark
  public void put(CacheState state, Cursor cursor) {
    Ops.put(state, cursor);
  }

  @Benchmark
  public Payload mixed(CacheState state, Cursor cursor) {
    return Ops.mixed(state, cursor);
  }

  @Benchmark
  public Map<Long, Payload> getAll(CacheState state, Cursor cursor) {
    return Ops.getAll(state, cursor);
  }

  @Benchmark
  public void putAll(CacheState state, Cursor cursor) {
    Ops.putAll(state, cursor);
  }

  @Benchmark
  public Object invoke(CacheState state, Cursor cursor) {
    return Ops.invoke(state, cursor);
  }
}

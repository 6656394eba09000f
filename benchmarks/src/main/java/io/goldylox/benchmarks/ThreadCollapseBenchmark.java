package io.goldylox.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Throughput collapse under many threads: aggregate get and mixed 80/20 throughput with {@value #MANY} threads
 * against the same harness with 2 threads, on however few cores the machine has (target: 256 threads keep at
 * least 80% of the 2-thread figure).
 *
 * <p>Not JMH, on purpose: JMH sums each thread's own ops/time, and with hundreds of threads on 2 cores a thread
 * that is scheduled for a few milliseconds of an iteration reports a whole core's rate, which inflates the total
 * many times over (a smoke run showed 256-thread "throughput" 100× the 2-thread one). Here the main thread reads
 * the total count of completed operations once a second, so throughput is operations per wall-clock second.
 * Each worker publishes its own count (a padded slot, lazily written every 64 operations: the total is at most
 * 64 operations per thread stale, far below 1%). Same cache setup and checks as the JMH benchmarks (full cache,
 * every get must hit), by reference, zipf keys.
 */
public final class ThreadCollapseBenchmark {

  static final int MANY = 256;
  private static final int SLOT = 16;
  private static final int PUBLISH_MASK = 63;

  private final boolean smoke;
  private final Long[] keys = new Long[KeyStream.KEYS];
  private final Payload[] values = new Payload[KeyStream.KEYS];
  private final int[] stream = KeyStream.indices("zipf");
  private final List<String> rows = new ArrayList<>();

  ThreadCollapseBenchmark(boolean smoke) {
    this.smoke = smoke;
    for (int i = 0; i < KeyStream.KEYS; i++) {
      keys[i] = (long) i;
      values[i] = new Payload(i);
    }
  }

  public static void main(String[] args) throws Exception {
    boolean smoke = List.of(args).contains("--smoke");
    String markdown = new ThreadCollapseBenchmark(smoke).run();
    System.out.println(markdown);
    Path out = ChildJvm.markdownFile(args, smoke, "collapse.md");
    LatencyBenchmark.write(out, markdown);
    System.out.println("Wrote " + out.toAbsolutePath());
  }

  String run() throws InterruptedException {
    // -Dbench.providers=goldylox,caffeine measures only those (for a quick comparison; the suite runs all).
    String only = System.getProperty("bench.providers");
    for (String provider : only == null ? Providers.ALL : List.of(only.split(","))) {
      StringBuilder row = new StringBuilder("| " + provider + " |");
      for (boolean mixed : new boolean[] {false, true}) {
        double few = measure(provider, mixed, 2);
        double many = measure(provider, mixed, MANY);
        row.append(String.format(Locale.ROOT, " %.2fM | %.2fM | %.2f× |", few / 1e6, many / 1e6, many / few));
      }
      rows.add(row.toString());
      System.out.println(row);
    }
    StringBuilder md = new StringBuilder();
    md.append("## Many threads (M ops/s per wall-clock second, by reference, zipf keys)\n\n");
    md.append("| provider | get 2T | get ").append(MANY).append("T | ").append(MANY).append("T / 2T | mixed 2T | mixed ")
        .append(MANY).append("T | ").append(MANY).append("T / 2T |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    rows.forEach(r -> md.append(r).append('\n'));
    md.append('\n');
    return md.toString();
  }

  /** Mean throughput, operations per second, over the measured seconds. */
  private double measure(String provider, boolean mixed, int threadCount) throws InterruptedException {
    try (BenchCache cache = Providers.open(provider, false)) {
      for (int i = 0; i < KeyStream.KEYS; i++) {
        cache.put(keys[i], values[i]);
      }
      if (cache.countPresent(keys) != KeyStream.KEYS) {
        throw new IllegalStateException(provider + " does not hold every key after the fill");
      }
      AtomicLongArray counts = new AtomicLongArray(threadCount * SLOT);
      long[] misses = new long[threadCount];
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      StopFlag flag = new StopFlag();
      for (int t = 0; t < threadCount; t++) {
        int id = t;
        Thread thread = new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            return;
          }
          int position = id * 4099;
          int operation = 0;
          long done = 0;
          long missed = 0;
          while (!flag.stop) {
            int index = stream[position++ & KeyStream.MASK];
            if (mixed && ++operation == 5) {
              operation = 0;
              cache.put(keys[index], values[index].next());
            } else if (cache.get(keys[index]) == null) {
              missed++;
            }
            if ((++done & PUBLISH_MASK) == 0) {
              counts.lazySet(id * SLOT, done);
            }
          }
          misses[id] = missed;
        }, "collapse-" + t);
        thread.setDaemon(true);
        thread.start();
        threads.add(thread);
      }
      int warmupSeconds = smoke ? 0 : 3;
      int measuredSeconds = smoke ? 1 : 3;
      long iterationNanos = smoke ? TimeUnit.MILLISECONDS.toNanos(200) : TimeUnit.SECONDS.toNanos(1);
      start.countDown();
      TimeUnit.NANOSECONDS.sleep(iterationNanos * warmupSeconds);
      long previousCount = total(counts, threadCount);
      long previousTime = System.nanoTime();
      double sum = 0;
      for (int i = 0; i < measuredSeconds; i++) {
        TimeUnit.NANOSECONDS.sleep(iterationNanos);
        long count = total(counts, threadCount);
        long now = System.nanoTime();
        sum += (count - previousCount) * 1e9 / (now - previousTime);
        previousCount = count;
        previousTime = now;
      }
      flag.stop = true;
      for (Thread thread : threads) {
        thread.join();
      }
      long missed = 0;
      for (long m : misses) {
        missed += m;
      }
      if (missed != 0) {
        throw new IllegalStateException(provider + ": " + missed + " gets missed with " + threadCount + " threads");
      }
      return sum / measuredSeconds;
    }
  }

  private static long total(AtomicLongArray counts, int threadCount) {
    long sum = 0;
    for (int t = 0; t < threadCount; t++) {
      sum += counts.get(t * SLOT);
    }
    return sum;
  }

  /** The workers' stop signal, set once by the main thread. */
  private static final class StopFlag {
    volatile boolean stop;
  }
}

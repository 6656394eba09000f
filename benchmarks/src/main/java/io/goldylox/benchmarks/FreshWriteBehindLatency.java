package io.goldylox.benchmarks;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.WriteBehindConfig;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import org.HdrHistogram.Histogram;

/**
 * The first puts of a fresh JVM into a write-behind cache whose writer is blocked: no warm-up, so what a put
 * meets the first time (class loading, the interpreter and JIT, first touches of the journal's mapped pages)
 * is in the numbers. The parent (this main without {@code --child}) starts {@code --runs} child JVMs per
 * variant through {@link ChildJvm}: {@code pretouch} (the default) and {@code no-pretouch}
 * ({@code -Dgoldylox.writebehind.pretouch=false}). Each child opens a Goldylox cache with write-behind to a
 * journal in a new directory under {@code --dir} (default {@code java.io.tmpdir}), whose {@link BlockedWriter}
 * holds the flusher until the end, then times each of {@code --puts} puts ({@link System#nanoTime()}, closed
 * loop) of {@link Payload} values: keys {@code i % --keys}, so after the first {@code --keys} puts every put
 * replaces a pending operation and no map grows. It reports p50/p99/p99.9/max of all puts and of the puts after
 * the first {@code --skip}, and the ten slowest puts with their position. Run with {@code java -cp
 * benchmarks.jar io.goldylox.benchmarks.FreshWriteBehindLatency [--runs 5] [--dir DIR] [--jvm "FLAGS"]}; the
 * Markdown goes to {@code results/writebehind-fresh-latency.md} (or {@code --md FILE}). Single-threaded.
 */
public final class FreshWriteBehindLatency {

  static final String PRETOUCH_PROPERTY = "goldylox.writebehind.pretouch";

  private FreshWriteBehindLatency() {}

  public static void main(String[] args) throws Exception {
    List<String> arguments = List.of(args);
    if (arguments.contains("--child")) {
      child(args);
      return;
    }
    int runs = Integer.parseInt(option(args, "--runs", "5"));
    String dir = option(args, "--dir", System.getProperty("java.io.tmpdir"));
    int puts = Integer.parseInt(option(args, "--puts", "10000"));
    int skip = Integer.parseInt(option(args, "--skip", "1000"));
    int keys = Integer.parseInt(option(args, "--keys", "1000"));
    String extraJvm = option(args, "--jvm", "");
    List<String> variants = List.of(option(args, "--variants", "pretouch,no-pretouch").split(","));
    Path out = ChildJvm.markdownFile(args, false, "writebehind-fresh-latency.md");
    Path scratch = Files.createTempDirectory("goldylox-fresh-latency");
    List<String> rows = new ArrayList<>();
    List<String> slowest = new ArrayList<>();
    try {
      for (int run = 1; run <= runs; run++) {
        for (String variant : variants) {
          List<String> jvm = new ArrayList<>();
          jvm.add("-D" + PRETOUCH_PROPERTY + "=" + !variant.equals("no-pretouch"));
          if (!extraJvm.isBlank()) {
            jvm.addAll(Arrays.asList(extraJvm.trim().split("\\s+")));
          }
          String md = ChildJvm.runForMarkdown(FreshWriteBehindLatency.class,
              scratch.resolve(variant + "-" + run + ".md"), jvm, List.of("--child", "--variant", variant,
                  "--run", Integer.toString(run), "--dir", dir, "--puts", Integer.toString(puts), "--skip",
                  Integer.toString(skip), "--keys", Integer.toString(keys), arguments.contains("--diag") ? "--diag"
                  : "--no-diag"));
          String[] lines = md.split("\n");
          rows.add(lines[0]);
          slowest.add(lines[1]);
        }
      }
    } finally {
      LatencyBenchmark.deleteRecursively(scratch);
    }
    StringBuilder text = new StringBuilder();
    text.append("## Fresh-JVM write-behind put latency (µs, HdrHistogram, closed loop, writer blocked)\n\n");
    text.append(String.format(Locale.ROOT, "%d puts per fresh JVM (no warm-up), keys i %% %d, journal under %s;"
        + " \"after %d\" leaves out the first %d puts.%n%n", puts, keys, dir, skip, skip));
    text.append("| variant | run | p50 | p99 | p99.9 | max | p50 after " + skip + " | p99 after " + skip
        + " | p99.9 after " + skip + " | max after " + skip + " |\n");
    text.append("|---|---|---|---|---|---|---|---|---|---|\n");
    rows.forEach(row -> text.append(row).append('\n'));
    text.append("\nSlowest puts of each run (position: µs):\n\n");
    slowest.forEach(line -> text.append("- ").append(line).append('\n'));
    System.out.println(text);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, text.toString());
    System.out.println("Wrote " + out.toAbsolutePath());
  }

  private static String option(String[] args, String name, String otherwise) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return otherwise;
  }

  /** One fresh JVM: open, time the puts, write two lines (the table row, the slowest puts) to {@code --md}. */
  private static void child(String[] args) throws IOException {
    String variant = option(args, "--variant", "?");
    String run = option(args, "--run", "?");
    int puts = Integer.parseInt(option(args, "--puts", "10000"));
    int skip = Integer.parseInt(option(args, "--skip", "1000"));
    int keyCount = Integer.parseInt(option(args, "--keys", "1000"));
    Path directory = Files.createTempDirectory(Path.of(option(args, "--dir", System.getProperty("java.io.tmpdir"))),
        "goldylox-fresh-journal");
    Long[] keys = new Long[keyCount];
    for (int i = 0; i < keyCount; i++) {
      keys[i] = (long) i;
    }
    Payload[] values = new Payload[puts];
    for (int i = 0; i < puts; i++) {
      values[i] = new Payload(i);
    }
    long[] nanos = new long[puts];
    // --diag: per put also the thread's CPU time and minor page faults (read outside the timed window).
    boolean diag = List.of(args).contains("--diag");
    long[] cpu = new long[puts];
    long[] faults = new long[puts];
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    BenchCache cache = null;
    long openMillis = 0;
    try {
      WriteBehindConfig writeBehind = WriteBehindConfig.builder()
          .writer(BlockedWriter.class)
          .journal(directory.resolve("journal"))
          .closeTimeout(Duration.ofSeconds(1))
          .build();
      GoldyloxConfiguration<Long, Payload> configuration = GoldyloxConfiguration.builder(Long.class, Payload.class)
          .storeByValue(false)
          .writeBehind(writeBehind)
          .build();
      long opening = System.nanoTime();
      cache = Providers.open("goldylox", "fresh", configuration);
      openMillis = (System.nanoTime() - opening) / 1_000_000;
      for (int i = 0; i < puts; i++) {
        Long key = keys[i % keyCount];
        Payload value = values[i];
        long faultsBefore = diag ? minorFaults() : 0;
        long cpuBefore = diag ? threads.getCurrentThreadCpuTime() : 0;
        long start = System.nanoTime();
        cache.put(key, value);
        nanos[i] = System.nanoTime() - start;
        if (diag) {
          cpu[i] = threads.getCurrentThreadCpuTime() - cpuBefore;
          faults[i] = minorFaults() - faultsBefore;
        }
      }
    } finally {
      BlockedWriter.RELEASE.countDown();
      if (cache != null) {
        cache.close();
      }
      LatencyBenchmark.deleteRecursively(directory);
    }
    Histogram all = new Histogram(3);
    Histogram after = new Histogram(3);
    for (int i = 0; i < puts; i++) {
      all.recordValue(nanos[i]);
      if (i >= skip) {
        after.recordValue(nanos[i]);
      }
    }
    String row = String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", variant, run,
        micros(all.getValueAtPercentile(50)), micros(all.getValueAtPercentile(99)),
        micros(all.getValueAtPercentile(99.9)), micros(all.getMaxValue()), micros(after.getValueAtPercentile(50)),
        micros(after.getValueAtPercentile(99)), micros(after.getValueAtPercentile(99.9)),
        micros(after.getMaxValue()));
    Integer[] order = new Integer[puts];
    for (int i = 0; i < puts; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(nanos[b], nanos[a]));
    StringBuilder slow = new StringBuilder(variant + " run " + run + " (cache opened in " + openMillis + " ms):");
    for (int i = 0; i < Math.min(10, puts); i++) {
      slow.append(' ').append(order[i]).append(": ").append(micros(nanos[order[i]]));
      if (diag) {
        slow.append(" (cpu ").append(micros(cpu[order[i]])).append(", ").append(faults[order[i]]).append(" faults)");
      }
    }
    if (diag) {
      long total = 0;
      long late = 0;
      for (int i = 0; i < puts; i++) {
        total += faults[i];
        late += i >= skip ? faults[i] : 0;
      }
      slow.append("; minor faults in puts: ").append(total).append(", after ").append(skip).append(": ").append(late);
    }
    System.out.println(row);
    System.out.println(slow);
    Path md = Path.of(option(args, "--md", "fresh-latency-child.md"));
    Files.writeString(md, row + "\n" + slow + "\n");
  }

  /** The calling thread's minor page faults so far (field 10 of /proc/thread-self/stat; Linux only). */
  private static long minorFaults() {
    try {
      String stat = Files.readString(Path.of("/proc/thread-self/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[7]);
    } catch (IOException e) {
      return -1;
    }
  }

  private static String micros(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
  }

  /**
   * A writer that never finishes while the benchmark runs: every call waits for {@link #RELEASE} (counted down
   * after the puts), so the flusher holds its first batch and the journal only grows. Made by the cache through
   * its public constructor; called on the flusher thread.
   */
  public static final class BlockedWriter implements CacheWriter<Long, Payload>, Serializable {
    private static final long serialVersionUID = 1L;
    static final CountDownLatch RELEASE = new CountDownLatch(1);

    private static void block() {
      try {
        RELEASE.await(10, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void write(Cache.Entry<? extends Long, ? extends Payload> entry) {
      block();
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends Long, ? extends Payload>> entries) {
      block();
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      block();
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      block();
      keys.clear();
    }
  }
}

package io.goldylox.benchmarks;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.Serializer;
import io.goldylox.serialization.Serializers;
import io.goldylox.writebehind.WriteBehindJournal;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import org.HdrHistogram.Histogram;

/**
 * The first puts of a fresh JVM into a write-behind cache whose writer is blocked: no warm-up, so what a put
 * meets the first time (class loading, the interpreter and JIT, first touches of the heap and of the journal's
 * mapped pages) is in the numbers. The parent (this main without {@code --child}) starts {@code --runs} child
 * JVMs per variant through {@link ChildJvm}: {@code pretouch} (the default) and {@code no-pretouch}
 * ({@code -Dgoldylox.writebehind.pretouch=false}); a child fails when its pretoucher thread is not as the variant
 * says (a jar built against another provider). Each child opens a Goldylox cache with write-behind to a journal
 * in a new directory under {@code --dir} (default {@code java.io.tmpdir}), whose {@link BlockedWriter} holds the
 * flusher until the end, then times each of {@code --puts} puts ({@link System#nanoTime()}, closed loop) of
 * {@link Payload} values: keys {@code i % --keys}, so after the first {@code --keys} puts every put replaces a
 * pending operation and no map grows. With {@code --target journal} the puts go straight to a
 * {@link WriteBehindJournal} with values serialized beforehand, without the cache; the variant {@code control} is
 * the control without any journal or cache: each put serializes the value with the cache's default serializer
 * into a {@link ConcurrentHashMap} (about the CPU work of a write-behind put, no mapped file), so what the
 * control shows too (JIT compilations, the scheduler) is the JVM's and the machine's, not the journal's. It reports p50/p99/p99.9/max
 * of all puts and of the puts after the first {@code --skip}, the machine's CPU pressure around each child, and
 * the ten slowest puts with their position; {@code --diag} adds each slow put's thread CPU time, minor page
 * faults and involuntary context switches (read from /proc between puts, which perturbs the run) and, at the end,
 * the CPU time of each of the process's threads (the JIT compilers and GC threads too), {@code --maps}
 * prints what a page-fault trace needs (thread id, time window, mappings). Run with {@code java -cp
 * benchmarks.jar io.goldylox.benchmarks.FreshWriteBehindLatency [--runs 5] [--target cache|journal] [--dir DIR]
 * [--jvm "FLAGS"] [--variants pretouch,no-pretouch,control,warmed] [--batch-size N]} (variant {@code warmed}: the
 * JIT's work done first, see {@link #warmUp}) ({@code --batch-size 1000000}: the
 * flusher, whose one batch is held by the writer, is not woken again while the puts run); the Markdown goes to {@code results/writebehind-fresh-latency.md} (or {@code --md FILE}).
 * Single-threaded.
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
    String target = option(args, "--target", "cache");
    if (target.equals("control")) {
      throw new IllegalArgumentException("the control is a variant: --variants control");
    }
    List<String> variants = List.of(option(args, "--variants", "pretouch,no-pretouch,control").split(","));
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
          String pressure = cpuPressure();
          String md = ChildJvm.runForMarkdown(FreshWriteBehindLatency.class,
              scratch.resolve(variant + "-" + run + ".md"), jvm, List.of("--child", "--variant", variant,
                  "--run", Integer.toString(run), "--dir", dir, "--puts", Integer.toString(puts), "--skip",
                  Integer.toString(skip), "--keys", Integer.toString(keys), "--target",
                  variant.equals("control") ? "control" : target,
                  "--batch-size", option(args, "--batch-size", Integer.toString(WriteBehindConfig.DEFAULT_BATCH_SIZE)),
                  arguments.contains("--diag") ? "--diag" : "--no-diag"));
          String[] lines = md.split("\n");
          rows.add(lines[0] + " " + pressure + " → " + cpuPressure() + " |");
          slowest.add(lines[1]);
        }
      }
    } finally {
      LatencyBenchmark.deleteRecursively(scratch);
    }
    StringBuilder text = new StringBuilder();
    text.append("## Fresh-JVM write-behind put latency (µs, HdrHistogram, closed loop, writer blocked)\n\n");
    text.append(String.format(Locale.ROOT, "%d puts per fresh JVM (no warm-up) into a %s, keys i %% %d, journal"
        + " under %s%s; \"after %d\" leaves out the first %d puts. The variant control is the same loop without"
        + " journal or cache: each put serializes its value (the default serializer) into a ConcurrentHashMap.%n%n",
        puts, target.equals("journal") ? "WriteBehindJournal (values serialized beforehand)" : "write-behind cache", keys, dir,
        extraJvm.isBlank() ? "" : ", JVM flags " + extraJvm, skip, skip));
    text.append("| variant | run | p50 | p99 | p99.9 | max | p50 after " + skip + " | p99 after " + skip
        + " | p99.9 after " + skip + " | max after " + skip + " | CPU pressure before → after |\n");
    text.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    rows.forEach(row -> text.append(row).append('\n'));
    text.append("\nCPU pressure is /proc/pressure/cpu \"some avg10\": the share of the last 10 s in which a runnable"
        + " task of the machine waited for a CPU.\n");
    text.append("\nSlowest puts of each run (position: µs):\n\n");
    slowest.forEach(line -> text.append("- ").append(line).append('\n'));
    System.out.println(text);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, text.toString());
    System.out.println("Wrote " + out.toAbsolutePath());
  }

  /**
   * The machine's CPU pressure ({@code some avg10} of /proc/pressure/cpu: the share of the last 10 s in which a
   * runnable task waited for a CPU), so that a reader sees how busy the machine was; "?" where unavailable.
   */
  private static String cpuPressure() {
    try {
      String line = Files.readAllLines(Path.of("/proc/pressure/cpu")).get(0);
      String avg10 = line.substring(line.indexOf("avg10=") + 6);
      return avg10.substring(0, avg10.indexOf(' ')) + "%";
    } catch (IOException | RuntimeException e) {
      return "?";
    }
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
    // --maps: print the thread id, the time window of the puts after --skip and the mappings, to match a
    // page-fault trace (perf record -k CLOCK_MONOTONIC -e exceptions:page_fault_user) without --diag's reads.
    boolean maps = diag || List.of(args).contains("--maps");
    long[] cpu = new long[puts];
    long[] faults = new long[puts];
    long[] switches = new long[puts];
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    // --target journal: straight to the WriteBehindJournal (values serialized once beforehand), without the cache.
    boolean journalOnly = option(args, "--target", "cache").equals("journal");
    boolean control = option(args, "--target", "cache").equals("control");
    Map<Long, byte[]> controlMap = new ConcurrentHashMap<>();
    Serializer controlSerializer = null;
    BenchCache cache = null;
    WriteBehindJournal<Long, Payload> journal = null;
    long openMillis = 0;
    long warmUpMillis = -1;
    try {
      WriteBehindConfig writeBehind = WriteBehindConfig.builder()
          .writer(BlockedWriter.class)
          .journal(directory.resolve("journal"))
          .closeTimeout(Duration.ofSeconds(1))
          .batchSize(Integer.parseInt(option(args, "--batch-size", Integer.toString(WriteBehindConfig.DEFAULT_BATCH_SIZE))))
          .build();
      GoldyloxConfiguration<Long, Payload> configuration = GoldyloxConfiguration.builder(Long.class, Payload.class)
          .storeByValue(false)
          .writeBehind(writeBehind)
          .build();
      long opening = System.nanoTime();
      byte[][] serialized = new byte[puts][];
      if (control) {
        controlSerializer = Serializers.create(null, "goldylox.serializer", null,
            FreshWriteBehindLatency.class.getClassLoader());
      } else if (journalOnly) {
        JavaSerializer serializer = new JavaSerializer();
        journal = WriteBehindJournal.open(writeBehind, serializer, null, "fresh");
        for (int i = 0; i < puts; i++) {
          serialized[i] = serializer.serialize(values[i]);
        }
      } else {
        cache = Providers.open("goldylox", "fresh", configuration);
      }
      openMillis = (System.nanoTime() - opening) / 1_000_000;
      if (variant.equals("warmed")) {
        warmUpMillis = warmUp(directory, values, keyCount);
      }
      boolean pretouching = Thread.getAllStackTraces().keySet().stream()
          .anyMatch(t -> t.getName().startsWith("goldylox-writebehind-") && t.getName().endsWith("-pretouch"));
      if (!control && pretouching != !variant.equals("no-pretouch")) {
        throw new IllegalStateException("variant " + variant + " but the pretoucher thread is "
            + (pretouching ? "running" : "missing") + ": is the benchmarks jar built with the provider of this tree"
            + " (mvn -pl provider,benchmarks -am package)?");
      }
      long[] windows = new long[2];
      for (int i = 0; i < puts; i++) {
        if (maps && i == skip) {
          windows[0] = System.nanoTime();
        }
        Long key = keys[i % keyCount];
        Payload value = values[i];
        long switchesBefore = diag ? involuntarySwitches() : 0;
        long faultsBefore = diag ? minorFaults() : 0;
        long cpuBefore = diag ? threads.getCurrentThreadCpuTime() : 0;
        long start = System.nanoTime();
        if (control) {
          controlMap.put(key, controlSerializer.serialize(value));
        } else if (journal != null) {
          journal.put(key, value, serialized[i]);
        } else {
          cache.put(key, value);
        }
        nanos[i] = System.nanoTime() - start;
        if (diag) {
          cpu[i] = threads.getCurrentThreadCpuTime() - cpuBefore;
          faults[i] = minorFaults() - faultsBefore;
          switches[i] = involuntarySwitches() - switchesBefore;
        }
      }
      if (maps) {
        // For matching page-fault traces (perf record -k CLOCK_MONOTONIC): the thread, the window, the mappings.
        windows[1] = System.nanoTime();
        System.out.println("diag tid " + Path.of("/proc/thread-self").toRealPath().getFileName() + " window "
            + windows[0] + " " + windows[1]);
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
          System.out.println("diag thread " + thread.getName() + " cpu ms "
              + threads.getThreadCpuTime(thread.getId()) / 1_000_000);
        }
        // Every thread of the process, the JVM's own (compilers, GC, VM thread) too: name and CPU ticks so far.
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
          for (Path task : (Iterable<Path>) tasks::iterator) {
            String stat = Files.readString(task.resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            if (ticks > 0) {
              System.out.println("diag task " + Files.readString(task.resolve("comm")).trim() + " cpu ticks " + ticks);
            }
          }
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
          System.out.println("diag map " + line);
        }
      }
    } finally {
      BlockedWriter.RELEASE.countDown();
      if (cache != null) {
        cache.close();
      }
      if (journal != null) {
        journal.close();
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
    StringBuilder slow = new StringBuilder(variant + " run " + run + " (cache opened in " + openMillis + " ms"
        + (warmUpMillis >= 0 ? ", warmed up in " + warmUpMillis + " ms" : "") + "):");
    for (int i = 0; i < Math.min(10, puts); i++) {
      slow.append(' ').append(order[i]).append(": ").append(micros(nanos[order[i]]));
      if (diag) {
        slow.append(" (cpu ").append(micros(cpu[order[i]])).append(", ").append(faults[order[i]]).append(" faults, ")
            .append(switches[order[i]]).append(" preempted)");
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

  /**
   * The variant {@code warmed}: before the timed puts, 30,000 puts into a second write-behind cache of its own journal
   * (same classes, same code paths), then a wait until the JIT compilers are quiet (their total time unchanged for
   * 300 ms, at most 10 s): what a warm-up at open would buy. Returns its milliseconds.
   */
  private static long warmUp(Path directory, Payload[] values, int keyCount) {
    long start = System.nanoTime();
    WriteBehindConfig scratch = WriteBehindConfig.builder().writer(BlockedWriter.class)
        .journal(directory.resolve("warm-journal")).closeTimeout(Duration.ofMillis(100)).build();
    BenchCache warm = Providers.open("goldylox", "warm", GoldyloxConfiguration.builder(Long.class, Payload.class)
        .storeByValue(false).writeBehind(scratch).build());
    for (int i = 0; i < 30_000; i++) {
      warm.put((long) (i % keyCount), values[i % values.length]);
    }
    java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long last = jit.getTotalCompilationTime();
    while (System.nanoTime() < deadline) {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      long now = jit.getTotalCompilationTime();
      if (now == last) {
        break;
      }
      last = now;
    }
    // Left open: it shares the timed cache's manager, whose close at the end of the child closes it too.
    return (System.nanoTime() - start) / 1_000_000;
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

  /** The calling thread's involuntary context switches so far (/proc/thread-self/status; Linux only). */
  private static long involuntarySwitches() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
        if (line.startsWith("nonvoluntary_ctxt_switches:")) {
          return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return -1;
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

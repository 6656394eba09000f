package io.goldylox.benchmarks;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.JavaSerializer;
import io.goldylox.writebehind.WriteBehindJournal;
import io.goldylox.writebehind.WriteBehindMetrics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Issue 12's write-behind delivery benchmark: does the flusher deliver at the writer's own speed? The writer is
 * {@link H2KvWriter} on an H2 file database ({@code WRITE_DELAY=0}, MERGE/DELETE batches, one transaction per
 * call) behind {@code write-behind { batch-size = 200, max-delay = 50ms, coalesce = true, durability = process }};
 * keys are {@code "k<n>"}, values 100-character strings, Java serialization (the default).
 *
 * <p>Scenarios, each against a fresh database:
 * <ul>
 *   <li>{@code live}: one thread makes puts (80%) and removes over {@code --keys} keys at {@code --rate}
 *   operations per second (30,000: the rate of the application) for {@code --seconds}, then
 *   {@code close()} delivers what is left. Reported: the caller's rate, the lag (sampled
 *   every 100 ms), and the flusher's writer entries per second of its busy time (wall time less the time it was
 *   parked);</li>
 *   <li>{@code live-max}: the same as fast as one thread can;</li>
 *   <li>{@code live-wide}: as fast as one thread can over 1,000,000 keys, where coalescing rarely helps and the writer is the
 *   bottleneck throughout;</li>
 *   <li>{@code replay}: a child JVM journals {@code --backlog} operations over {@code --keys} keys with a writer
 *   that never returns and is killed with SIGKILL; then this JVM opens a copy of that journal and calls
 *   {@code close()}, timed together and apart (open is the scan that rebuilds the pending index; close delivers).
 *   One child per size: every replay of it delivers a fresh copy of the same journal;</li>
 *   <li>{@code replay-wide}: the same with 500,000 operations over 100,000 keys, whose delivery takes seconds, so
 *   that its ratio to the floor is not the noise of a 40-millisecond delivery.</li>
 * </ul>
 * The floor: every call the flusher made (recorded by {@link RecordingWriter}) is made again, in the same order,
 * directly on a fresh database by the same writer class, in the same run. The ratio is the flusher's entries per
 * second over the floor's. In {@code live} and {@code live-max} the two alternate: the caller runs one-second
 * slices, and after each (once the flusher delivered everything and parked) the slice's calls are made again on
 * the floor's database, because this machine's H2 speed drifts by up to 2x over tens of seconds. In the replays
 * each call is made again at once on the floor's database by the recording writer itself (its time subtracted from
 * the flusher's), so they alternate call by call. In {@code live-wide} the floor runs right after the scenario. Runs in its own JVM ({@link ChildJvm#chronicleFlags()} are needed); not JMH, because a
 * delivery is seconds of I/O, not a nanosecond loop.
 *
 * <pre>{@code java --add-opens... -cp benchmarks/target/benchmarks.jar io.goldylox.benchmarks.WriteBehindThroughput}</pre>
 */
public final class WriteBehindThroughput {

  private static final String CHILD = "--child-backlog";
  private static final int VALUE_CHARS = 100;
  /** The replay whose delivery takes seconds, not tens of milliseconds: its ratio to the floor is not noise. */
  private static final int WIDE_BACKLOG = 500_000;
  private static final int WIDE_BACKLOG_KEYS = 100_000;
  /** Per scenario: writer entries, the flusher's busy nanoseconds, the floor's nanoseconds, over all its runs. */
  private static final java.util.Map<String, long[]> TOTALS = new java.util.LinkedHashMap<>();
  /**
   * Per scenario: each run's flusher / floor. Their median is reported beside the total because one replay now and
   * then runs H2 at half speed (or double) on one of its two databases for its whole 20 ms, which the total weighs
   * in full.
   */
  private static final java.util.Map<String, List<Double>> RATIOS = new java.util.LinkedHashMap<>();
  /** Replays run so far (for the order in which a replay creates its two databases). */
  private static int replayRuns;
  /**
   * Per replay size ({@code operations/keys}): the journal a killed child left, which every replay of that size
   * delivers a copy of. One child per size, not one per replay: a replay then costs a copy instead of a JVM, so
   * enough of them run for C2 to finish compiling the replay's code (the scan at open, claims, settling) before
   * the measured ones, and every measured replay delivers the same journal.
   */
  private static final java.util.Map<String, Path> PRISTINE = new java.util.HashMap<>();
  private static Path pristineRoot;

  private WriteBehindThroughput() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals(CHILD)) {
      childBacklog(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      return;
    }
    int seconds = intArg(args, "--seconds", 10);
    int keys = intArg(args, "--keys", 5_000);
    int backlog = intArg(args, "--backlog", 120_000);
    Path markdown = ChildJvm.markdownFile(args, false, "writebehind-throughput.md");
    List<String> scenarios = List.of(stringArg(args, "--scenarios", "live,live-max,live-wide,replay,replay-wide").split(","));
    int rate = intArg(args, "--rate", 30_000);
    int warmup = intArg(args, "--warmup", 15);
    if (warmup > 0) {
      // Compiles the journal's, the flusher's and H2's hot paths before anything is measured, so that the live
      // runs (first) and their floors (replayed after them) both run compiled code. H2 keeps getting faster for
      // 15-20 seconds of work in a fresh JVM here (its rate went 13k, 38k, 57k entries/s in three back-to-back
      // 200-entry-batch loops), so a short warm-up favours whatever runs later: the floor.
      System.out.println("warm-up (not reported): " + live("warm-up", warmup, keys, Integer.MAX_VALUE));
    }
    List<String> rows = new ArrayList<>();
    if (scenarios.contains("live")) {
      rows.add(live("live", seconds, keys, rate, true));
    }
    if (scenarios.contains("live-max")) {
      rows.add(live("live-max", seconds, keys, Integer.MAX_VALUE, true));
    }
    if (scenarios.contains("live-wide")) {
      rows.add(live("live-wide", seconds, 1_000_000, Integer.MAX_VALUE));
    }
    int replays = intArg(args, "--replays", 12);
    int replayWarmups = intArg(args, "--replay-warmup", 30);
    if (scenarios.contains("replay") || scenarios.contains("replay-wide")) {
      // The live warm-up does not run the replay's own code (the pending index built by the scan at open, values
      // decoded from the journal, the backlog emptied batch by batch), and H2's is compiled by then: without these,
      // the first replays ran with C2 compiling that code beside the writer (its claims, decoding and settling
      // compiled during the third replay), so they measured the JIT against an already compiled floor. With four
      // of them C2 still took one of the two cores for 15-250 ms of every measured replay (H2's commit path and
      // the scan, called once per batch or per replay, cross C2's thresholds slowly): 30 take it to a few ms.
      for (int i = 0; i < replayWarmups; i++) {
        System.out.println("replay warm-up (not reported): " + replay("replay-warm-up", backlog, keys));
      }
    }
    if (scenarios.contains("replay")) {
      for (int i = 0; i < replays; i++) {
        rows.add(replay("replay", backlog, keys));
      }
    }
    if (scenarios.contains("replay-wide")) {
      for (int i = 0; i < 2; i++) {
        rows.add(replay("replay-wide", WIDE_BACKLOG, WIDE_BACKLOG_KEYS));
      }
    }
    if (pristineRoot != null) {
      JournalFiles.deleteTree(pristineRoot);
    }
    StringBuilder md = new StringBuilder();
    md.append("# Write-behind delivery against the writer's floor\n\n")
        .append("`java <chronicle flags> -cp benchmarks/target/benchmarks.jar ")
        .append("io.goldylox.benchmarks.WriteBehindThroughput` (").append(java.time.LocalDate.now())
        .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores). H2 file database, ")
        .append("WRITE_DELAY=0, batch-size 200, max-delay 50ms, coalesce, durability process; one caller thread;")
        .append(" puts 80% / removes 20%; 100-character values; Java serialization.\n\n")
        .append("| scenario | operations | keys | caller ops/s | max lag | writer entries | entries per key |")
        .append(" flusher entries/s (busy) | floor entries/s | flusher / floor | paced floor entries/s |")
        .append(" flusher / paced floor | paced floor beside the caller entries/s | flusher / it |")
        .append(" writer share of busy | flusher + writer threads CPU / busy | open ms | close ms | JIT ms |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    rows.forEach(md::append);
    md.append("\nScenarios run more than once, all runs together (entries over the summed times):\n\n");
    TOTALS.forEach((scenario, total) -> {
      if (rows.stream().filter(r -> r.startsWith("| " + scenario + " |")).count() > 1) {
        List<Double> ratios = new ArrayList<>(RATIOS.get(scenario));
        ratios.sort(null);
        int n = ratios.size();
        double median = n % 2 == 1 ? ratios.get(n / 2) : (ratios.get(n / 2 - 1) + ratios.get(n / 2)) / 2;
        md.append(String.format(Locale.ROOT,
            "- %s: flusher %,.0f entries/s, floor %,.0f, flusher / floor %.2f; median of the runs' ratios %.2f%n",
            scenario, total[0] * 1e9 / total[1], total[0] * 1e9 / total[2], (double) total[2] / total[1], median));
      }
    });
    md.append("\nThe floor makes the flusher's recorded calls again, in order, on a fresh database, with nothing else ")
        .append("running; in the live scenarios the flusher shared the two cores with the caller thread. In *live* ")
        .append("and *live-max* the flusher and its floors alternate in one-second slices (the slice's calls are made ")
        .append("again once the flusher delivered them all), so a drift of the machine's speed hits both alike; in ")
        .append("the replays each call is made again at once on the floor's database, on the writer thread, and ")
        .append("that time is taken out of the flusher's busy time and of *close ms* (which of the two databases is ")
        .append("created first alternates between runs); in *live-wide* the floor runs after the scenario. The ")
        .append("benchmark's own copy of each call for its floors (made inside the writer call, a few microseconds) is ")
        .append("taken out of the flusher's busy time and writer time in every scenario. The ")
        .append("*paced floor* makes the same calls at the same offsets from each other as the flusher made them (at ")
        .append("once when late) and counts only the time inside them: the writer called directly at the flusher's ")
        .append("rhythm. On this machine a writer called every few milliseconds is slower than one called back to ")
        .append("back, and a flusher that keeps up waits for each batch to fill, so in *live* the paced floor is the ")
        .append("like-for-like one; where the flusher never waits the two are the same calls back to back. The ")
        .append("*paced floor beside the caller* (rate-limited live runs only) is the paced floor made while another ")
        .append("thread makes the slice's operations again, at the same rate, on a journal whose writer does ")
        .append("nothing: the writer at the flusher's rhythm with the application running beside it, as the flusher's ")
        .append("writer calls had. *replay-wide*: 500,000 operations over 100,000 keys. *busy*: the time delivery ")
        .append("had work in hand, the flusher's wall time less its idle parks (a batch with the writer thread ")
        .append("counts). *writer share of busy*: the time inside the writer's calls over the busy time, so one minus ")
        .append("it is what delivery adds to the writer (preparing and settling batches where they do not overlap ")
        .append("the writer, handing batches between the two threads, starting and stopping) plus the time it waited ")
        .append("for a core. *flusher + writer threads CPU / busy*: the two threads' CPU time (read every millisecond ")
        .append("while they live) over the busy time; above 1 where the flusher worked beside the writer. *JIT ms*: ")
        .append("the compilers' time during the run (the JVM's sum over its compiler threads): a compiler takes one ")
        .append("of the two cores, so the flusher's work no longer overlaps the writer's. Every replay of a size ")
        .append("delivers a copy of the same journal, left by one child JVM killed with SIGKILL (copied sparse and ")
        .append("forced to the disk before the replay opens it). A ")
        .append(seconds(warmup)).append(" warm-up run (not reported) compiles the hot paths first")
        .append(replayWarmups > 0 && (scenarios.contains("replay") || scenarios.contains("replay-wide"))
            ? ", then " + replayWarmups + " replays of the same size as *replay* (not reported) compile the"
                + " replay's own code and H2's commit path (with four, C2 was still compiling for 15-250 ms of"
                + " each measured replay)"
            : "")
        .append(".\n");
    Files.createDirectories(markdown.toAbsolutePath().getParent());
    Files.writeString(markdown, md.toString());
    System.out.print(md);
  }

  private static String live(String name, int seconds, int keys, int rate) throws Exception {
    return live(name, seconds, keys, rate, false);
  }

  /**
   * One live scenario. {@code interleaved}: the caller runs in one-second slices; after each, it waits until the
   * flusher delivered everything (lag 0, the flusher parked), then makes the slice's recorded writer calls again on
   * the floor's database, so the flusher and its floor alternate within seconds of each other and a drift of the
   * machine's speed (H2's rate moves 2x between runs here) hits both alike. Otherwise the floor runs after the
   * whole scenario.
   */
  private static String live(String name, int seconds, int keys, int rate, boolean interleaved) throws Exception {
    // A floor beside the caller only at a set rate: beside a caller as fast as one thread goes, the load journal's
    // own flusher (its writer does nothing, so it never waits) takes far more of the other core than the real one.
    boolean withBeside = interleaved && rate != Integer.MAX_VALUE;
    Path dir = Files.createTempDirectory("goldylox-wb-live");
    try {
      RecordingWriter recording;
      WriteBehindMetrics metrics;
      long operations = 0;
      long maxLag = 0;
      long callerNanos = 0;
      long closeNanos;
      long floorNanos = -1;
      long pacedNanos = -1;
      long besideNanos = -1;
      long jit;
      ThreadCpuWatch cpu;
      ThreadCpuWatch writerCpu;
      try (H2KvWriter h2 = new H2KvWriter(url(dir, "db"));
          H2KvWriter floor = interleaved ? new H2KvWriter(url(dir, "floor")) : null;
          H2KvWriter paced = interleaved ? new H2KvWriter(url(dir, "paced")) : null;
          H2KvWriter beside = withBeside ? new H2KvWriter(url(dir, "beside")) : null) {
        recording = new RecordingWriter(h2, false);
        RecordingWriter.install(recording);
        java.util.Set<Long> threadsBefore = ThreadCpuWatch.threadIds();
        long jitBefore = jitMillis();
        WriteBehindJournal<String, String> journal = WriteBehindJournal.open(settings(dir), new JavaSerializer(),
            WriteBehindThroughput.class.getClassLoader(), name);
        cpu = ThreadCpuWatch.of("goldylox-writebehind-" + name, threadsBefore);
        writerCpu = ThreadCpuWatch.of("goldylox-writebehind-" + name + "-writer", threadsBefore);
        metrics = journal.metrics();
        // The caller's load for the floor beside it: the same stream into a journal whose writer does nothing.
        WriteBehindJournal<String, String> load = null;
        if (withBeside) {
          RecordingWriter.install(new DiscardingWriter());
          load = WriteBehindJournal.open(settings(dir.resolve("load")), new JavaSerializer(),
              WriteBehindThroughput.class.getClassLoader(), name + "-load");
        }
        int slices = interleaved ? seconds : 1;
        long sliceNanos = TimeUnit.SECONDS.toNanos(interleaved ? 1 : seconds);
        int replayedCalls = 0;
        floorNanos = interleaved ? 0 : -1;
        pacedNanos = interleaved ? 0 : -1;
        besideNanos = withBeside ? 0 : -1;
        for (int slice = 0; slice < slices; slice++) {
          long[] done = new long[1];
          long seed = 1 + slice;
          long deadline = System.nanoTime() + sliceNanos;
          Thread caller = new Thread(() -> done[0] = stream(journal, keys, Long.MAX_VALUE, deadline, seed, rate));
          long start = System.nanoTime();
          caller.start();
          while (caller.isAlive()) {
            caller.join(100);
            maxLag = Math.max(maxLag, metrics.journalLag());
          }
          callerNanos += System.nanoTime() - start;
          operations += done[0];
          if (interleaved) {
            long drainDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (metrics.journalLag() > 0) {
              if (System.nanoTime() > drainDeadline) {
                throw new IllegalStateException("the flusher did not deliver slice " + slice + " in 5 minutes: "
                    + metrics);
              }
              Thread.sleep(1); // the benchmark's own thread, between measurements: not a product path
            }
            Thread.sleep(20); // the flusher records its checkpoint and parks
            List<RecordingWriter.Call> calls = recording.calls();
            int upTo = calls.size();
            List<RecordingWriter.Call> sliceCalls = calls.subList(replayedCalls, upTo);
            int floors = withBeside ? 3 : 2;
            for (int turn = 0; turn < floors; turn++) { // the floors take turns going first
              switch ((slice + turn) % floors) {
                case 0 -> floorNanos += RecordingWriter.replay(sliceCalls, floor);
                case 1 -> pacedNanos += RecordingWriter.replayPaced(sliceCalls, paced);
                default -> besideNanos += pacedBesideCaller(sliceCalls, beside, load, keys, seed, rate);
              }
            }
            replayedCalls = upTo;
          }
        }
        long closeStart = System.nanoTime();
        journal.close();
        closeNanos = System.nanoTime() - closeStart;
        jit = jitMillis() - jitBefore;
        cpu.close();
        writerCpu.close();
        if (interleaved) {
          List<RecordingWriter.Call> calls = recording.calls();
          List<RecordingWriter.Call> rest = calls.subList(replayedCalls, calls.size());
          floorNanos += RecordingWriter.replay(rest, floor);
          pacedNanos += RecordingWriter.replayPaced(rest, paced);
          if (withBeside) {
            besideNanos += RecordingWriter.replayPaced(rest, beside); // close(): the caller has stopped
            load.close();
          }
        }
      }
      return row(name, operations, keys, operations * 1e9 / callerNanos, maxLag, recording, metrics, dir,
          Double.NaN, closeNanos / 1e6, floorNanos, pacedNanos, besideNanos, cpu.cpuNanos() + writerCpu.cpuNanos(), jit);
    } finally {
      JournalFiles.deleteTree(dir);
    }
  }

  /**
   * The paced floor with the caller beside it: {@code calls} made again at the flusher's rhythm on {@code writer}
   * while another thread makes the slice's operations again (same seed, same rate) on {@code load}, a journal
   * whose writer does nothing. On this machine H2 runs about 10% slower with that thread beside it (a scratch
   * experiment: 1.12x back to back, 1.08x paced, over 18 alternated one-second rounds), and in the live scenarios
   * the flusher's writer has the caller beside it. Returns the nanoseconds inside the calls.
   */
  private static long pacedBesideCaller(List<RecordingWriter.Call> calls, H2KvWriter writer,
      WriteBehindJournal<String, String> load, int keys, long seed, int rate) throws InterruptedException {
    java.util.concurrent.atomic.AtomicBoolean go = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread caller = new Thread(() -> stream(load, keys, Long.MAX_VALUE, Long.MAX_VALUE, seed, rate, go));
    caller.start();
    try {
      return RecordingWriter.replayPaced(calls, writer);
    } finally {
      go.set(false);
      caller.join();
    }
  }

  /** The writer of the load journal of {@link #pacedBesideCaller}: accepts everything, does nothing. */
  private static final class DiscardingWriter implements javax.cache.integration.CacheWriter<String, String> {
    @Override
    public void write(javax.cache.Cache.Entry<? extends String, ? extends String> entry) {}

    @Override
    public void writeAll(java.util.Collection<javax.cache.Cache.Entry<? extends String, ? extends String>> e) {
      e.clear();
    }

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(java.util.Collection<?> keys) {
      keys.clear();
    }
  }

  private static String replay(String name, int backlog, int keys) throws Exception {
    Path pristine = pristine(backlog, keys);
    Path dir = Files.createTempDirectory("goldylox-wb-replay");
    try {
      JournalFiles.copyTree(pristine, dir.resolve("journal"));
      RecordingWriter recording;
      WriteBehindMetrics metrics;
      double openMillis;
      double closeMillis;
      ThreadCpuWatch cpu;
      ThreadCpuWatch writerCpu;
      long jit;
      // Which of the two databases is created first alternates between runs: on this machine the order moved the
      // ratio of their speeds by up to 15% in some runs.
      boolean floorFirst = (replayRuns++ & 1) == 1;
      H2KvWriter first = new H2KvWriter(url(dir, floorFirst ? "floor" : "db"));
      H2KvWriter second = new H2KvWriter(url(dir, floorFirst ? "db" : "floor"));
      try (H2KvWriter h2 = floorFirst ? second : first; H2KvWriter floor = floorFirst ? first : second) {
        // The floor is the shadow: each call of the flusher made again at once on the floor's database.
        recording = new RecordingWriter(h2, false, floor);
        RecordingWriter.install(recording);
        java.util.Set<Long> threadsBefore = ThreadCpuWatch.threadIds();
        long jitBefore = jitMillis();
        long start = System.nanoTime();
        WriteBehindJournal<String, String> journal = WriteBehindJournal.open(settings(dir), new JavaSerializer(),
            WriteBehindThroughput.class.getClassLoader(), "replay");
        long opened = System.nanoTime();
        cpu = ThreadCpuWatch.of("goldylox-writebehind-replay", threadsBefore); // ~1 ms, counted in close ms
        writerCpu = ThreadCpuWatch.of("goldylox-writebehind-replay-writer", threadsBefore);
        journal.close();
        long closed = System.nanoTime();
        jit = jitMillis() - jitBefore;
        cpu.close();
        writerCpu.close();
        openMillis = (opened - start) / 1e6;
        closeMillis = (closed - opened) / 1e6;
        metrics = journal.metrics();
        if (metrics.leftAtClose() != 0 || metrics.replayed() < backlog) {
          throw new IllegalStateException("replay incomplete: " + metrics);
        }
      }
      return row(name, metrics.replayed(), keys, Double.NaN, metrics.replayed(), recording, metrics, dir,
          openMillis, closeMillis - recording.shadowNanos() / 1e6, recording.shadowNanos(), -1, -1,
          cpu.cpuNanos() + writerCpu.cpuNanos(), jit);
    } finally {
      JournalFiles.deleteTree(dir);
    }
  }

  /**
   * Leaves in {@code journalDir} what a killed node leaves: a child JVM journals {@code operations} operations over
   * {@code keys} keys with a writer that never returns, and is killed with SIGKILL once all are acknowledged.
   */
  /** The journal a killed child left with {@code operations} over {@code keys} keys, made at the first call. */
  private static Path pristine(int operations, int keys) throws Exception {
    String size = operations + "-" + keys;
    Path journal = PRISTINE.get(size);
    if (journal == null) {
      if (pristineRoot == null) {
        pristineRoot = Files.createTempDirectory("goldylox-wb-pristine");
      }
      journal = pristineRoot.resolve(size).resolve("journal");
      killedWithBacklog(journal, operations, keys);
      PRISTINE.put(size, journal);
    }
    return journal;
  }

  /** The compilers' accumulated time so far (the JVM's estimate, summed over its compiler threads). */
  private static long jitMillis() {
    return java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
  }

  static void killedWithBacklog(Path journalDir, int operations, int keys) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ChildJvm.HEAP_FLAGS);
    command.addAll(ChildJvm.chronicleFlags());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), WriteBehindThroughput.class.getName(),
        CHILD, journalDir.toString(), Integer.toString(operations), Integer.toString(keys)));
    Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.startsWith("DONE")) {
        // the child prints DONE once every operation is acknowledged
      }
      if (line == null) {
        throw new IllegalStateException("the backlog child died before DONE");
      }
      child.toHandle().destroyForcibly(); // SIGKILL, mid-batch: the writer holds its first call
      child.waitFor();
    }
  }

  /** The child of {@link #killedWithBacklog}: a writer that never returns, the backlog, DONE, then wait for the kill. */
  private static void childBacklog(Path journalDir, int operations, int keys) throws Exception {
    RecordingWriter held = new RecordingWriter(new H2KvWriter(url(journalDir.getParent(), "child-db")), true);
    RecordingWriter.install(held);
    WriteBehindJournal<String, String> journal = WriteBehindJournal.open(settings(journalDir.getParent()),
        new JavaSerializer(), WriteBehindThroughput.class.getClassLoader(), "backlog");
    stream(journal, keys, operations, Long.MAX_VALUE, 7, Integer.MAX_VALUE);
    System.out.println("DONE " + journal.metrics().journalLag());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /**
   * Puts (80%) and removes over {@code keys} keys until {@code limit} operations or {@code deadline}, at most
   * {@code rate} per second (paced every 1,024 operations; MAX_VALUE: as fast as one thread can).
   */
  private static long stream(WriteBehindJournal<String, String> journal, int keys, long limit, long deadline,
      long seed, int rate) {
    return stream(journal, keys, limit, deadline, seed, rate, null);
  }

  /** As above, and stops early (at a multiple of 1,024 operations) once {@code go} is false. */
  private static long stream(WriteBehindJournal<String, String> journal, int keys, long limit, long deadline,
      long seed, int rate, java.util.concurrent.atomic.AtomicBoolean go) {
    long start = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    StringBuilder padding = new StringBuilder();
    while (padding.length() < VALUE_CHARS) {
      padding.append("0123456789");
    }
    long n = 0;
    for (; n < limit && ((n & 1023) != 0 || (System.nanoTime() < deadline && (go == null || go.get()))); n++) {
      if ((n & 1023) == 0 && rate != Integer.MAX_VALUE) {
        long due = start + n * 1_000_000_000L / rate;
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
      }
      String key = "k" + random.nextInt(keys);
      if (random.nextInt(5) == 0) {
        journal.delete(key);
      } else {
        String number = Long.toString(n);
        journal.put(key, number + padding.substring(number.length()));
      }
    }
    return n;
  }

  private static WriteBehindConfig settings(Path dir) {
    return WriteBehindConfig.builder().writer(new RecordingWriter.Given()).journal(dir.resolve("journal"))
        .batchSize(200).maxDelay(Duration.ofMillis(50)).coalesce(true).build();
  }

  private static String url(Path dir, String name) {
    return "jdbc:h2:file:" + dir.resolve(name) + ";WRITE_DELAY=0";
  }

  private static String row(String name, long operations, int keys, double callerRate, long maxLag,
      RecordingWriter recording, WriteBehindMetrics metrics, Path dir, double openMillis, double closeMillis,
      long measuredFloorNanos, long pacedFloorNanos, long besideFloorNanos, long flusherCpuNanos, long jitMillis)
      throws Exception {
    List<RecordingWriter.Call> calls = recording.calls();
    long entries = RecordingWriter.entries(calls);
    long floorNanos = measuredFloorNanos;
    if (floorNanos < 0) {
      try (H2KvWriter fresh = new H2KvWriter(url(dir, "floor-after"))) {
        floorNanos = RecordingWriter.replay(calls, fresh);
      }
    }
    // The flusher's own time in every scenario (in a replay it starts delivering at open, before close() is
    // called); close ms, which also closes the journal's files and threads, is reported beside it.
    FlusherRates rates = FlusherRates.of(entries, metrics.flusherBusyNanos(), metrics.writerNanosTotal(),
        flusherCpuNanos, recording.shadowNanos() + recording.bookkeepingNanos(), recording.shadowCpuNanos(), floorNanos,
        pacedFloorNanos);
    long busy = rates.busyNanos();
    TOTALS.computeIfAbsent(name, n -> new long[3]);
    long[] total = TOTALS.get(name);
    total[0] += entries;
    total[1] += busy;
    total[2] += floorNanos;
    RATIOS.computeIfAbsent(name, n -> new ArrayList<>()).add(rates.ratio());
    long distinctKeys = Math.min(keys, operations);
    System.out.printf(Locale.ROOT, "%s: %s%n", name, metrics);
    return String.format(Locale.ROOT,
        "| %s | %,d | %,d | %s | %,d | %,d | %.2f | %,.0f | %,.0f | %.2f | %s | %s | %s | %s | %s | %.2f | %s | %.0f | %d |%n",
        name, operations, keys, Double.isNaN(callerRate) ? "-" : String.format(Locale.ROOT, "%,.0f", callerRate),
        maxLag, entries, (double) entries / distinctKeys, rates.flusherRate(), rates.floorRate(), rates.ratio(),
        Double.isNaN(rates.pacedRate()) ? "-" : String.format(Locale.ROOT, "%,.0f", rates.pacedRate()),
        Double.isNaN(rates.pacedRate()) ? "-" : String.format(Locale.ROOT, "%.2f", rates.pacedRatio()),
        besideFloorNanos <= 0 ? "-" : String.format(Locale.ROOT, "%,.0f", entries * 1e9 / besideFloorNanos),
        besideFloorNanos <= 0 ? "-" : String.format(Locale.ROOT, "%.2f",
            rates.flusherRate() / (entries * 1e9 / besideFloorNanos)),
        String.format(Locale.ROOT, "%.2f", rates.writerShare()), rates.cpuShare(),
        Double.isNaN(openMillis) ? "-" : String.format(Locale.ROOT, "%.0f", openMillis), closeMillis, jitMillis);
  }

  private static String seconds(int seconds) {
    return seconds + "-second";
  }

  private static String stringArg(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }

  /** Deletes {@code dir} and everything under it. */
}

package io.goldylox.benchmarks.engines;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The storage-engine comparison of issue 3: the same single-threaded workload (N Long keys inserted in a shuffled
 * order with 100-byte random values, then every key read, then every key updated, each in its own shuffled order)
 * on a ConcurrentHashMap (the ceiling), Goldylox's off-heap and disk tiers, and Chronicle Map in memory and
 * persisted. A plain main, not JMH: one warm-up pass, then three measured passes, best per phase.
 *
 * <p>By default each engine runs in a child JVM of its own, started with this JVM's flags and class path, so no
 * engine inherits another's garbage, direct memory or JIT profile, and a library that cannot start (or crashes
 * its JVM) is reported and skipped without ending the run. The Markdown report goes to standard output, progress
 * to standard error. Run it with {@code ${chronicle.jvm.flags}} (Chronicle Map needs them), for example:
 *
 * <pre>
 * java -Xmx3g [chronicle flags] -cp benchmarks/target/benchmarks.jar \
 *     io.goldylox.benchmarks.engines.StorageEngines [--entries 1000000] &gt; benchmarks/results/storage-engines.md
 * </pre>
 *
 * <p>Options: {@code --entries N} (default 1,000,000), {@code --engines id,id} (default all: chm, offheap, disk,
 * disk-longkey, chronicle-mem, chronicle-file), {@code --passes P} (3), {@code --warmups W} (1), {@code --seed S},
 * {@code --dir D} (scratch directory for files; default the system temp directory), {@code --in-process} (no
 * child JVMs). Runs on the main thread only.
 */
public final class StorageEngines {

  static final int VALUE_BYTES = 100;

  private int entries = 1_000_000;
  private List<EngineKind> engines = List.of(EngineKind.values());
  private int passes = 3;
  private int warmups = 1;
  private long seed = 42;
  private Path dir = Path.of(System.getProperty("java.io.tmpdir"));
  private boolean inProcess;
  private EngineKind only;

  public static void main(String[] args) throws Exception {
    StorageEngines harness = new StorageEngines();
    harness.parse(args);
    System.exit(harness.only != null ? harness.runChild() : harness.runAll());
  }

  private void parse(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--in-process")) {
        inProcess = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("Option " + arg + " needs a value (or is unknown)");
      }
      String value = args[++i];
      switch (arg) {
        case "--entries":
          entries = Integer.parseInt(value.replace("_", "").replace(",", ""));
          break;
        case "--engines":
          List<EngineKind> chosen = new ArrayList<>();
          for (String id : value.split(",")) {
            chosen.add(EngineKind.byId(id));
          }
          engines = chosen;
          break;
        case "--passes":
          passes = Integer.parseInt(value);
          break;
        case "--warmups":
          warmups = Integer.parseInt(value);
          break;
        case "--seed":
          seed = Long.parseLong(value);
          break;
        case "--dir":
          dir = Path.of(value);
          break;
        case "--only":
          only = EngineKind.byId(value);
          break;
        default:
          throw new IllegalArgumentException("Unknown option " + arg + " (known: --entries, --engines, --passes,"
              + " --warmups, --seed, --dir, --in-process)");
      }
    }
    if (passes < 1 || warmups < 0) {
      throw new IllegalArgumentException("--passes must be at least 1 and --warmups at least 0");
    }
  }

  /** Child mode: one engine in this JVM, its result as one line on standard output. */
  private int runChild() {
    Workload workload = new Workload(entries, VALUE_BYTES, seed);
    EngineResult result = new EngineRun(only, workload, warmups, passes, dir).run();
    System.out.println(result.toLine());
    System.out.flush();
    return 0;
  }

  private int runAll() throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path scratch = Files.createTempDirectory(dir, "goldylox-storage-engines-");
    String loadAtStart = Machine.loadAverage();
    printHeader(scratch, loadAtStart);
    List<EngineResult> results = new ArrayList<>();
    try {
      Workload workload = inProcess ? new Workload(entries, VALUE_BYTES, seed) : null;
      for (EngineKind kind : engines) {
        System.err.println("== " + kind.label + " (load " + Machine.loadAverage() + ")");
        results.add(inProcess ? new EngineRun(kind, workload, warmups, passes, scratch).run() : fork(kind, scratch));
      }
    } finally {
      DiskTierEngine.deleteTree(scratch);
    }
    Report.print(System.out, entries, VALUE_BYTES, results, passes, warmups);
    System.out.println();
    System.out.println("Load average (1, 5, 15 min) at start: " + loadAtStart + "; at end: "
        + Machine.loadAverage() + ".");
    boolean failed = results.stream().anyMatch(r -> r.status == EngineResult.Status.FAILED);
    if (failed) {
      System.err.println("At least one engine FAILED its checks (see the table): exit status 1");
    }
    return failed ? 1 : 0;
  }

  private EngineResult fork(EngineKind kind, Path scratch) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(StorageEngines.class.getName());
    command.addAll(List.of("--only", kind.id, "--entries", Integer.toString(entries), "--passes",
        Integer.toString(passes), "--warmups", Integer.toString(warmups), "--seed", Long.toString(seed), "--dir",
        scratch.toString()));
    Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    EngineResult result = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith(EngineResult.LINE_PREFIX)) {
          result = EngineResult.parse(line);
        } else {
          System.err.println("[" + kind.id + "] " + line);
        }
      }
    }
    int exit = child.waitFor();
    if (result == null) {
      result = new EngineResult(kind);
      result.status = EngineResult.Status.SKIPPED;
      result.message = "its JVM exited with status " + exit + " before reporting (see standard error)";
      System.err.println(kind.label + ": " + result.message);
    }
    return result;
  }

  private void printHeader(Path scratch, String load) {
    System.out.println("# Storage engines: Goldylox tiers against Chronicle Map (and a ConcurrentHashMap ceiling)");
    System.out.println();
    System.out.println("A real run of `io.goldylox.benchmarks.engines.StorageEngines` (issue 3).");
    System.out.println();
    System.out.println("- Date: " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    System.out.println("- Machine: " + Runtime.getRuntime().availableProcessors() + " cores ("
        + Machine.cpuModel() + "), " + Machine.memTotal() + " RAM, " + Machine.os() + "; shared with other jobs");
    System.out.println("- JVM: " + Machine.jvm() + "; max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
    System.out.println("- Load average (1, 5, 15 min) at start: " + load);
    System.out.println("- Scratch files (disk tier, persisted Chronicle Map): " + scratch + " ("
        + Machine.fileStore(scratch) + "), deleted after the run; data stays in the page cache");
    System.out.println("- Each engine in its own child JVM: " + !inProcess);
    System.out.println("- Command: `" + ProcessHandle.current().info().commandLine().orElse("unknown") + "`");
    System.out.println();
  }
}

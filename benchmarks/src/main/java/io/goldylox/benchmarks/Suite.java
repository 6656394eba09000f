package io.goldylox.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs a selection of the benchmarks through JMH's Runner API and writes {@code latest.json}, {@code latest.md}
 * and {@code latest.png} into the results directory.
 *
 * <ul>
 *   <li>no flag, the headline: get, put and mixed 80/20, zipf keys; by reference over every provider with the
 *   {@code chm} ceiling, by value over the JCache providers plus {@code goldylox-java}; 1 thread for all, 2 threads
 *   for all but the RI (dropped from the 2-thread headline to keep it under 10 minutes; {@code --all} has it):
 *   66 trials of 3 × 1 s warmup and 3 × 1 s measurement, about 9 minutes;</li>
 *   <li>{@code --all}: every operation (adding getAll, putAll, invoke), zipf and uniform, 1 and 2 threads, with
 *   {@code -prof gc}; then the many-threads ({@link ThreadCollapseBenchmark}), latency, eviction-quality and
 *   tiered ({@link TieredBenchmark}) benchmarks, each in a child JVM ({@link ChildJvm}), appended to the
 *   Markdown (roughly an hour);</li>
 *   <li>{@code --tiers}: the headline plus the tiered benchmark, appended to the Markdown;</li>
 *   <li>{@code --smoke}: the same selection with 0 warmup and one 100 ms iteration (and fewer trials for
 *   {@code --all}), written to {@code results/smoke/}: proves everything runs, the numbers mean nothing;</li>
 *   <li>{@code --out DIR}: another results directory.</li>
 * </ul>
 */
public final class Suite {

  private static final String HEADLINE_OPS = "get|put|mixed";
  private static final String ALL_OPS = "get|put|mixed|getAll|putAll|invoke";

  private final boolean smoke;
  private final boolean all;
  private final boolean tiers;
  private final List<RunResult> results = new ArrayList<>();

  private Suite(boolean smoke, boolean all, boolean tiers) {
    this.smoke = smoke;
    this.all = all;
    this.tiers = tiers;
  }

  public static void main(String[] args) throws Exception {
    List<String> flags = List.of(args);
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--out")) {
        i++;
      } else if (!flag.equals("--smoke") && !flag.equals("--all") && !flag.equals("--tiers")) {
        throw new IllegalArgumentException("Unknown argument '" + flag
            + "': expected --all, --tiers, --smoke, --out DIR");
      }
    }
    boolean smoke = flags.contains("--smoke");
    boolean all = flags.contains("--all");
    Path out = resultsDirectory(args, smoke);
    new Suite(smoke, all, all || flags.contains("--tiers")).run(out, "java -cp benchmarks/target/benchmarks.jar " + Suite.class.getName()
        + (args.length == 0 ? "" : " " + String.join(" ", args)));
  }

  /** {@code --out DIR} if given, else {@code benchmarks/results} (or {@code results} from inside benchmarks/). */
  static Path resultsDirectory(String[] args, boolean smoke) {
    Path base = null;
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--out")) {
        base = Paths.get(args[i + 1]);
      }
    }
    if (base == null) {
      base = Files.isDirectory(Paths.get("benchmarks", "src")) ? Paths.get("benchmarks", "results") : Paths.get("results");
    }
    return smoke ? base.resolve("smoke") : base;
  }

  private void run(Path out, String command) throws Exception {
    long started = System.nanoTime();
    String ops = all ? ALL_OPS : HEADLINE_OPS;
    String[] distributions = all ? new String[] {"zipf", "uniform"} : new String[] {"zipf"};
    if (all && smoke) {
      // Every operation and distribution once with one thread; the headline operations again with two.
      throughput(ops, distributions, 1);
      throughput(HEADLINE_OPS, new String[] {"zipf"}, 2);
    } else {
      for (int threads : new int[] {1, 2}) {
        throughput(ops, distributions, threads);
      }
    }

    ResultsReport report = new ResultsReport(results);
    String title = (smoke ? "SMOKE RUN (numbers meaningless) — " : "") + "Goldylox vs JCache providers"
        + (all ? " (all benchmarks)" : tiers ? " (headline and tiered)" : " (headline)");
    List<String> extra = new ArrayList<>();
    List<String> childArgs = smoke ? List.of("--smoke") : List.of();
    if (all) {
      extra.add(ChildJvm.runForMarkdown(ThreadCollapseBenchmark.class, out.resolve("collapse.md"), childArgs));
      extra.add(ChildJvm.runForMarkdown(LatencyBenchmark.class, out.resolve("latency.md"), childArgs));
      extra.add(ChildJvm.runForMarkdown(EvictionQuality.class, out.resolve("eviction.md"), childArgs));
    }
    if (tiers) {
      extra.add(ChildJvm.runForMarkdown(TieredBenchmark.class, out.resolve("tiered.md"), childArgs));
    }
    Files.createDirectories(out);
    report.writeJson(out.resolve("latest.json"));
    Files.writeString(out.resolve("latest.md"), report.markdown(title, command, extra));
    report.writeChart(out.resolve("latest.png"), smoke ? "SMOKE (meaningless)" : "JCache throughput");
    System.out.printf(Locale.ROOT, "%nWrote %s, %s, %s in %.0f s%n", out.resolve("latest.json"),
        out.resolve("latest.md"), out.resolve("latest.png"), (System.nanoTime() - started) / 1e9);
  }

  /**
   * By reference over every provider (with the chm ceiling), by value over the JCache providers and
   * {@code goldylox-java} (by reference it copies nothing, so it would only repeat {@code goldylox}). The 2-thread
   * headline leaves the RI out (time budget); {@code --all} keeps it.
   */
  private void throughput(String ops, String[] distributions, int threads) throws RunnerException {
    String include = ThroughputBenchmark.class.getSimpleName() + "\\.(" + ops + ")$";
    List<String> byReference = new ArrayList<>(Providers.ALL);
    List<String> byValue = new ArrayList<>(Providers.JCACHE);
    byValue.add(1, Providers.GOLDYLOX_JAVA);
    if (threads > 1 && !all) {
      byReference.remove("ri");
      byValue.remove("ri");
    }
    jmh(include, byReference, false, distributions, threads);
    jmh(include, byValue, true, distributions, threads);
  }

  private void jmh(String include, List<String> providers, boolean byValue, String[] distributions, int threads)
      throws RunnerException {
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(include)
        .param("provider", providers.toArray(String[]::new))
        .param("byValue", Boolean.toString(byValue))
        .param("distribution", distributions)
        .threads(threads)
        .forks(1)
        .shouldFailOnError(true);
    if (smoke) {
      options.warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(100));
    } else {
      options.warmupIterations(3).warmupTime(TimeValue.seconds(1))
          .measurementIterations(3).measurementTime(TimeValue.seconds(1));
    }
    if (all) {
      options.addProfiler(GCProfiler.class);
    }
    Collection<RunResult> run = new Runner(options.build()).run();
    results.addAll(run);
  }
}

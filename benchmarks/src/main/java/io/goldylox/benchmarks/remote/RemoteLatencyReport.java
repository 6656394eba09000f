package io.goldylox.benchmarks.remote;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The results of one {@link RemoteTierLatency} run: its rows (one per scenario and system, printed as they come)
 * and notes, and the markdown table, ratios against the goals, and machine facts made of them. Used by the
 * benchmark's one thread.
 */
final class RemoteLatencyReport {

  /** One line of the table. {@code opsPerSecond} is NaN where a rate means nothing. */
  record Row(String scenario, String system, Histogram histogram, double opsPerSecond, String note) {
    long p50() {
      return histogram.getValueAtPercentile(50);
    }

    /** The mean time of one operation in the loop, from the throughput (includes the timing itself). */
    double meanNanos() {
      return 1e9 / opsPerSecond;
    }
  }

  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  /** Keeps {@code row} and prints it. */
  void add(Row row) {
    rows.add(row);
    System.out.println(line(row));
  }

  /** A note under the ratios. */
  void note(String note) {
    notes.add(note);
  }

  /** Appends the table, the ratios and the notes to {@code md}. */
  void appendTableAndRatios(StringBuilder md) {
    md.append("| scenario | system | calls | p50 µs | p99 µs | p99.9 µs | max µs | ops/s | note |\n");
    md.append("|---|---|---|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      md.append(line(row)).append('\n');
    }
    md.append("\nops/s: calls divided by the time the measured loop ran (one thread; includes the two "
        + "`System.nanoTime()` calls and the histogram update of every call).\n");
    md.append("\n## Ratios\n\n");
    Row near = row("near hit", "goldylox");
    Row local = row("local only", "goldylox");
    Row remoteHit = row("remote hit", "goldylox");
    Row put = row("put", "goldylox");
    Row rawGet = row("raw Lettuce GET", "lettuce");
    Row rawSet = row("raw Lettuce SET", "lettuce");
    Row redissonGet = row("get (remote)", "redisson");
    Row redissonPut = row("put", "redisson");
    md.append(ratio("remote-hit get / raw Lettuce GET", remoteHit, rawGet, 1.2)).append('\n');
    md.append(ratio("put / raw Lettuce SET", put, rawSet, 1.2))
        .append(" (a plain put is one script; a conditional change or invoke is two: lock, then write-unlock-publish)\n");
    if (near != null && local != null) {
      md.append(String.format(Locale.ROOT, "- near hit / local only: p50 %.2fx (%s vs %s µs), p99 %.2fx, mean "
              + "time per op %.2fx (%+.1f%%; %,.0f vs %,.0f ops/s) — goal: within a few percent\n",
          near.p50() / (double) local.p50(), micros(near.p50()), micros(local.p50()),
          near.histogram.getValueAtPercentile(99) / (double) local.histogram.getValueAtPercentile(99),
          near.meanNanos() / local.meanNanos(), 100 * (near.meanNanos() / local.meanNanos() - 1),
          near.opsPerSecond, local.opsPerSecond));
    }
    md.append(ratio("remote-hit get / Redisson JCache get", remoteHit, redissonGet, 0)).append('\n');
    md.append(ratio("put / Redisson JCache put", put, redissonPut, 0)).append('\n');
    md.append(ratio("Redisson JCache get / raw Lettuce GET", redissonGet, rawGet, 0)).append('\n');
    md.append(ratio("Redisson JCache put / raw Lettuce SET", redissonPut, rawSet, 0)).append('\n');
    md.append(ratio("near hit / Redisson JCache get", near, redissonGet, 0)).append('\n');
    md.append("\nRatios below 1 mean the first is faster. Quote ratios from one run, not absolute figures across "
        + "runs: the machine is shared.\n");
    if (!notes.isEmpty()) {
      md.append('\n');
      notes.forEach(note -> md.append("- ").append(note).append('\n'));
    }
  }


  Row row(String scenario, String systemPrefix) {
    for (Row row : rows) {
      if (row.scenario.equals(scenario) && row.system.startsWith(systemPrefix)) {
        return row;
      }
    }
    return null;
  }

  static String line(Row row) {
    Histogram h = row.histogram;
    return String.format(Locale.ROOT, "| %s | %s | %,d | %s | %s | %s | %s | %s | %s |", row.scenario, row.system,
        h.getTotalCount(), micros(h.getValueAtPercentile(50)), micros(h.getValueAtPercentile(99)),
        micros(h.getValueAtPercentile(99.9)), micros(h.getMaxValue()),
        Double.isNaN(row.opsPerSecond) ? "—" : String.format(Locale.ROOT, "%,.0f", row.opsPerSecond), row.note);
  }

  static String micros(long nanos) {
    return nanos < 10_000 ? String.format(Locale.ROOT, "%.3f", nanos / 1000.0)
        : String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
  }

  /** "a / b" of p50s and of mean times (from throughput), with the verdict against {@code goal} if positive. */
  private static String ratio(String label, Row a, Row b, double goal) {
    if (a == null || b == null) {
      return "- " + label + ": not measured";
    }
    double p50 = a.p50() / (double) b.p50();
    double mean = a.meanNanos() / b.meanNanos();
    if (mean < 0.01) {
      return String.format(Locale.ROOT, "- %s: p50 1/%,.0f (%s vs %s µs), mean time per op 1/%,.0f (%,.0f vs %,.0f "
          + "ops/s)", label, 1 / p50, micros(a.p50()), micros(b.p50()), 1 / mean, a.opsPerSecond, b.opsPerSecond);
    }
    String verdict = goal <= 0 ? "" : mean <= goal && p50 <= goal
        ? String.format(Locale.ROOT, " — goal ≤ %.1fx: **met**", goal)
        : String.format(Locale.ROOT, " — goal ≤ %.1fx: **not met**", goal);
    return String.format(Locale.ROOT, "- %s: p50 %.2fx (%s vs %s µs), mean time per op %.2fx (%,.0f vs %,.0f ops/s)%s",
        label, p50, micros(a.p50()), micros(b.p50()), mean, a.opsPerSecond, b.opsPerSecond, verdict);
  }

  static String lettuceVersion() {
    return mavenVersion("io.lettuce", "lettuce-core");
  }

  /** The version in the jar's {@code META-INF/maven/GROUP/ARTIFACT/pom.properties} (the shaded jar keeps them). */
  static String mavenVersion(String group, String artifact) {
    String resource = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (java.io.InputStream in = RemoteLatencyReport.class.getResourceAsStream(resource)) {
      if (in != null) {
        java.util.Properties properties = new java.util.Properties();
        properties.load(in);
        return properties.getProperty("version", "(version unknown)");
      }
    } catch (IOException e) {
      // fall through
    }
    return "(version unknown)";
  }
}

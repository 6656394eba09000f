package io.goldylox.benchmarks.engines;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Prints the Markdown report: the measured table (best of the measured passes per phase), every pass's figures,
 * what each "bytes" figure means, and the baseline.md figures of engines not measured here, labelled as such.
 * Stateless.
 */
final class Report {

  /** From /work/shared/anchors/baseline.md (2026-11-24): engine, insert/s, get/s, update/s, notes. */
  private static final String[][] BASELINE = {
    {"Terracotta offheap-store 2.5.3", "839k", "1.61M", "1.04M", "pure Java, clock eviction"},
    {"RocksDB 11.8.1 (defaults)", "253k", "235k", "251k", "88 MB jar"},
    {"RocksDB, WriteBatch of 1000", "569k", "200k", "531k", ""},
    {"LMDB (lmdbjava 0.9.3), 1000 puts/txn", "286k", "725k", "190k", "needs 2 add-opens flags"},
  };
  /** The same file's rows for engines also measured here: they show how this run's machine compares. */
  private static final String[][] BASELINE_CALIBRATION = {
    {"ConcurrentHashMap", "2.52M", "4.73M", "1.73M", "on heap"},
    {"Chronicle Map 2026.1 in memory", "1.03M", "2.52M", "1.47M", ""},
    {"Chronicle Map persisted", "1.03M", "2.41M", "1.15M", ""},
  };

  private Report() {
  }

  static void print(PrintStream out, int n, int valueBytes, List<EngineResult> results, int passes, int warmups) {
    out.println("## Measured in this run");
    out.println();
    out.printf("%,d entries, Long keys inserted in a shuffled order, %d-byte random values, single thread; best of"
        + " %d measured passes per phase after %d warm-up pass(es); each pass on a fresh, empty engine.%n%n",
        n, valueBytes, passes, warmups);
    out.println("| engine | insert/s | get/s | update/s | bytes the engine reports (after insert / after update)"
        + " | heap after insert (approx.) | load avg at start |");
    out.println("|---|---|---|---|---|---|---|");
    for (EngineResult result : results) {
      if (result.status != EngineResult.Status.OK) {
        out.printf("| %s | %s | | | | | %s |%n", result.kind.label,
            "**" + result.status + "**: " + result.message.replace('|', '/'), result.loadAtStart);
        continue;
      }
      out.printf("| %s | %s | %s | %s | %s / %s | %s | %s |%n", result.kind.label, ops(result.best(0)),
          ops(result.best(1)), ops(result.best(2)), bytes(result.bytesAfterInsert, n),
          bytes(result.bytesAfterUpdate, n), bytes(result.heapDeltaAfterInsert, n),
          result.loadAtStart);
    }
    out.println();
    out.println("Every measured pass (ops/s; insert / get / update):");
    out.println();
    for (EngineResult result : results) {
      if (result.status != EngineResult.Status.OK) {
        continue;
      }
      StringBuilder line = new StringBuilder("- " + result.kind.label + ":");
      for (int p = 0; p < EngineResult.PHASES.length; p++) {
        line.append(p == 0 ? " " : "; ").append(EngineResult.PHASES[p]).append(' ');
        double[] values = result.opsPerSec[p];
        for (int i = 0; i < values.length; i++) {
          line.append(i == 0 ? "" : ", ").append(ops(values[i]));
        }
      }
      out.println(line);
    }
    out.println();
    out.println("What the columns mean:");
    out.println();
    for (EngineResult result : results) {
      out.println("- " + result.kind.label + ": bytes = " + result.kind.bytesMeaning + ".");
    }
    out.println("- heap after insert: heap in use after a full GC with the engine filled, minus before it was"
        + " created (keys are boxed beforehand and not counted; for ConcurrentHashMap the values are shared"
        + " arrays from a 1,024-entry pool, so it is the map's own structure only). Approximate.");
    out.println();
    out.println("## For context: from baseline.md, not measured in this run");
    out.println();
    out.println("Same workload shape (1M entries, Long key, 100-byte value, single thread, data in page cache),"
        + " measured on this kind of machine on 2026-11-24. Absolute figures drift between runs on shared machines;"
        + " only ratios inside one run are comparable.");
    out.println();
    out.println("| engine (baseline.md) | insert/s | get/s | update/s | notes |");
    out.println("|---|---|---|---|---|");
    for (String[] row : BASELINE) {
      out.printf("| %s | %s | %s | %s | %s |%n", (Object[]) row);
    }
    out.println();
    out.println("The same file's figures for engines that were also measured above, to compare this run's machine"
        + " with that one's:");
    out.println();
    out.println("| engine (baseline.md) | insert/s | get/s | update/s | notes |");
    out.println("|---|---|---|---|---|");
    for (String[] row : BASELINE_CALIBRATION) {
      out.printf("| %s | %s | %s | %s | %s |%n", (Object[]) row);
    }
  }

  static String ops(double perSecond) {
    if (Double.isNaN(perSecond)) {
      return "n/a";
    }
    if (perSecond >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", perSecond / 1e6);
    }
    if (perSecond >= 1e3) {
      return String.format(Locale.ROOT, "%.0fk", perSecond / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", perSecond);
  }

  static String bytes(long bytes, int entries) {
    if (bytes < 0) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.1f MiB (%.0f B/entry)", bytes / (1024.0 * 1024.0),
        (double) bytes / entries);
  }
}

package io.goldylox.benchmarks.engines;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one engine's run produced: whether it ran, ops/s per phase per measured pass, the bytes the engine reported
 * after the insert and the update phase, and the heap the engine's structures took after the insert (measured
 * after a full GC; approximate). Travels from a child JVM to the harness as one tab-separated line. Plain data,
 * one thread at a time.
 */
final class EngineResult {

  static final String LINE_PREFIX = "@@engine-result\t";
  static final String[] PHASES = {"insert", "get", "update"};

  enum Status { OK, SKIPPED, FAILED }

  final EngineKind kind;
  Status status = Status.OK;
  String message = "";
  String loadAtStart = "";
  /** [phase][measured pass] in operations per second. */
  double[][] opsPerSec = new double[PHASES.length][0];
  long bytesAfterInsert = -1;
  long bytesAfterUpdate = -1;
  long heapDeltaAfterInsert = -1;

  EngineResult(EngineKind kind) {
    this.kind = kind;
  }

  double best(int phase) {
    return Arrays.stream(opsPerSec[phase]).max().orElse(Double.NaN);
  }

  void add(int phase, double value) {
    double[] old = opsPerSec[phase];
    double[] grown = Arrays.copyOf(old, old.length + 1);
    grown[old.length] = value;
    opsPerSec[phase] = grown;
  }

  String toLine() {
    List<String> fields = new ArrayList<>();
    fields.add(kind.id);
    fields.add(status.name());
    fields.add(clean(message));
    fields.add(clean(loadAtStart));
    for (double[] phase : opsPerSec) {
      StringBuilder joined = new StringBuilder();
      for (double value : phase) {
        joined.append(joined.length() == 0 ? "" : ",").append(value);
      }
      fields.add(joined.toString());
    }
    fields.add(Long.toString(bytesAfterInsert));
    fields.add(Long.toString(bytesAfterUpdate));
    fields.add(Long.toString(heapDeltaAfterInsert));
    return LINE_PREFIX + String.join("\t", fields);
  }

  static EngineResult parse(String line) {
    String[] fields = line.substring(LINE_PREFIX.length()).split("\t", -1);
    if (fields.length != 4 + PHASES.length + 3) {
      throw new IllegalArgumentException("Malformed engine result line: " + line);
    }
    EngineResult result = new EngineResult(EngineKind.byId(fields[0]));
    result.status = Status.valueOf(fields[1]);
    result.message = fields[2];
    result.loadAtStart = fields[3];
    for (int p = 0; p < PHASES.length; p++) {
      String joined = fields[4 + p];
      result.opsPerSec[p] = joined.isEmpty() ? new double[0]
          : Arrays.stream(joined.split(",")).mapToDouble(Double::parseDouble).toArray();
    }
    int at = 4 + PHASES.length;
    result.bytesAfterInsert = Long.parseLong(fields[at]);
    result.bytesAfterUpdate = Long.parseLong(fields[at + 1]);
    result.heapDeltaAfterInsert = Long.parseLong(fields[at + 2]);
    return result;
  }

  private static String clean(String text) {
    return text == null ? "" : text.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }
}

package io.goldylox.benchmarks.remote;

import io.goldylox.benchmarks.remote.RemoteLatencyReport.Row;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * The interleaved measurement of a group of {@link RemoteTierLatency} scenarios: the group's contenders take turns
 * in slices over one stream of key indexes, so that the drift of a shared machine falls on all of them alike and
 * the ratios between them stay fair. Owns only the timing loop; the scenarios say what a contender runs and how
 * its row reads. Used by the benchmark's one thread.
 */
final class SlicedMeasurement {

  /** The key indexes drawn for every call; its length is a power of two. */
  private final int[] stream;
  private final int mask;
  private final long warmupNanos;
  private final long measureNanos;
  /** The turn of each contender. */
  private final long sliceNanos;
  /** Where the rows go, one per contender. */
  private final Consumer<Row> rows;

  SlicedMeasurement(int[] stream, long warmupNanos, long measureNanos, long sliceNanos, Consumer<Row> rows) {
    this.stream = stream;
    this.mask = stream.length - 1;
    this.warmupNanos = warmupNanos;
    this.measureNanos = measureNanos;
    this.sliceNanos = sliceNanos;
    this.rows = rows;
  }

  /**
   * One contender of an interleaved group: what it runs per key index, a counter read around the measurement
   * (may be null), and how its row is made from the measurement.
   */
  record Contender(IntConsumer op, LongSupplier counter, Function<Measured, Row> row) {}

  /** A measured loop: its histogram, how long it ran, and a counter's growth over it. */
  record Measured(Histogram histogram, long nanos, long counted) {
    double rate() {
      return histogram.getTotalCount() / (nanos / 1e9);
    }
  }

  /**
   * Runs the contenders in turns of one slice each on uniform keys: first for the warm-up time each (not
   * recorded), then for the measurement time each, timing every call; hands on a row per contender, in order.
   */
  void run(List<Contender> contenders) {
    if (contenders.isEmpty()) {
      return;
    }
    int n = contenders.size();
    long slice = sliceNanos;
    int position = 0;
    for (long spent = 0; spent < warmupNanos; spent += slice) {
      for (Contender contender : contenders) {
        long end = System.nanoTime() + slice;
        while (System.nanoTime() < end) {
          contender.op.accept(stream[position++ & mask]);
        }
      }
    }
    Histogram[] histograms = new Histogram[n];
    long[] nanos = new long[n];
    long[] before = new long[n];
    for (int i = 0; i < n; i++) {
      histograms[i] = new Histogram(3);
      before[i] = contenders.get(i).counter == null ? 0 : contenders.get(i).counter.getAsLong();
    }
    for (long spent = 0; spent < measureNanos; spent += slice) {
      for (int i = 0; i < n; i++) {
        IntConsumer op = contenders.get(i).op;
        Histogram histogram = histograms[i];
        long started = System.nanoTime();
        long end = started + slice;
        long now;
        do {
          int index = stream[position++ & mask];
          long start = System.nanoTime();
          op.accept(index);
          now = System.nanoTime();
          histogram.recordValue(now - start);
        } while (now < end);
        nanos[i] += now - started;
      }
    }
    for (int i = 0; i < n; i++) {
      Contender contender = contenders.get(i);
      long counted = contender.counter == null ? 0 : contender.counter.getAsLong() - before[i];
      rows.accept(contender.row.apply(new Measured(histograms[i], nanos[i], counted)));
    }
  }
}

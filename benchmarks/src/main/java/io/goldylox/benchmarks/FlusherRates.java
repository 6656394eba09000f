package io.goldylox.benchmarks;

/**
 * One write-behind scenario's figures, from its raw totals: the flusher's entries per second of its own busy time
 * against the floor's, and the shares of that busy time spent in the writer and on a core. The shadow floor's
 * calls (see {@link RecordingWriter}) run inside the flusher's writer calls, so their wall time comes off the
 * busy and writer times and their CPU time off the flusher thread's CPU time.
 *
 * @param busyNanos the flusher's busy time (wall time less parking) without the shadow's calls
 * @param flusherRate writer entries per second of {@code busyNanos}
 * @param floorRate writer entries per second of the back-to-back floor
 * @param pacedRate writer entries per second inside the paced floor's calls, NaN when there was none
 * @param writerShare the part of {@code busyNanos} inside the writer
 * @param cpuShare the part of {@code busyNanos} the flusher thread was on a core
 */
record FlusherRates(long busyNanos, double flusherRate, double floorRate, double pacedRate, double writerShare,
    double cpuShare) {

  /**
   * @param pacedFloorNanos the paced floor's time inside its calls, or a negative number when it did not run
   * @throws IllegalArgumentException when nothing was delivered or a time is not positive: a row of NaN and
   *     infinity would look like a measurement
   */
  static FlusherRates of(long entries, long flusherBusyNanos, long writerNanos, long flusherCpuNanos,
      long shadowNanos, long shadowCpuNanos, long floorNanos, long pacedFloorNanos) {
    long busy = flusherBusyNanos - shadowNanos;
    if (entries <= 0 || busy <= 0 || floorNanos <= 0 || pacedFloorNanos == 0) {
      throw new IllegalArgumentException("nothing to compare: " + entries + " entries, flusher busy " + busy
          + " ns, floor " + floorNanos + " ns, paced floor " + pacedFloorNanos + " ns");
    }
    return new FlusherRates(busy, entries * 1e9 / busy, entries * 1e9 / floorNanos,
        pacedFloorNanos < 0 ? Double.NaN : entries * 1e9 / pacedFloorNanos,
        (double) (writerNanos - shadowNanos) / busy, (double) (flusherCpuNanos - shadowCpuNanos) / busy);
  }

  /** The flusher's rate over the back-to-back floor's. */
  double ratio() {
    return flusherRate / floorRate;
  }

  /** The flusher's rate over the paced floor's (NaN without one). */
  double pacedRatio() {
    return flusherRate / pacedRate;
  }
}

package io.goldylox.writebehind;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one write-behind journal, for the {@code jmx} module to publish.
 *
 * <p>Callers' threads add to {@code appended} (a striped {@link LongAdder}); the writer threads (one per
 * {@code concurrency}) update the batch and writer counters, the flusher thread all the rest. Every getter is a lock-free read; a reading taken
 * while they work may be a batch or two behind, never torn inside one counter.
 */
public final class WriteBehindMetrics {

  final LongAdder appended = new LongAdder();
  /** Operations resolved: delivered, replaced by a later one of the same key, or dead-lettered. */
  final LongAdder resolved = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder batches = new LongAdder();
  final LongAdder batchedOperations = new LongAdder();
  final LongAdder writerCalls = new LongAdder();
  final LongAdder writerNanos = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder failures = new LongAdder();
  final LongAdder deadLetters = new LongAdder();
  /** Operations found unacknowledged in the journal when it was opened. */
  final AtomicLong replayed = new AtomicLong();
  /** Creation time (epoch ms) of the oldest operation the flusher holds unacknowledged; MAX_VALUE: none. */
  final AtomicLong oldestMillis = new AtomicLong(Long.MAX_VALUE);
  /** Entries of the latest batch handed to the writer (with several writer threads, of any of them). */
  final AtomicLong lastBatchSize = new AtomicLong();
  /** Entries handed to writeAll/deleteAll (with coalescing, fewer than the operations they stand for). */
  final LongAdder writerEntries = new LongAdder();
  /** Operations replaced by a later one of their key before they reached the writer. */
  final LongAdder coalesced = new LongAdder();
  /**
   * Time the writer took for the latest batch (its writeAll and deleteAll together; with several writer threads, the
   * batch of any of them that finished last).
   */
  final AtomicLong lastBatchWriterNanos = new AtomicLong();
  /**
   * The flusher thread's idle parking (nothing with the writer, and nothing to deliver or waiting for a batch to
   * fill; a park while the writer lane has a batch is busy time): the nanoseconds of its finished idle parks and
   * when the current one began (0: it is not parked idle). One immutable snapshot, replaced by the flusher at each
   * such park and wake-up, so a reader never sees half of a transition, and an idle flusher does not count as busy
   * while its park lasts.
   */
  record Parking(long finishedNanos, long sinceNanos) {}

  volatile Parking parking = new Parking(0L, 0L);
  /** When the flusher thread started and stopped (0: not yet): the span of {@link #flusherBusyNanos()}. */
  final AtomicLong flusherStartNanos = new AtomicLong();
  final AtomicLong flusherStopNanos = new AtomicLong();
  /** Operations the last close() left in the journal (0 when it delivered everything). */
  final AtomicLong leftAtClose = new AtomicLong();
  /** Puts refused because the lag had reached max-lag with on-max-lag = reject. */
  final LongAdder rejected = new LongAdder();
  /** Times the lag reached max-lag (an episode ends when the flusher brings it back under). */
  final LongAdder lagEpisodes = new LongAdder();
  /** Whether the lag is at or past max-lag (an episode is on): set by a caller, cleared by the flusher. */
  final AtomicBoolean overMaxLag = new AtomicBoolean();

  /** Delivered count at a point in time: the base of {@link #deliveryRate()}. */
  private record Mark(long nanos, long delivered) {}

  /** Written by the flusher about once a second; read by any thread. */
  private final AtomicReference<Mark> previousMark = new AtomicReference<>(new Mark(System.nanoTime(), 0));
  private final AtomicReference<Mark> lastMark = new AtomicReference<>(previousMark.get());
  private static final long MARK_NANOS = TimeUnit.SECONDS.toNanos(1);

  WriteBehindMetrics() {}

  /** Flusher thread, after each batch: moves the rate window on about once a second. */
  void noteDelivery(long nowNanos) {
    Mark last = lastMark.get();
    if (nowNanos - last.nanos >= MARK_NANOS) {
      previousMark.set(last);
      lastMark.set(new Mark(nowNanos, delivered.sum()));
    }
  }

  /**
   * Flusher thread: ends a max-lag episode once the lag is back under {@code maxLag}, with an INFO line. The
   * caller that starts an episode logs its WARN ({@link WriteBehindJournal}).
   */
  void endLagEpisodeIfBelow(long maxLag, System.Logger log, String cacheName, Object journal) {
    if (overMaxLag.get() && journalLag() < maxLag && overMaxLag.compareAndSet(true, false)) {
      log.log(System.Logger.Level.INFO, "Write-behind of cache '" + cacheName + "': the lag is back under max-lag "
          + maxLag + " in " + journal);
    }
  }

  /**
   * Operations appended to the journal and not yet acknowledged by the writer (nor dead-lettered). An operation
   * coalesced into a later one of its key counts until that later one is delivered.
   */
  public long journalLag() {
    // resolved is read first: an operation resolved between the two reads was appended before, so the
    // difference can only be overstated by operations racing in, never negative.
    long done = resolved.sum();
    return Math.max(0L, replayed.get() + appended.sum() - done);
  }

  /**
   * Age in milliseconds of the oldest unacknowledged operation the flusher has read; 0 when the lag is 0.
   * Operations appended but not yet read by the flusher are younger than the ones it holds.
   */
  public long oldestUnacknowledgedAgeMillis() {
    long oldest = oldestMillis.get();
    if (oldest == Long.MAX_VALUE || journalLag() == 0) {
      return 0L;
    }
    return Math.max(0L, System.currentTimeMillis() - oldest);
  }

  /** Operations appended by callers since the journal was opened. */
  public long appended() {
    return appended.sum();
  }

  /** Operations found unacknowledged in the journal at open (replayed). */
  public long replayed() {
    return replayed.get();
  }

  /** Operations the writer acknowledged, coalesced ones included. */
  public long delivered() {
    return delivered.sum();
  }

  /**
   * Batches handed to the writer (one with nothing left to write, its values undecodable or its keys left out
   * for newer operations, is not counted).
   */
  public long batches() {
    return batches.sum();
  }

  /** Operations in all batches (before coalescing); with {@link #batches()}, the mean batch size. */
  public long batchedOperations() {
    return batchedOperations.sum();
  }

  /** Operations in the latest batch. */
  public long lastBatchSize() {
    return lastBatchSize.get();
  }

  /** Calls of {@code writeAll}/{@code deleteAll}. */
  public long writerCalls() {
    return writerCalls.sum();
  }

  /** Total nanoseconds spent inside the writer. */
  public long writerNanosTotal() {
    return writerNanos.sum();
  }

  /**
   * Operations the writer acknowledged per second, over the last one to two seconds of delivery (lower, and
   * falling towards 0, while the flusher delivers nothing).
   */
  public double deliveryRate() {
    Mark base = previousMark.get();
    long nanos = System.nanoTime() - base.nanos;
    return nanos <= 0 ? 0 : (delivered.sum() - base.delivered) * 1e9 / nanos;
  }

  /** Entries handed to the writer's writeAll/deleteAll; with coalescing fewer than {@link #delivered()}. */
  public long writerEntries() {
    return writerEntries.sum();
  }

  /** Operations replaced by a later operation of their key before reaching the writer. */
  public long coalesced() {
    return coalesced.sum();
  }

  /** Nanoseconds the writer took for the latest batch. */
  public long lastBatchWriterNanos() {
    return lastBatchWriterNanos.get();
  }

  /** Mean nanoseconds the writer took per batch. */
  public double meanBatchWriterNanos() {
    long batches = batches();
    return batches == 0 ? 0 : (double) writerNanosTotal() / batches;
  }

  /**
   * Time delivery had work in hand since the journal opened: the flusher's wall time less the time it was parked
   * with nothing in the writer lane (so the time a batch was with the writer counts, and the flusher's own work
   * beside it counts once). With {@link #writerNanosTotal()}, what delivery adds to the writer's own time; a busy
   * time close to the wall time means the writer is the bottleneck.
   */
  public long flusherBusyNanos() {
    long start = flusherStartNanos.get();
    if (start == 0) {
      return 0L;
    }
    Parking parked = parking; // read before the clock: a park it shows began before now
    long stop = flusherStopNanos.get();
    long end = stop != 0 ? stop : System.nanoTime();
    long current = parked.sinceNanos() == 0 ? 0L : Math.max(0L, end - parked.sinceNanos());
    return Math.max(0L, end - start - parked.finishedNanos() - current);
  }

  /** Called by the flusher thread as it parks. */
  void parkStarted(long nowNanos) {
    parking = new Parking(parking.finishedNanos(), nowNanos);
  }

  /** Called by the flusher thread when its park returns. */
  void parkEnded(long nowNanos) {
    Parking current = parking;
    parking = new Parking(current.finishedNanos() + (nowNanos - current.sinceNanos()), 0L);
  }

  /** Operations the last {@code close()} left in the journal for the next start (0: it delivered all). */
  public long leftAtClose() {
    return leftAtClose.get();
  }

  /** Puts and removes refused by {@code on-max-lag = reject}. */
  public long rejected() {
    return rejected.sum();
  }

  /** Times the lag reached {@code max-lag}. */
  public long lagEpisodes() {
    return lagEpisodes.sum();
  }

  /** Whether the lag is at or past {@code max-lag} now. */
  public boolean overMaxLag() {
    return overMaxLag.get();
  }

  /**
   * Attempts after a failed one (an operation whose retry was due; one that a later operation of its key replaced
   * before that is not retried).
   */
  public long retries() {
    return retries.sum();
  }

  /** Failed attempts (an operation left in the writer's collection, or a whole call that threw). */
  public long failures() {
    return failures.sum();
  }

  /** Operations moved to the dead-letter journal after their last attempt. */
  public long deadLetters() {
    return deadLetters.sum();
  }

  @Override
  public String toString() {
    return "WriteBehindMetrics[lag=" + journalLag() + ", oldestAgeMs=" + oldestUnacknowledgedAgeMillis()
        + ", delivered=" + delivered() + ", writerEntries=" + writerEntries() + ", batches=" + batches()
        + ", writerCalls=" + writerCalls()
        + ", retries=" + retries() + ", failures=" + failures() + ", deadLetters=" + deadLetters() + "]";
  }
}

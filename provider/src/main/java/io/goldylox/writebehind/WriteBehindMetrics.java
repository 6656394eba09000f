package io.goldylox.writebehind;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one write-behind journal, for the {@code jmx} module to publish.
 *
 * <p>Callers' threads add to {@code appended} (a striped {@link LongAdder}); the flusher thread updates all the
 * rest. Every getter is a lock-free read; a reading taken while the flusher works may be one batch behind,
 * never torn inside one counter.
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
  final AtomicLong lastBatchSize = new AtomicLong();

  WriteBehindMetrics() {}

  /** Operations appended to the journal and not yet acknowledged by the writer (nor dead-lettered). */
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

  /** Operations the writer acknowledged. */
  public long delivered() {
    return delivered.sum();
  }

  /** Batches the flusher delivered. */
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

  /** Retries scheduled after a failed attempt. */
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
        + ", delivered=" + delivered() + ", batches=" + batches() + ", writerCalls=" + writerCalls()
        + ", retries=" + retries() + ", failures=" + failures() + ", deadLetters=" + deadLetters() + "]";
  }
}

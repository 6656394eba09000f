package io.goldylox.writebehind;

import io.goldylox.config.WriteBehindConfig;

/**
 * The writer lanes' hold-off during a writer outage: per lane, the batches in a row the writer failed whole with an
 * operation in its first attempt among them, and until when (epoch ms) the lane gets no new batch because of them.
 * During an outage a lane so calls the writer once per retry backoff (initial-delay doubling up to max-delay), not
 * once per new operation of a hot key (operator trial: 383,590 failed attempts in a 7-second database outage).
 *
 * <p>It tells the writer being down from a poisoned record: a batch of retries only (a poison key retried alone)
 * holds nothing, nor does one new operation failing alone; the lane is held from the second such batch in a row,
 * or at once when several operations failed together (a review); "in a row" means without a success of the lane in
 * between. A held lane stays in its outage after its hold ended until one of its batches succeeds, and has one batch
 * at a time with the writer meanwhile. {@link FailedOperations} is told when an outage of the writer begins and when
 * a batch succeeds (which ends it). The flusher ignores the hold during close: every operation gets its last
 * attempt.
 *
 * <p>Threads: the flusher thread only.
 */
final class WriterHoldOff {

  private final WriteBehindConfig.Retry retry;
  private final int[] failedInRow;
  /** 0: not held; else until when the lane is held (in the past once the hold ended, until a success). */
  private final long[] heldUntilMillis;

  WriterHoldOff(int lanes, WriteBehindConfig.Retry retry) {
    this.retry = retry;
    this.failedInRow = new int[lanes];
    this.heldUntilMillis = new long[lanes];
  }

  /** Until when (epoch ms) {@code lane} gets no new batch; 0 or a past time when it may have one. */
  long heldUntilMillis(int lane) {
    return heldUntilMillis[lane];
  }

  /**
   * Whether {@code lane} is in a writer outage (held, or its hold ended without a success since): it then has one
   * batch at a time with the writer, so a writer that is down is called once per backoff, not twice (a review).
   */
  boolean inOutage(int lane) {
    return heldUntilMillis[lane] != 0;
  }

  /**
   * After the writer returned {@code batch} (before its failures are handled, which count their attempts): holds
   * its lane, or ends the lane's outage, telling {@code failures} where an outage of the writer begins or ends.
   */
  void settled(WriterLane.Batch<?, ?> batch, FailedOperations<?, ?> failures) {
    int lane = batch.lane;
    if (failedWhole(batch)) {
      int failed = ++failedInRow[lane];
      if (failed >= 2 || batch.outcome.failed.size() >= 2) {
        failures.writerDown();
        heldUntilMillis[lane] = System.currentTimeMillis() + retry.backoffMillis(failed);
      }
    } else if (batch.outcome != null && !batch.outcome.succeeded.isEmpty()) {
      failedInRow[lane] = 0;
      heldUntilMillis[lane] = 0;
      failures.writerSucceeded(); // ends the writer's outage, if one began: on any lane (another may have no keys)
    }
  }

  /**
   * Whether the writer failed every operation of {@code batch}, one of them in its first attempt (read before the
   * failures are handled).
   */
  static boolean failedWhole(WriterLane.Batch<?, ?> batch) {
    BatchWriter.Outcome<?, ?> outcome = batch.outcome;
    if (outcome == null || !outcome.succeeded.isEmpty() || outcome.failed.isEmpty()) {
      return false;
    }
    for (Backlog.Slot<?, ?> slot : outcome.failed.keySet()) {
      if (slot.attempts == 0) {
        return true;
      }
    }
    return false;
  }

}

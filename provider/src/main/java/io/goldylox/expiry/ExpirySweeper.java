package io.goldylox.expiry;

import io.goldylox.tier.StoredEntry;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;

/**
 * Reclaims one cache's expired entries in the background, so memory is freed without anybody reading them.
 *
 * <p>Reads never depend on it: every read checks the entry's own deadline. Writers report each finite deadline
 * with {@link #deadlineSet}; when one is earlier than the next planned sweep, a sweep is scheduled for it on the
 * manager's timer (which parks until then). A sweep scans the cache once, removes what has expired (firing
 * EXPIRED events) and plans the next sweep for the earliest remaining deadline. To bound the background cost of
 * a full scan, two sweeps are at least {@link #MIN_INTERVAL_MILLIS} apart, and at least ten times the last
 * sweep's duration, so sweeping takes at most about a tenth of one core.
 *
 * <p>{@link #deadlineSet} is called by callers' threads and does at most one CAS and, rarely, one schedule;
 * sweeps run on the manager's timer thread.
 */
public final class ExpirySweeper {

  static final long MIN_INTERVAL_MILLIS = 50;

  private final ScheduledExecutorService timer;
  private final LongUnaryOperator sweep;
  private final AtomicLong plannedAt = new AtomicLong(StoredEntry.ETERNAL);
  private volatile long lastSweepCostMillis;
  private volatile long lastSweepEndMillis;
  private volatile ScheduledFuture<?> planned;
  private volatile boolean closed;
  /** Written by the timer thread only; read by monitoring. */
  private volatile long sweeps;

  /**
   * @param timer where sweeps run
   * @param sweep removes what expired at the given time and returns the earliest remaining deadline
   */
  public ExpirySweeper(ScheduledExecutorService timer, LongUnaryOperator sweep) {
    this.timer = timer;
    this.sweep = sweep;
  }

  /** Reports that some entry now expires at {@code deadline}. */
  public void deadlineSet(long deadline) {
    if (deadline == StoredEntry.ETERNAL || closed) {
      return;
    }
    long at = Math.max(deadline, lastSweepEndMillis + Math.max(MIN_INTERVAL_MILLIS, 10 * lastSweepCostMillis));
    for (;;) {
      long current = plannedAt.get();
      if (at >= current) {
        return;
      }
      if (plannedAt.compareAndSet(current, at)) {
        break;
      }
    }
    long delay = Math.max(0, at - System.currentTimeMillis());
    try {
      planned = timer.schedule(this::run, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // The manager is closing; there is nothing left to reclaim for.
    }
  }

  private void run() {
    if (closed) {
      return;
    }
    plannedAt.set(StoredEntry.ETERNAL);
    long start = System.currentTimeMillis();
    long next = sweep.applyAsLong(start);
    long end = System.currentTimeMillis();
    lastSweepCostMillis = end - start;
    lastSweepEndMillis = end;
    sweeps++; // single writer: the timer thread
    deadlineSet(next);
  }

  /** Sweeps done so far. */
  public long sweeps() {
    return sweeps;
  }

  /** How long the last sweep took, in milliseconds. */
  public long lastSweepMillis() {
    return lastSweepCostMillis;
  }

  /** The wall-clock millisecond of the next planned sweep, or {@link StoredEntry#ETERNAL} if none is planned. */
  public long plannedAtMillis() {
    return plannedAt.get();
  }

  /** Stops planning sweeps and cancels the planned one. */
  public void close() {
    closed = true;
    ScheduledFuture<?> future = planned;
    if (future != null) {
      future.cancel(false);
    }
  }
}

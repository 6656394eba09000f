package io.goldylox.writebehind;

import io.goldylox.config.WriteBehindConfig;

/**
 * What the flusher does with an operation the writer failed on: it is carried on by a later operation of its key,
 * retried after a backoff, left in the journal (during close), or, after {@code max-attempts}, moved to the
 * dead-letter journal with a WARN; and with a record whose key cannot be read back (straight to the dead letters).
 * A dead letter that cannot be written keeps its operation pending. At most {@link #LOGGED_PER_MINUTE} dead
 * letters a minute get a WARN of their own (naming the key); the others are counted in one summary line a minute
 * at most ({@link #reportIfDue}: the flusher wakes for it when the minute ends) and one at close (also when close
 * gives up on the flusher, {@link #reportUnlogged}), so a failing writer or a refused class over a large backlog
 * cannot flood the log (the {@code deadLetters} metric counts all of them).
 *
 * <p>Threads: the flusher thread only, under the flusher's state lock (it touches the backlog and Chronicle).
 */
final class FailedOperations<K, V> {

  private static final System.Logger LOG = System.getLogger(Flusher.class.getName());

  private final String cacheName;
  private final WriteBehindConfig.Retry retry;
  private final Backlog<K, V> backlog;
  private final DeadLetterJournal deadLetters;
  private final WriteBehindMetrics metrics;
  static final int LOGGED_PER_MINUTE = 10;
  private long windowStartNanos = System.nanoTime() - WINDOW_NANOS;
  private static final long WINDOW_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
  private int loggedInWindow;
  private long unlogged;
  /** Failed attempts (retried or replaced): a WARN at the first, then at most one a minute, with the count. */
  private long retryLineNanos = System.nanoTime() - WINDOW_NANOS;
  private long retriesSinceLine;
  /** Failed attempts since the writer's outage began ({@link #writerDown}), and when it began. */
  private long failedInOutage;
  private long outageStartNanos;
  /** Whether a WARN reported this outage: only then does its end get a line (so at most one a minute too). */
  private boolean outageReported;
  /** Between {@link #writerDown} and the next {@link #writerSucceeded}. */
  private boolean writerOutage;
  /** How long an operation is retried before it becomes a dead letter, for the retry line (ms). */
  private final long retryBudgetMillis;

  FailedOperations(String cacheName, WriteBehindConfig.Retry retry, Backlog<K, V> backlog,
      DeadLetterJournal deadLetters, WriteBehindMetrics metrics) {
    this.cacheName = cacheName;
    this.retry = retry;
    this.backlog = backlog;
    this.deadLetters = deadLetters;
    this.metrics = metrics;
    this.retryBudgetMillis = retry.budgetMillis();
  }

  /**
   * After a failed attempt: replaced by a later operation, or retried later, or left ({@code closing}), or dead.
   */
  void handle(Backlog.Slot<K, V> slot, Throwable error, boolean closing) {
    metrics.failures.increment();
    failedInOutage++;
    int attempts = slot.attempts + 1;
    if (backlog.hasLater(slot)) {
      // Its key's next operation carries the key on: these operations count as delivered with it, as coalesced
      // ones do, so that at lag 0 appended = delivered + dead letters. In coalesced: this one here, those it had
      // replaced when the backlog folds them (resolve).
      long replaced = backlog.resolve(slot);
      metrics.resolved.add(replaced);
      metrics.delivered.add(replaced);
      metrics.coalesced.increment();
      reportRetry(slot, attempts, error);
      return;
    }
    if (attempts >= retry.maxAttempts()) {
      deadLetter(slot, attempts, error, closing);
      return;
    }
    slot.attempts = attempts;
    if (closing) {
      backlog.leave(slot);
      return;
    }
    backlog.retryAt(slot, System.currentTimeMillis() + retry.backoffMillis(attempts));
    reportRetry(slot, attempts, error);
  }

  /**
   * A writer lane is held: the writer failed whole batches with first attempts in them (it is down, not one record).
   * Begins an outage unless one is under way.
   */
  void writerDown() {
    if (!writerOutage) {
      writerOutage = true;
      failedInOutage = 0;
      outageStartNanos = System.nanoTime();
    }
  }

  /**
   * The writer succeeds again after an outage ({@link #writerDown}): if a WARN reported failures meanwhile, one INFO
   * says so, with how many attempts failed and over how long (the WARNs say only when it started failing).
   */
  void writerSucceeded() {
    if (!writerOutage) {
      return;
    }
    writerOutage = false;
    if (!outageReported) {
      return;
    }
    LOG.log(System.Logger.Level.INFO, "Write-behind of cache '" + cacheName + "': the writer succeeds again after "
        + failedInOutage + " failed attempt" + (failedInOutage == 1 ? "" : "s") + " over " + io.goldylox.internal
        .Durations.describe(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStartNanos)));
    failedInOutage = 0;
    outageReported = false;
  }

  /**
   * A failed attempt that will be retried: a WARN at once for the first (a writer that keeps failing one record
   * otherwise stays silent for the whole retry budget), then at most one line a minute, with the count.
   */
  private void reportRetry(Backlog.Slot<K, V> slot, int attempt, Throwable error) {
    retriesSinceLine++;
    long now = System.nanoTime();
    if (now - retryLineNanos < WINDOW_NANOS) {
      return;
    }
    LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "': the writer failed "
        + retriesSinceLine + " attempt" + (retriesSinceLine == 1 ? "" : "s") + " since the last such line (the last: "
        + "the " + (slot.record.isDelete() ? "delete" : "put") + " of key " + abbreviate(String.valueOf(slot.key))
        + ", attempt " + attempt + ": " + error + "); each is retried with backoff for up to max-attempts = "
        + retry.maxAttempts() + " (about " + io.goldylox.internal.Durations.describe(retryBudgetMillis)
        + ") before it goes to the dead-letter journal, unless a later operation of its key replaces it (at most"
        + " one such line a minute)");
    retryLineNanos = now;
    retriesSinceLine = 0;
    outageReported = true;
  }

  /** Moves the slot's operation to the dead letters after {@code attempts}; if that fails, it stays pending. */
  void deadLetter(Backlog.Slot<K, V> slot, int attempts, Throwable error, boolean closing) {
    JournalRecord record = slot.record;
    try {
      deadLetters.append(record, attempts, error);
    } catch (RuntimeException | InternalError e) {
      LOG.log(System.Logger.Level.ERROR, "Write-behind of cache '" + cacheName + "': cannot write the dead-letter"
          + " journal " + deadLetters.directory() + " (" + e + "); the operation stays pending", e);
      slot.attempts = attempts - 1;
      if (closing) {
        backlog.leave(slot);
      } else {
        backlog.retryAt(slot, System.currentTimeMillis() + retry.maxDelay().toMillis());
      }
      return;
    }
    if (mayLog()) {
      LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "' gave up on the "
          + (record.isDelete() ? "delete" : "put") + " of key " + abbreviate(String.valueOf(slot.key)) + " after "
          + attempts + " attempts and moved it to the dead-letter journal " + deadLetters.directory() + ": "
          + error);
    }
    // Counted as the operations the letter stands for (with coalescing, those of its key it replaced too), so that
    // at lag 0 appended + replayed = delivered + dead letters.
    long operations = backlog.resolve(slot);
    metrics.resolved.add(operations);
    metrics.deadLetters.add(operations);
  }

  /** A record whose key cannot be decoded cannot be coalesced or retried: straight to the dead letters. */
  void deadLetterUnreadable(JournalRecord record) {
    IllegalStateException error = new IllegalStateException("the key of journal record "
        + Long.toHexString(record.index) + " cannot be deserialized");
    deadLetters.append(record, record.attempts + 1, error); // a failure stops the flusher: nothing is lost
    metrics.deadLetters.increment();
    metrics.resolved.increment();
    if (mayLog()) {
      LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "' moved an operation whose"
          + " key cannot be read back to the dead-letter journal " + deadLetters.directory());
    }
  }

  /** Whether this dead letter gets a line of its own; opens a new minute, reporting the last one's unlogged. */
  private boolean mayLog() {
    long now = System.nanoTime();
    if (now - windowStartNanos >= WINDOW_NANOS) {
      reportUnlogged();
      windowStartNanos = now;
      loggedInWindow = 0;
    }
    if (loggedInWindow < LOGGED_PER_MINUTE) {
      loggedInWindow++;
      return true;
    }
    unlogged++;
    return false;
  }

  /** If dead letters had no line of their own and their minute is over: the summary line, and a new minute. */
  void reportIfDue() {
    long now = System.nanoTime();
    if (unlogged > 0 && now - windowStartNanos >= WINDOW_NANOS) {
      reportUnlogged();
      windowStartNanos = now;
      loggedInWindow = 0;
    }
  }

  /**
   * When the summary of dead letters without a line of their own falls due ({@link System#currentTimeMillis()}
   * time, for the flusher's timed park), or {@link Long#MAX_VALUE} when there is none to make.
   */
  long summaryDueMillis() {
    if (unlogged == 0) {
      return Long.MAX_VALUE;
    }
    long left = Math.max(0, windowStartNanos + WINDOW_NANOS - System.nanoTime());
    return System.currentTimeMillis() + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left) + 1;
  }

  /** Logs how many dead letters had no line of their own since the last report (called at close too). */
  void reportUnlogged() {
    if (unlogged > 0) {
      LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "' moved " + unlogged
          + " more operations to the dead-letter journal " + deadLetters.directory() + " (not logged one by one;"
          + " at most " + LOGGED_PER_MINUTE + " a minute are)");
      unlogged = 0;
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }
}

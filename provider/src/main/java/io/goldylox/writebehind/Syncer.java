package io.goldylox.writebehind;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * With {@code durability = os}: forces the journal to disk at most every {@code sync-interval}, on its own
 * daemon thread {@code goldylox-writebehind-<cache>-sync}, so no caller ever waits for a disk.
 *
 * <p>It parks until an append marks the journal dirty, forces the newest cycle files, then parks for the rest of
 * the interval (a timed park, not a poll: with no appends it sleeps until the next one). Callers only read and
 * set {@link #dirty} and unpark. Race: a caller that reads {@code dirty == true} skips the unpark; that read came
 * before the syncer cleared the flag, and the syncer forces only after clearing it, so the caller's append (made
 * before its read) is covered by that force.
 */
final class Syncer implements Runnable {

  private static final System.Logger LOG = System.getLogger(Syncer.class.getName());

  private final ChronicleJournal journal;
  private final long intervalNanos;
  private final Thread thread;
  private volatile boolean dirty;
  private volatile boolean stop;

  Syncer(ChronicleJournal journal, long intervalNanos, String cacheName) {
    this.journal = journal;
    this.intervalNanos = intervalNanos;
    this.thread = new Thread(this, "goldylox-writebehind-" + cacheName + "-sync");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Called by a caller after an append. Never blocks. */
  void dirty() {
    if (!dirty) {
      dirty = true;
      LockSupport.unpark(thread);
    }
  }

  @Override
  public void run() {
    while (!stop) {
      if (!dirty) {
        LockSupport.park(this);
        continue;
      }
      dirty = false;
      try {
        journal.force();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "Cannot force the write-behind journal " + journal + " to disk", e);
      }
      long next = System.nanoTime() + intervalNanos;
      for (long left = intervalNanos; left > 0 && !stop; left = next - System.nanoTime()) {
        LockSupport.parkNanos(this, left);
      }
    }
  }

  /** Stops the thread and waits for it (at most one force and a moment). */
  void stop() {
    stop = true;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

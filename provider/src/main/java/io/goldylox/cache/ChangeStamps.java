package io.goldylox.cache;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Tells an operation that talks to the store outside the keys' steps whether a key changed meanwhile: a bulk load
 * ({@code getAll} with read-through, {@code loadAll}) that read the store before a concurrent {@code remove} or
 * {@code put} wrote it, or a {@code putAll}/{@code removeAll} whose {@code writeAll}/{@code deleteAll} went before a
 * concurrent single-key write. Such an operation opens a window ({@link #open}), takes each key's stamp before it
 * calls the loader or writer, and in the key's step asks {@link #unchangedSince}: if not, the store may have moved
 * on, and the step does not store what it loaded, or writes the key again under its lock.
 *
 * <p>Counts per stripe of keys (256), so a change of another key of the stripe also counts: a step then does the
 * safe thing needlessly (a load not kept, one more single write), never the wrong thing. A change counts only while
 * a window is open, after its writer call ({@link #changed}): a change that saw no window open wrote the store
 * before the window opened, so the window's loader reads it, or its writer writes after it. Without open windows a
 * change costs one volatile read.
 *
 * <p>Threads: callers' threads and loader threads; lock-free, never waits.
 */
final class ChangeStamps {

  private static final int STRIPES = 256;

  private final AtomicLongArray changes = new AtomicLongArray(STRIPES);
  private final AtomicInteger openWindows = new AtomicInteger();

  private static int stripe(Object key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  /** Opens a window; every {@code open} is followed by one {@link #close}, in a finally block. */
  void open() {
    openWindows.incrementAndGet();
  }

  void close() {
    openWindows.decrementAndGet();
  }

  /** {@code key}'s stamp: taken inside an open window, before the loader or writer is called. */
  long stamp(Object key) {
    return changes.get(stripe(key));
  }

  /** Whether no change of {@code key}'s stripe counted since {@code stamp} was taken. */
  boolean unchangedSince(Object key, long stamp) {
    return changes.get(stripe(key)) == stamp;
  }

  /**
   * The changes a window's own steps counted, per stripe: a {@code putAll}'s step of one key counts (its window is
   * open), and must not make the step of another key of the same stripe write that key again.
   */
  static final class Own {
    private final int[] counts = new int[STRIPES];

    /** The stamp {@code key} has if nothing but this window's own steps changed it since {@code stamp}. */
    long expected(Object key, long stamp) {
      return stamp + counts[stripe(key)];
    }

    /** One of this window's steps changed {@code key}, and counted it. */
    void counted(Object key) {
      counts[stripe(key)]++;
    }
  }

  /** Counts a change of {@code key}, made inside its step after the writer (or journal) saw it. */
  void changed(Object key) {
    if (openWindows.get() > 0) {
      changes.incrementAndGet(stripe(key));
    }
  }
}

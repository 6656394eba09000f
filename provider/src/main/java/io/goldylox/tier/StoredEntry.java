package io.goldylox.tier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One mapping's value as a tier holds it: the stored form of the value (see
 * {@link io.goldylox.serialization.Copier}) and its absolute expiry deadline in wall-clock milliseconds.
 *
 * <p>A write normally replaces the whole {@code StoredEntry} inside the tier's per-key atomic step. Two writes
 * touch an entry in place instead:
 * <ul>
 *   <li>A read that applies the expiry policy's access duration moves the deadline later without taking the key's
 *   lock ({@link #setExpireAtMillis}). That write races benignly with a concurrent replacement: it then lands on an
 *   entry that is no longer mapped and has no effect.</li>
 *   <li>In a {@link HeapTier} that allows in-place puts, a plain put of a present key with an eternal entry stores
 *   its stored form into it ({@link #tryRewrite}): by reference the value, by value what does not go into the
 *   key's record. No new entry for the map node to point to, no map lock.</li>
 * </ul>
 *
 * <h2>The in-place write's protocol</h2>
 * An eternal entry's deadline word doubles as its write state: {@link #ETERNAL} (free), {@code WRITING} (a put is
 * storing its value) or {@code FROZEN} (an atomic step is deciding on the value, or replaced this entry). A write
 * takes {@code WRITING} by CAS from {@code ETERNAL}, stores the value and gives {@code ETERNAL} back; one that finds
 * anything else fails at once, and the put maps a new entry instead (it never waits). An atomic step freezes the
 * entry ({@link #freeze}) before its function reads the value, so no put lands between its read and its result; a
 * step that keeps the entry thaws it ({@link #thaw}), one that replaces it leaves it frozen for good (a put still
 * holding it then fails). The freeze waits for a write it finds in progress, which is two stores long. Readers
 * read the value without looking at the state: a reference is read whole, old or new. The marks are never
 * visible outside: {@link #expireAtMillis()} and {@link #isMortal()} report an entry with a mark as eternal.
 *
 * <p>Threads: callers' threads (reads, in-place puts, steps under the key's lock) and background workers (expiry
 * sweeps, tier movers), none of which waits on another, except a freeze on a write in progress as above.
 */
public final class StoredEntry {

  /** Deadline of an entry that never expires. */
  public static final long ETERNAL = Long.MAX_VALUE;
  /** The deadline word of an eternal entry that an atomic step holds (or replaced): no in-place write. */
  static final long FROZEN = Long.MAX_VALUE - 1;
  /** The deadline word of an eternal entry whose value an in-place put is storing. */
  static final long WRITING = Long.MAX_VALUE - 2;
  /** Spins of a freeze on a write in progress before it yields the processor between checks. */
  private static final int SPINS_BEFORE_YIELD = 64;

  private static final VarHandle VALUE;
  private static final VarHandle DEADLINE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      VALUE = lookup.findVarHandle(StoredEntry.class, "value", Object.class);
      DEADLINE = lookup.findVarHandle(StoredEntry.class, "expireAtMillis", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Changed only by {@link #tryRewrite}, under {@code WRITING}. */
  private volatile Object value;
  private volatile long expireAtMillis;

  public StoredEntry(Object value, long expireAtMillis) {
    VALUE.set(this, value); // a plain store: the volatile store after it publishes both, at the cost of one fence
    this.expireAtMillis = expireAtMillis;
  }

  /** The stored form of the value. */
  public Object value() {
    return value;
  }

  /** The wall-clock millisecond from which this entry is expired; {@link #ETERNAL} for never. */
  public long expireAtMillis() {
    long deadline = expireAtMillis;
    return deadline >= WRITING ? ETERNAL : deadline;
  }

  /**
   * Moves the deadline (access expiry). Never called on an entry that may carry a mark: in-place puts are only
   * allowed in caches whose reads never move a deadline (see {@link HeapTier#allowInPlacePuts}).
   */
  public void setExpireAtMillis(long expireAtMillis) {
    this.expireAtMillis = expireAtMillis;
  }

  /** Whether this entry is expired at {@code nowMillis}. */
  public boolean isExpiredAt(long nowMillis) {
    return expireAtMillis <= nowMillis;
  }

  /** Whether this entry can expire at all (reading the clock is only needed then). */
  public boolean isMortal() {
    return expireAtMillis < WRITING;
  }

  /**
   * Stores {@code newValue} as this entry's value if it is eternal and neither frozen nor being written; otherwise
   * changes nothing and returns {@code false} at once (the caller maps a new entry). Lock-free, allocation-free.
   */
  boolean tryRewrite(Object newValue) {
    if (!DEADLINE.compareAndSet(this, ETERNAL, WRITING)) {
      return false;
    }
    try {
      VALUE.setRelease(this, newValue);
    } finally {
      // Volatile, not release: its fence orders the put before the caller's next load, as a map's volatile store
      // would (with a release store, put(x); get(y) on one thread and put(y); get(x) on another could both miss).
      // In a finally block so that not even an asynchronous error leaves the entry held.
      DEADLINE.setVolatile(this, ETERNAL);
    }
    return true;
  }

  /**
   * Keeps in-place writes out until {@link #thaw} and returns {@code true}; {@code false} if there was nothing to
   * do: a mortal entry (never rewritten) or one already frozen (by an enclosing step on the same key, whose entry
   * processor stepped on its own key again; only the step that froze the entry may thaw it). Called inside the
   * key's atomic step only. Waits for a write in progress to give the entry back: two stores, unless its thread
   * was descheduled between them; spinning, then yielding the processor.
   *
   * @param maxWaitNanos how long a write may hold the entry before this gives up
   * @throws HeldEntryException if a write held the entry for {@code maxWaitNanos}: its thread is suspended (a
   *     debugger) in the middle of it, or was stopped ({@code Thread.stop}) at an instant the give-back's
   *     {@code finally} does not cover. The entry is left as it is (taking it over could lose a suspended write
   *     that resumes); until the next plain put of the key maps a new entry in its place, every step on the key
   *     waits this long and fails.
   */
  boolean freeze(long maxWaitNanos) {
    long waitingSince = 0;
    for (int spins = 0; ; spins++) {
      long deadline = expireAtMillis;
      if (deadline != WRITING) {
        if (deadline != ETERNAL) {
          return false;
        }
        if (DEADLINE.compareAndSet(this, ETERNAL, FROZEN)) {
          return true;
        }
      } else if (spins < SPINS_BEFORE_YIELD) {
        Thread.onSpinWait();
      } else {
        long now = System.nanoTime();
        if (waitingSince == 0) {
          waitingSince = now;
        } else if (now - waitingSince >= maxWaitNanos) {
          throw new HeldEntryException(now - waitingSince);
        }
        Thread.yield();
      }
    }
  }

  /** A {@link #freeze} that waited too long for an in-place write to give the entry back. */
  static final class HeldEntryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HeldEntryException(long waitedNanos) {
      super("an in-place put has held the entry for " + waitedNanos / 1_000_000 + " ms (its thread was stopped or is"
          + " suspended in the middle of it)", null, false, false);
    }
  }

  /** Lets in-place writes in again after {@link #freeze}, unless the step gave the entry a deadline. */
  void thaw() {
    DEADLINE.compareAndSet(this, FROZEN, ETERNAL);
  }
}

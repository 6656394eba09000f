package io.goldylox.serialization;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A value's serialized bytes that a plain put may overwrite in place: the stored form of a small mutable value in
 * an unbounded heap-only cache stored by value (the configuration a {@code new MutableConfiguration<>()} gets). An
 * update of a present key then copies the new bytes into this record instead of mapping a new one, so it creates no
 * object the old map node points to and takes no map lock (a new object per update, referenced from an old node,
 * is what made by-value puts scale badly: the write barrier, the collector's remembered sets and the bin lock).
 *
 * <h2>Layout</h2>
 * Two buffers: the one of the current version, which readers copy, and the other, which the next write fills
 * before it publishes a new version (the second buffer is made on the first rewrite). A buffer of version
 * {@code v} is written again only by the write that publishes {@code v + 2}.
 *
 * <h2>State</h2>
 * One {@code int}: {@code version << 2 | FROZEN | WRITING}, never negative: the version counts modulo 2^29, so after
 * 536,870,911 (odd) comes 0 (even) and the buffers keep alternating.
 * <ul>
 *   <li><b>Write</b> ({@link #tryRewrite}): takes {@code WRITING} by CAS from a state with neither bit, copies into
 *   the other buffer, then publishes {@code version + 1} by CAS from exactly the state it took. If the record was
 *   frozen meanwhile, that CAS fails, the write clears {@code WRITING} and reports failure: its bytes were never
 *   visible. A write that finds {@code WRITING} or {@code FROZEN} set fails at once; it never waits.</li>
 *   <li><b>Atomic step</b> ({@link #freeze}/{@link #thaw}): an operation that decides on the current value (a
 *   replace, an entry processor, a remove) freezes the record inside its map step, so no write can publish between
 *   its read and its result. A record the step replaced stays frozen for good; one it kept is thawed.</li>
 *   <li><b>Read</b> ({@link #copyInto}): a seqlock read that never waits: reads the state, copies the current
 *   buffer, and retries only if a write took, published or gave back the record meanwhile (progress of another
 *   thread, never a wait; a freeze or thaw touches no buffer and does not count). Readers copy out
 *   before decoding because a buffer may be overwritten under a slow reader, and decoding torn bytes could ask for
 *   anything.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Callers' threads: any number of readers, writes by plain puts, freezes by atomic steps under the key's map lock.
 * Linearizable as a register: a write into a record that a concurrent blind store has just unmapped is ordered
 * before that store (both were in progress together); a write into a record an atomic step replaced fails (frozen).
 */
public final class RewritableBytes {

  /** Records at most this long are rewritten in place; larger ones are replaced (serializing dominates them). */
  public static final int MAX_BYTES = 256;

  static final int WRITING = 1;
  static final int FROZEN = 2;
  private static final int VERSION = 4;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(RewritableBytes.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private volatile int state;
  /** Buffers of even and odd versions; written only by the thread holding {@code WRITING}. */
  private byte[] even;
  private byte[] odd;
  private int evenLength;
  private int oddLength;

  /** A record holding {@code bytes} (kept, not copied: the caller hands them over). */
  public RewritableBytes(byte[] bytes) {
    this.even = bytes;
    this.evenLength = bytes.length;
  }

  /** Whether a record of {@code length} bytes is kept in this form. */
  public static boolean fits(int length) {
    return length <= MAX_BYTES;
  }

  /**
   * Makes {@code bytes[0, length)} the current value if it {@link #fits} and no write or atomic step holds this
   * record; otherwise returns {@code false} at once and changes nothing (the caller then maps a new record).
   */
  public boolean tryRewrite(byte[] bytes, int length) {
    if (!fits(length)) {
      return false;
    }
    int taken = acquire();
    if (taken < 0) {
      return false;
    }
    fill(taken, bytes, length);
    return publish(taken);
  }

  /** Takes {@code WRITING}; the state taken from, or -1 if a write or a step holds the record. */
  int acquire() {
    int s = state;
    if ((s & (WRITING | FROZEN)) != 0 || !STATE.compareAndSet(this, s, s | WRITING)) {
      return -1;
    }
    return s;
  }

  /** Copies into the buffer of the next version (made or grown here, by the holder of {@code WRITING}). */
  void fill(int taken, byte[] bytes, int length) {
    boolean nextIsOdd = (version(taken) & 1) == 0;
    byte[] target = nextIsOdd ? odd : even;
    if (target == null || target.length < length) {
      target = new byte[length];
      // Stored only when new: a reference store into a long-lived record runs the collector's write barrier,
      // and under G1 dirties a card that its refinement threads then scan, on every put.
      if (nextIsOdd) {
        odd = target;
      } else {
        even = target;
      }
    }
    System.arraycopy(bytes, 0, target, 0, length);
    if (nextIsOdd) {
      oddLength = length;
    } else {
      evenLength = length;
    }
  }

  /** Publishes the next version, or, if the record was frozen meanwhile, gives {@code WRITING} back; whether published. */
  boolean publish(int taken) {
    // The state stays non-negative: after version 2^29 - 1 (odd) comes 0 (even), so the buffers still alternate.
    if (STATE.compareAndSet(this, taken | WRITING, (taken + VERSION) & Integer.MAX_VALUE)) {
      return true;
    }
    STATE.getAndBitwiseAnd(this, ~WRITING);
    return false;
  }

  /**
   * Stops writes from publishing until {@link #thaw}; the current bytes stay as they are. Returns whether this call
   * froze the record: {@code false} if it was frozen already (by an enclosing step on the same key, whose entry
   * processor stepped on its own key again; only the step that froze the record may thaw it).
   */
  public boolean freeze() {
    return ((int) STATE.getAndBitwiseOr(this, FROZEN) & FROZEN) == 0;
  }

  /** Lets writes publish again (an atomic step that kept this record). */
  public void thaw() {
    STATE.getAndBitwiseAnd(this, ~FROZEN);
  }

  /**
   * Copies the current value into {@code scratch} (growing its array if needed) and returns its length. Never
   * waits: copies again only when a write took, published or gave back the record during the copy.
   */
  int copyInto(ReadScratch scratch) {
    while (true) {
      int before = state;
      boolean oddVersion = (version(before) & 1) == 1;
      byte[] source = oddVersion ? odd : even;
      int length = oddVersion ? oddLength : evenLength;
      if (source == null || length > source.length) {
        continue; // a buffer and a length of two different writes: the state has moved on, read it again
      }
      byte[] target = scratch.ensure(length);
      System.arraycopy(source, 0, target, 0, length);
      VarHandle.acquireFence(); // the copy's loads before the state's second read
      if ((state & ~FROZEN) == (before & ~FROZEN)) { // a freeze or thaw touches no buffer
        return length;
      }
    }
  }

  /** A copy of the current value (for callers without a scratch buffer). */
  public byte[] toByteArray() {
    ReadScratch scratch = new ReadScratch();
    int length = copyInto(scratch);
    return java.util.Arrays.copyOf(scratch.bytes(), length);
  }

  @Override
  public String toString() {
    return "RewritableBytes[version " + version(state) + "]";
  }

  private static int version(int state) {
    return state >>> 2;
  }
}

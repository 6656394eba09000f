package io.goldylox.tier;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The striped counters of a {@link TieredTier}'s upward moves (promotions, and steps that found their key below
 * the heap), which let a lock-free reader that missed everywhere tell a true miss from one caused by a move (see
 * "No false miss" in the {@link TieredTier} class comment). Per key-hash stripe: in-flight count in the low 32
 * bits, completed count above; one cache line per stripe.
 *
 * <p>Threads: a move {@link #begin}s and {@link #end}s on the thread that makes it (a caller's step or the mover),
 * inside the key's heap lock; readers and iterators read the counters without a lock.
 */
final class MoveCounters {

  private static final int STRIPES = 64;
  private static final int PAD = 8; // longs between two stripes' counters: one cache line
  private static final long ONE_COMPLETED = (1L << 32) - 1; // adds one completed move, removes one in flight

  private final AtomicLongArray moves = new AtomicLongArray(STRIPES * PAD);

  /** The stripe of {@code key}: an index into the counters. */
  static int stripe(Object key) {
    return ((AccessSketch.spread(key.hashCode()) >>> 24) & (STRIPES - 1)) * PAD;
  }

  /** The counter of a stripe: unchanged and with nothing in flight means no upward move overlapped. */
  long get(int stripe) {
    return moves.get(stripe);
  }

  void begin(int stripe) {
    moves.getAndIncrement(stripe);
  }

  void end(int stripe) {
    moves.getAndAdd(stripe, ONE_COMPLETED);
  }

  /** The sum of every stripe's counter, or -1 while any move is in flight. */
  long snapshot() {
    long sum = 0;
    boolean inFlight = false;
    for (int s = 0; s < STRIPES * PAD; s += PAD) {
      long value = moves.get(s);
      sum += value;
      inFlight |= (int) value != 0;
    }
    return inFlight ? -1 : sum;
  }
}

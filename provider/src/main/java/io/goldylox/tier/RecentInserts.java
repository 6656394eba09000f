package io.goldylox.tier;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The keys most recently added to the heap, oldest first: the candidates whose admission the heap tier judges
 * against a CLOCK victim once they are older than the admission window.
 *
 * <p>A lossy ring: producers claim a sequence number with one {@code getAndIncrement} and publish the key with a
 * lazy store; they never wait. If producers lap the consumer (more than {@code capacity} adds not yet taken),
 * the oldest are skipped: those keys simply stay in the heap without being
 * judged, which costs eviction quality, never correctness. A slot overwritten while the consumer reads it yields
 * a newer key: also harmless, for the same reason.
 *
 * <h2>Threads</h2>
 * Any caller thread {@link #add}s. One consumer at a time {@link #pollOlderThan}s: the tier's hand lock guards
 * the consumer's cursor.
 */
final class RecentInserts {

  private final AtomicReferenceArray<Object> ring;
  private final int mask;
  private final AtomicLong produced = new AtomicLong();
  private long consumed; // guarded by the tier's hand lock

  /** @param capacity how many adds may wait for the consumer before the oldest are skipped (rounded up to 2^n) */
  RecentInserts(int capacity) {
    int size = Integer.highestOneBit(Math.max(2, capacity) - 1) << 1;
    this.ring = new AtomicReferenceArray<>(size);
    this.mask = size - 1;
  }

  void add(Object key) {
    long seq = produced.getAndIncrement();
    ring.lazySet((int) seq & mask, key);
  }

  /**
   * The oldest key added before the last {@code window} adds, or null if there is none. A key may come back
   * that has since left the heap (the caller checks) or that was added more than once.
   */
  Object pollOlderThan(long window) {
    long end = produced.get();
    if (end - consumed > ring.length()) {
      consumed = end - ring.length();
    }
    while (end - consumed > window) {
      // The producer of this sequence may not have published yet (it claimed, then stores): then the slot holds
      // an older key or null, both harmless (see the class comment).
      Object key = ring.getAndSet((int) consumed & mask, null);
      consumed++;
      if (key != null) {
        return key;
      }
    }
    return null;
  }

  /** Forgets every pending candidate (after a clear). Caller holds the tier's hand lock. */
  void clear() {
    consumed = produced.get();
    for (int i = 0; i < ring.length(); i++) {
      ring.lazySet(i, null);
    }
  }
}

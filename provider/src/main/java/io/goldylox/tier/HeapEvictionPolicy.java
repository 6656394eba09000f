package io.goldylox.tier;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What leaves the heap of a {@link TieredTier} (demoted, or evicted when there is no tier below), chosen as
 * Caffeine's W-TinyLFU would, approximated without per-entry nodes (a {@link StoredEntry} is final and shared
 * with the cache layer, so there is nowhere to keep per-entry policy state without wrapping every entry).
 * Recency: CLOCK (second chance) over the heap map's own iteration order, with the reference bits in an
 * {@link AccessSketch}. Frequency: the same sketch counts every hit and every write of a key, in any tier, and
 * keeps its count after the key leaves (a miss is not counted: the put that follows it is, as in Caffeine;
 * counting both made one-time keys look twice as popular and cost 3 points of hit rate on a scan). Admission: a
 * key added to a full heap is recorded in {@link RecentInserts}; once it is older than a window of 1% of the bound
 * it is weighed against the CLOCK victim and the less popular one leaves (see {@link #chooseVictim}); while the
 * heap is not full every key is admitted. A reader pays a few plain byte stores in one cache line, no atomic
 * instruction; lost writes and hash collisions only make the policy less precise. Measured against Caffeine in the
 * benchmarks module ({@code EvictionQuality}).
 *
 * <p>Threads: every reader and writer records uses in the {@link #sketch} (racy by design, see
 * {@link AccessSketch}); the mover ages it. Victims are chosen under the {@link #handLock} by the mover, or by a
 * writer paying backpressure, which holds it for the choice only, never during a demotion; a clear empties the
 * recent inserts under it too. Inserts are {@linkplain #admitLater recorded} by whichever thread installed the key.
 *
 * @param <K> the key type
 */
final class HeapEvictionPolicy<K> {

  private final ConcurrentHashMap<K, StoredEntry> heap;
  final AccessSketch sketch;
  private final RecentInserts recentInserts;
  private final long admissionWindow;
  private final ReentrantLock handLock = new ReentrantLock();
  private Iterator<K> hand; // guarded by handLock

  /**
   * @param heap the heap whose keys the CLOCK hand walks
   * @param maxHeapEntries the heap's bound
   * @param slack how far writers may push the heap past its bound before they demote themselves
   */
  HeapEvictionPolicy(ConcurrentHashMap<K, StoredEntry> heap, long maxHeapEntries, long slack) {
    this.heap = heap;
    this.sketch = new AccessSketch(maxHeapEntries);
    this.admissionWindow = maxHeapEntries / 100;
    this.recentInserts = new RecentInserts((int) Math.min(1 << 20, 2 * (admissionWindow + slack) + 256));
  }

  /** Records a key just added to a full heap: a candidate for admission once it is older than the window. */
  void admitLater(K key) {
    recentInserts.add(key);
  }

  /** The key to move out of the heap next, or null if the heap is empty; takes the hand lock for the choice. */
  K nextVictim() {
    handLock.lock();
    try {
      return chooseVictim();
    } finally {
      handLock.unlock();
    }
  }

  /** Forgets the keys waiting for admission (the heap was cleared). */
  void clearInserts() {
    handLock.lock();
    try {
      recentInserts.clear();
    } finally {
      handLock.unlock();
    }
  }

  /**
   * The key to move out of the heap next, or null if the heap is empty. Caller holds {@link #handLock}.
   *
   * <p>When a key added to the heap more than {@link #admissionWindow} inserts ago is waiting for judgement (a
   * candidate), it is weighed against the CLOCK victim: the one the sketch finds less popular leaves (the
   * candidate also on a tie, so a scan of one-time keys cannot push out the working set). Otherwise the CLOCK
   * victim leaves.
   */
  private K chooseVictim() {
    for (;;) {
      @SuppressWarnings("unchecked")
      K candidate = (K) recentInserts.pollOlderThan(admissionWindow);
      if (candidate == null) {
        return nextClockVictim();
      }
      if (!heap.containsKey(candidate)) {
        continue; // it left meanwhile (removed, demoted, or judged already under an earlier add)
      }
      K victim = nextClockVictim();
      if (victim == null || victim.equals(candidate)) {
        return candidate;
      }
      return sketch.frequency(candidate) > sketch.frequency(victim) ? victim : candidate;
    }
  }

  /** The next key without a reference bit, clearing bits on the way. Caller holds {@link #handLock}. */
  private K nextClockVictim() {
    long limit = 2 * heap.mappingCount() + 2;
    K fallback = null;
    for (long scanned = 0; scanned < limit; scanned++) {
      if (hand == null || !hand.hasNext()) {
        hand = heap.keySet().iterator();
        if (!hand.hasNext()) {
          return null;
        }
      }
      K key = hand.next();
      fallback = key;
      if (!sketch.testAndClearReference(key)) {
        return key;
      }
    }
    return fallback;
  }
}

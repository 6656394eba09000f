package io.goldylox.writebehind;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * How a coalescing journal's live operations reach the flusher: each caller publishes its operation in the pending
 * index and, when its key had nothing pending, hands the key over; the flusher never reads live records back from
 * the journal.
 *
 * <h2>Why</h2>
 * Reading every journaled record back (a Chronicle read, a copy, a key decoding and a map update, about a
 * microsecond) cost the flusher half a core at the rate one thread writes, time its writer did not get. With
 * coalescing the flusher only needs each key once: when it comes to the key it takes the key's newest
 * {@link Pending}, which holds the journaled bytes. So a backlog of N operations over K keys costs the flusher K
 * handoffs, and the callers' cost stays what it was (one pending-index update each).
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Every key in the pending index has a slot in the flusher's {@link Backlog} or a handoff in the queue: a
 *       caller hands a key over when it creates the key's pending entry, and the flusher keeps a key's slot when
 *       it finds a newer operation as it clears the entry it delivered ({@link Backlog#resolve}). A caller also
 *       hands a key over again when the flusher had claimed the operation it replaces: that one may be failing
 *       and waiting for its retry, which the newer one replaces at once. A key that is rewritten while it waits
 *       for delivery costs the flusher nothing.</li>
 *   <li>{@link #appended} runs under the journal's append lock, after the append: handoffs are queued in journal
 *       order, and {@link #frontier} (the index after the newest record handed over) only grows. Every record
 *       below a frontier read before a drain is, after that drain, in a slot or resolved: that is the bound the
 *       flusher's checkpoint takes instead of "the next record not read".</li>
 *   <li>An operation reaches the pending index only once it is in the journal, so the flusher never delivers an
 *       operation whose append failed.</li>
 * </ul>
 *
 * <h2>Bounds</h2>
 * The queue holds a few handoffs per pending key at most (one more per delivery of the key), so it is bounded by the pending index, which
 * {@code max-lag} bounds (or reports) in operations.
 *
 * <h2>Threads</h2>
 * Callers call {@link #appended} (one at a time: under the append lock); the flusher calls {@link #drainTo} and
 * reads {@link #handedOff()}; readers only read the pending index.
 */
final class LiveIntake<K, V> {

  /** A key that became pending (or was claimed) with the operation journaled at {@code index}. */
  private record Handoff<K>(K key, long sequence, long index, long createdMillis) {}

  /**
   * An operation was appended to the journal but could not be published (the pending index or the handoff queue
   * threw, say out of memory): it stays in the journal, and the checkpoint never passes it, so the next start
   * delivers it.
   */
  static final class PublishFailedException extends RuntimeException {
    PublishFailedException(Throwable cause) {
      super(cause);
    }
  }

  private final ConcurrentHashMap<K, Pending<V>> pending;
  /** Guarded by the append lock. */
  private final Publisher publisher = new Publisher();
  private final ConcurrentLinkedQueue<Handoff<K>> handoffs = new ConcurrentLinkedQueue<>();
  /** Keys handed over so far: what wakes a flusher that waits for a batch to fill. */
  private final AtomicLong handedOff = new AtomicLong();
  /** The index after the newest record handed over (or the replay's end); written under the append lock. */
  private volatile long frontier;
  /** Flusher thread only: the frontier read before its last drain. */
  private long bound;
  /** The lowest index appended but not published ({@link PublishFailedException}); written under the lock. */
  private volatile long unpublished = Long.MAX_VALUE;

  LiveIntake(ConcurrentHashMap<K, Pending<V>> pending, long start) {
    this.pending = pending;
    this.frontier = start;
    this.bound = start;
  }

  /**
   * Called by a caller under the append lock, right after its operation was appended at {@code index}: publishes
   * it in the pending index and hands the key over if it had nothing pending. Returns the number of keys handed
   * over so far if this call handed one over (the caller then wakes the flusher), else -1.
   */
  long appended(K key, long sequence, V value, byte[] keyBytes, byte[] valueBytes, long index, long createdMillis) {
    Publisher publish = publisher;
    publish.sequence = sequence;
    publish.value = value;
    publish.keyBytes = keyBytes;
    publish.valueBytes = valueBytes;
    publish.index = index;
    publish.createdMillis = createdMillis;
    long handed = -1;
    try {
      // One traversal, under the key's bin lock: the flusher's claim and its clearing of a delivered entry take the
      // same lock, so they cannot interleave with this.
      pending.compute(key, publish);
      if (publish.handOff) {
        handoffs.add(new Handoff<>(key, sequence, index, createdMillis));
        handed = handedOff.incrementAndGet();
      }
    } catch (RuntimeException | Error e) {
      if (index < unpublished) {
        unpublished = index;
      }
      throw new PublishFailedException(e);
    } finally {
      publish.value = null; // no reference kept past the call
      publish.keyBytes = null;
      publish.valueBytes = null;
    }
    frontier = index + 1;
    return handed;
  }

  /**
   * Builds a key's new pending entry from the one it replaces, inside {@code ConcurrentHashMap.compute}. One
   * instance, reused by every call: {@link #appended} runs under the append lock, one call at a time.
   */
  private final class Publisher implements BiFunction<K, Pending<V>, Pending<V>> {
    long sequence;
    V value;
    byte[] keyBytes;
    byte[] valueBytes;
    long index;
    long createdMillis;
    /** Out: whether the key must be handed over (it had nothing pending, or the flusher claimed what it had). */
    boolean handOff;

    @Override
    public Pending<V> apply(K key, Pending<V> previous) {
      if (previous == null) {
        handOff = true;
        return new Pending<>(sequence, value, keyBytes, valueBytes, index, createdMillis, 1L, createdMillis,
            false);
      }
      // The flusher took the previous operation: it may be failing and waiting for a retry, which this one
      // replaces at once. Handing the key over again tells the flusher so.
      boolean claimed = previous.claimed;
      handOff = claimed;
      return new Pending<>(sequence, value, keyBytes, valueBytes, index, createdMillis, previous.operations + 1,
          claimed ? createdMillis : previous.unclaimedSinceMillis, false);
    }
  }

  /**
   * Moves the handed-over keys into {@code backlog} (flusher thread) and returns how many. Afterwards every record
   * below {@link #bound()} is in a slot of the backlog or resolved.
   */
  int drainTo(Backlog<K, V> backlog) {
    long frontierBefore = frontier; // read before the drain: see the class comment
    int moved = 0;
    for (Handoff<K> handoff; (handoff = handoffs.poll()) != null; moved++) {
      backlog.addLive(handoff.key(), handoff.sequence(), handoff.index(), handoff.createdMillis());
    }
    bound = Math.min(frontierBefore, unpublished);
    return moved;
  }

  /** The frontier as it was before the last {@link #drainTo} (flusher thread). */
  long bound() {
    return bound;
  }

  /** Keys handed over so far. */
  AtomicLong handedOff() {
    return handedOff;
  }
}

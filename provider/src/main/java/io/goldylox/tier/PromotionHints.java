package io.goldylox.tier;

import io.goldylox.serialization.SerializedBytes;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The promotion hints of a {@link TieredTier}: readers' hits below the heap, waiting for the mover to promote
 * their keys. A bounded map of hints (dropped and counted when full; promotion is only an optimisation) and a
 * queue of the hinted keys in order, which the mover drains. (A queue, not iteration: iterating a
 * {@code ConcurrentHashMap} visits every bin of a table that never shrinks, and such scans once took most of the
 * mover's time.) A hint keeps the very {@link StoredEntry} handed to readers, and readers of the same unchanged
 * bytes get that same object until it is promoted, so an access-expiry deadline set on it by the cache is kept by
 * the promotion.
 *
 * <p>Threads: readers add and replace hints ({@link #entryFor}) without a lock; writers remove them inside their
 * key's heap lock; the mover polls the queue and removes hints it promoted; a clear empties both. All lock-free
 * apart from the map's bin locks.
 *
 * @param <K> the key type
 */
final class PromotionHints<K> {

  private final ConcurrentHashMap<K, Hint> hints = new ConcurrentHashMap<>();
  /**
   * The keys given a hint, in order, for the mover: iterating the hint map would visit every bin of a table
   * that never shrinks. A key may be queued while its hint is gone (a write removed it); the mover skips it.
   */
  private final ConcurrentLinkedQueue<K> hintedKeys = new ConcurrentLinkedQueue<>();
  /** Keys queued in {@link #hintedKeys} and not polled yet: what bounds the hints. */
  private final AtomicInteger hintBacklog = new AtomicInteger();
  private final int maxPromotionHints;
  /** Wakes the mover when a hint is added or replaced. */
  private final Runnable wakeMover;
  private final LongAdder promotionsDropped = new LongAdder();

  PromotionHints(int maxPromotionHints, Runnable wakeMover) {
    this.maxPromotionHints = maxPromotionHints;
    this.wakeMover = wakeMover;
  }

  /** The entry a reader gets for a lower hit; records a promotion hint. */
  StoredEntry entryFor(K key, StoredBytes found) {
    Hint hint = hints.get(key);
    if (hint != null && hint.matches(found)) {
      return hint.entry; // the same object for every reader until promotion: deadline changes are kept
    }
    Hint fresh = new Hint(found);
    if (hint != null) {
      if (hints.replace(key, hint, fresh)) {
        wakeMover.run();
      }
    } else if (hintBacklog.get() < maxPromotionHints) {
      // The bound is approximate (a few racing readers may pass it together); it only caps memory.
      if (hints.putIfAbsent(key, fresh) == null) {
        queue(key);
        wakeMover.run();
      }
    } else {
      promotionsDropped.increment();
    }
    return fresh.entry;
  }

  /**
   * The entry of the hint for {@code key} if it was made from {@code found}, so that it is the one carried up;
   * otherwise a new entry of those bytes.
   */
  StoredEntry entryOf(K key, StoredBytes found) {
    Hint hint = hints.get(key);
    return hint != null && hint.matches(found) ? hint.entry
        : new StoredEntry(new SerializedBytes(found.bytes()), found.expireAtMillis());
  }

  Hint get(K key) {
    return hints.get(key);
  }

  void remove(K key) {
    hints.remove(key);
  }

  /** Removes the hint of {@code key} that the mover promoted; requeues the key if a reader replaced it. */
  void promoted(K key, Hint hint) {
    if (!hints.remove(key, hint) && hints.containsKey(key)) {
      queue(key); // a reader replaced the hint meanwhile: its key must not be left unqueued
    }
  }

  /** The next hinted key for the mover, or null (the key's hint may be gone: the mover skips it then). */
  K poll() {
    K key = hintedKeys.poll();
    if (key != null) {
      hintBacklog.decrementAndGet();
    }
    return key;
  }

  /** Queues {@code key} (again) for the mover. */
  void queue(K key) {
    hintBacklog.incrementAndGet();
    hintedKeys.add(key);
  }

  /** Keys queued for promotion that the mover has not taken yet (stale ones included). */
  int backlog() {
    return hintBacklog.get();
  }

  /** Promotion hints dropped because the hint map was full. */
  long dropped() {
    return promotionsDropped.sum();
  }

  void clear() {
    // The queue first, then the hints (as TransitMap.clear): a reader adds its hint, then queues its key. A hint
    // added after the hints' clear is queued after the drain and stays queued; draining after the clear could
    // take the key of a hint that survives it, and that hint would never be promoted nor removed by the mover.
    while (hintedKeys.poll() != null) {
      hintBacklog.decrementAndGet();
    }
    hints.clear();
  }

  /** A reader's lower-tier hit waiting for promotion: the entry handed out and the bytes it was made from. */
  static final class Hint {
    final StoredEntry entry;
    final byte[] bytes;
    final long readDeadline;

    Hint(StoredBytes found) {
      this.bytes = found.bytes();
      this.readDeadline = found.expireAtMillis();
      this.entry = new StoredEntry(new SerializedBytes(bytes), readDeadline);
    }

    /** Whether {@code found} is still the value this hint was made from. */
    boolean matches(StoredBytes found) {
      return found.expireAtMillis() == readDeadline && Arrays.equals(found.bytes(), bytes);
    }
  }
}

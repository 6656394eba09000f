package io.goldylox.tier;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Entries that one lower tier evicted and that are on their way into the next one down ({@code transit_i} in
 * {@link TieredTier}): a map that readers look keys up in, and a queue of the same arrivals in order, which the
 * mover (or a caller paying backpressure) drains.
 *
 * <p>Why a queue as well as the map: finding the map's entries means iterating it, and iterating a
 * {@code ConcurrentHashMap} visits every bin of its table, which never shrinks. A map that once held many entries
 * (a burst of evictions) would cost a scan of its whole table for every later flush, even of one entry; the mover
 * flushes after every demotion, so that scan took most of its time. The queue hands over exactly the arrivals.
 *
 * <p>The queue may hold arrivals that are no longer in the map (removed by a write below the heap, replaced by a
 * later eviction of the same key, cleared): whoever polls one checks that the map still holds those very bytes
 * before moving them ({@link #isCurrent}). Such stale arrivals are dropped as they are polled.
 *
 * <p>Threads: {@link #arrive} runs on whichever thread made the tier above evict (the mover or a caller paying
 * for a demotion), under that tier's lock; {@link #poll} on the mover and on callers past the heap's hard limit;
 * lookups on every reader. All operations are lock-free apart from the map's bin locks.
 *
 * @param <K> the key type
 */
final class TransitMap<K> {

  /** One eviction: the key and the bytes it left with. */
  static final class Arrival<K> {
    final K key;
    final StoredBytes bytes;

    Arrival(K key, StoredBytes bytes) {
      this.key = key;
      this.bytes = bytes;
    }
  }

  private final ConcurrentHashMap<K, StoredBytes> map = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Arrival<K>> arrivals = new ConcurrentLinkedQueue<>();
  /** Arrivals queued and not polled yet (stale ones included): what {@link #backlog} reports. */
  private final AtomicInteger queued = new AtomicInteger();

  /** Records an eviction from the tier above; the caller then wakes the mover. */
  void arrive(K key, StoredBytes bytes) {
    map.put(key, bytes);
    queued.incrementAndGet(); // before the add, so that a poller's decrement never takes the count below zero
    arrivals.add(new Arrival<>(key, bytes));
  }

  /**
   * Queues again an arrival whose move failed (a lower tier threw), so that a later flush retries it; without this
   * the entry would stay in the map, readable but never moved down. Its key is still in the map.
   */
  void retry(Arrival<K> arrival) {
    queued.incrementAndGet();
    arrivals.add(arrival);
  }

  /** The oldest arrival not taken yet, or null; it may be stale (check with {@link #isCurrent}). */
  Arrival<K> poll() {
    Arrival<K> arrival = arrivals.poll();
    if (arrival != null) {
      queued.decrementAndGet();
    }
    return arrival;
  }

  /** Arrivals waiting to be polled, stale ones included. */
  int backlog() {
    return queued.get();
  }

  /** Whether {@code arrival} is still what the map holds for its key (not removed or replaced since). */
  boolean isCurrent(Arrival<K> arrival) {
    return map.get(arrival.key) == arrival.bytes;
  }

  StoredBytes get(K key) {
    return map.get(key);
  }

  void remove(K key) {
    map.remove(key);
  }

  /** Removes the key only while it still maps to {@code bytes}: after the move, not a newer arrival. */
  void remove(K key, StoredBytes bytes) {
    map.remove(key, bytes);
  }

  /** Entries currently in transit (not counting stale queued arrivals). */
  long size() {
    return map.mappingCount();
  }

  Iterator<K> keys() {
    return map.keySet().iterator();
  }

  Iterable<Map.Entry<K, StoredBytes>> entries() {
    return map.entrySet();
  }

  /**
   * Drops every entry and every queued arrival. The queue is drained first: an {@link #arrive} racing with this
   * either put its entry before the map was cleared (then its arrival, drained or not, is only stale) or after
   * (then its arrival is added after the drain and stays queued). Clearing the map first would let an arrival put
   * after the map's clear be drained: an entry left in the map that no poller would ever move on.
   */
  void clear() {
    while (poll() != null) {
      // drained: the arrivals were for entries the clear drops
    }
    map.clear();
  }
}

package io.goldylox.tier;

import java.util.Iterator;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Storage for the mappings of one cache. The JCache layer ({@link io.goldylox.cache.GoldyloxCache}) reaches
 * its entries only through this interface, so tiers can be stacked behind it without touching that layer.
 *
 * <p>Contract, for any implementation:
 * <ul>
 *   <li>{@link #get} is a direct lookup: it never waits on another thread and never takes the key's lock.</li>
 *   <li>{@link #compute} is atomic per key: no other {@code compute} of an equal key runs concurrently, and the
 *       function runs exactly once. If it throws, the mapping is unchanged and the exception propagates.</li>
 *   <li>{@link #iterator} is weakly consistent: it never throws {@code ConcurrentModificationException},
 *       sees every mapping that existed for its whole traversal, and may or may not see others.</li>
 * </ul>
 *
 * @param <K> the key type
 */
public interface Tier<K> {

  /** The entry mapped to {@code key}, or {@code null}. */
  StoredEntry get(Object key);

  /**
   * {@link #get} of each of {@code keys}, in their order ({@code null} for none): a tier that may go to the
   * network asks for the keys it misses together (a page a round trip) instead of one by one.
   */
  default StoredEntry[] getAll(Object[] keys) {
    StoredEntry[] entries = new StoredEntry[keys.length];
    for (int i = 0; i < keys.length; i++) {
      entries[i] = get(keys[i]);
    }
    return entries;
  }

  /**
   * {@link #get}, for the asynchronous view: a tier that may go to the network completes the stage later, on
   * a thread of its own, and never blocks the caller; a local tier answers at once.
   */
  default java.util.concurrent.CompletionStage<StoredEntry> getAsync(Object key) {
    return java.util.concurrent.CompletableFuture.completedFuture(get(key));
  }

  /**
   * Atomically replaces the mapping of {@code key} by what {@code function} returns for the current one
   * ({@code null} in, absent; {@code null} out, remove).
   */
  StoredEntry compute(K key, BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function);

  /**
   * An atomic step of {@code key}, as {@link #compute}, whose function changes nothing but drops an entry it finds
   * expired (an expiry sweep, or a read that found the entry expired and has nothing to load). A tier over a
   * store shared with other processes runs it on its own copy: the store expires its copy itself, at the same
   * deadline.
   */
  default StoredEntry computeExpiry(K key,
      BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function) {
    return compute(key, function);
  }

  /**
   * Called once by the cache that owns this tier, before any operation. A tier that adds entries of its own (a
   * near cache filled from a shared store) reports each such entry's finite deadline to {@code sweepPlan}, so
   * that the expiry sweep comes for it; {@code readsMoveDeadlines} says whether the cache's expiry policy moves
   * deadlines on access (then a copy held elsewhere may have a later deadline than this tier's).
   */
  default void attachExpiry(java.util.function.LongConsumer sweepPlan, boolean readsMoveDeadlines) {}

  /**
   * Sets what the tier's own workers do with expired entries they meet ({@link ExpiredRemovals}); called once by
   * the cache's constructor. A tier without workers ignores it.
   */
  default void attachExpiredRemovals(ExpiredRemovals<K> removals) {}

  /**
   * The earliest deadline among entries this tier held before its cache opened ({@link StoredEntry#ETERNAL}: none,
   * or none it knows of): a disk tier's recovered entries, which the cache's expiry sweep is told of once the
   * cache is built, so that they expire, with their EXPIRED events, without waiting for a read. A scan.
   */
  default long earliestDeadline() {
    return StoredEntry.ETERNAL;
  }

  /**
   * A reader moved the deadline of {@code key}'s {@code entry} in place, from {@code previousDeadline}, without
   * the key's lock (access expiry). A tier that keeps a copy elsewhere passes the new deadline on, without making
   * the reader wait.
   */
  default void deadlineMoved(Object key, StoredEntry entry, long previousDeadline) {}

  /**
   * Maps {@code key} to {@code entry} (eternal) whatever it held, when this tier can do that faster than
   * {@link #compute} (a shared store: one round trip instead of two); returns false, having done nothing, when
   * the caller should use {@link #compute}. For writes whose result does not depend on the current mapping.
   */
  default boolean storeBlind(K key, StoredEntry entry) {
    return false;
  }

  /** Removes the mapping of {@code key} only if it is still {@code expected}. */
  boolean remove(K key, StoredEntry expected);

  /** A weakly consistent iterator over the mappings. */
  Iterator<Map.Entry<K, StoredEntry>> iterator();

  /**
   * The mappings held in this process, for the expiry sweep: the same as {@link #iterator} unless the tier sits
   * over a store shared with other processes, which expires its copies itself.
   */
  default Iterator<Map.Entry<K, StoredEntry>> localIterator() {
    return iterator();
  }

  /**
   * Copies held in this process that {@link #iterator} may not show: none, unless the tier sits over a shared store
   * that can lose entries behind its back (evicted, flushed), whose near copies a {@code removeAll()} must end too.
   */
  default Iterator<Map.Entry<K, StoredEntry>> unsharedCopies() {
    return java.util.Collections.emptyIterator();
  }

  /** The number of mappings, expired ones included. */
  long size();

  /** Removes every mapping, without notifying anybody. */
  void clear();

  /** Entries that left the lowest tier to make room (evictions, as statistics count them). */
  default long evictions() {
    return 0;
  }

  /** Releases what the tier holds (threads, memory, files); persistent tiers keep their data for the next open. */
  default void close() {}
}

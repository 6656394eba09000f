package io.goldylox.cache;

import io.goldylox.serialization.Copier;
import io.goldylox.serialization.RewritableBytes;
import io.goldylox.serialization.ValueCopier;
import io.goldylox.stats.CacheStatistics;
import io.goldylox.tier.HeapTier;
import io.goldylox.tier.StoredEntry;
import io.goldylox.tier.Tier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The put of a plain cache ({@code GoldyloxCache.isPlainPut}: eternal, no writer, no journal, no listener for the
 * change), which has nothing to tell and nothing to compute: a store. On a {@link HeapTier} that allows in-place
 * puts, a present key is overwritten in place, by value a small value's bytes in the key's record and otherwise
 * the entry's stored form (no lock, no new entry; by value a new copy unless the bytes went into the record); else
 * a blind store, which holds the
 * key's lock shortest; on other tiers a blind store if the tier takes one, else one step around the stored form.
 * Decides once, at construction, whether puts may be made in place, and tells the heap. (A by-value cache whose
 * reads move deadlines puts no record in place either, although records do not use the deadline word: slower,
 * never wrong.) Called by callers' threads;
 * holds no state of its own beyond final fields.
 *
 * @param <K> the key type
 */
final class PlainPuts<K> {

  private final Tier<K> tier;
  private final Copier copier;
  /** {@link #tier} when it is a plain {@link HeapTier}; else null. */
  private final HeapTier<K> heap;
  /** By value with in-place puts: finds the record a put may overwrite in place; else {@code null}. */
  private final Function<Object, RewritableBytes> rewritable;

  /**
   * @param inPlaceAllowed whether the cache's puts may be plain and no read of it moves a deadline (the deadline
   *     word of an entry is its in-place write's state); in-place puts also need a plain heap
   */
  PlainPuts(Tier<K> tier, Copier copier, boolean inPlaceAllowed) {
    this.tier = tier;
    this.copier = copier;
    this.heap = tier instanceof HeapTier ? (HeapTier<K>) tier : null;
    boolean inPlace = heap != null && inPlaceAllowed;
    if (inPlace) {
      heap.allowInPlacePuts();
    }
    this.rewritable = inPlace && copier instanceof ValueCopier ? heap::rewritable : null;
  }

  void put(K key, Object value) {
    if (heap != null) {
      // An eternal cache's heap holds only eternal entries (no lower tier restores mortal ones): the previous
      // entry does not matter.
      Object stored = rewritable == null ? copier.toStored(value) : copier.rewriteOrStored(value, key, rewritable);
      if (stored != Copier.REWRITTEN && !heap.rewrite(key, stored)) {
        heap.store(copier.copyKey(key), new StoredEntry(stored, StoredEntry.ETERNAL));
      }
      return;
    }
    storeBlind(key, copier.toStored(value));
  }

  /**
   * A plain put of a value already in its stored form ({@code Copier.toStored}): {@code putAll} converts every
   * value before it stores any, so that a value that cannot be stored fails the call with nothing stored.
   */
  void putStored(K key, Object stored) {
    if (heap != null) {
      if (!heap.rewrite(key, stored)) {
        heap.store(copier.copyKey(key), new StoredEntry(stored, StoredEntry.ETERNAL));
      }
      return;
    }
    storeBlind(key, stored);
  }

  /**
   * {@code putAll} of a plain cache: nothing to tell and no writer to call once for all, so a plain put per key, as
   * put(k, v) for each mapping (over Redis one round trip a key, where the locked step takes two). Every value is
   * converted first, as the locked path does: one that cannot be stored fails the call before any is stored. A
   * store that fails midway (an outage) leaves the earlier ones stored, and counted. Whether puts are still plain
   * is asked before each key, as each {@code put} asks: from a listener's registration on, the keys left are
   * returned, for the caller to put with their events; null when all were stored.
   */
  <V> Map<K, V> putAll(Map<? extends K, ? extends V> map, CacheStatistics statistics, BooleanSupplier plain) {
    long start = statistics.startNanos();
    List<K> keys = new ArrayList<>(map.size());
    List<V> values = new ArrayList<>(map.size());
    List<Object> stored = new ArrayList<>(map.size());
    for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
      keys.add(entry.getKey());
      values.add(entry.getValue());
      stored.add(copier.toStored(entry.getValue()));
    }
    int done = 0;
    try {
      for (; done < keys.size(); done++) {
        if (!plain.getAsBoolean()) {
          Map<K, V> rest = new LinkedHashMap<>();
          for (int i = done; i < keys.size(); i++) {
            rest.put(keys.get(i), values.get(i));
          }
          return rest;
        }
        putStored(keys.get(done), stored.get(done));
      }
      return null;
    } finally {
      statistics.recordPuts(done);
      statistics.recordPutTime(start);
    }
  }

  private void storeBlind(K key, Object stored) {
    K copy = copier.copyKey(key);
    if (!tier.storeBlind(copy, new StoredEntry(stored, StoredEntry.ETERNAL))) {
      tier.compute(copy, (k, current) -> AtomicSteps.plainPut(current, stored)); // captures only stored
    }
  }
}

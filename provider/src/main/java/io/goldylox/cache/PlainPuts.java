package io.goldylox.cache;

import io.goldylox.serialization.Copier;
import io.goldylox.serialization.RewritableBytes;
import io.goldylox.serialization.ValueCopier;
import io.goldylox.tier.HeapTier;
import io.goldylox.tier.StoredEntry;
import io.goldylox.tier.Tier;
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
    Object stored = copier.toStored(value);
    K copy = copier.copyKey(key);
    if (!tier.storeBlind(copy, new StoredEntry(stored, StoredEntry.ETERNAL))) {
      tier.compute(copy, (k, current) -> AtomicSteps.plainPut(current, stored)); // captures only stored
    }
  }
}

package io.goldylox.cache;

import static io.goldylox.cache.OperationBodies.DISCARD;

import io.goldylox.internal.CacheEntry;
import io.goldylox.serialization.Copier;
import io.goldylox.stats.CacheStatistics;
import io.goldylox.tier.StoredEntry;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import javax.cache.Cache;

/**
 * The iterator of a {@link GoldyloxCache}: weakly consistent (the tier's own iterator beneath), skips expired
 * entries, counts each entry it returns as a hit and applies the access duration to it, and removes through the
 * cache's atomic step. Confined to the thread that iterates, like any {@link Iterator}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class CacheIterator<K, V> implements Iterator<Cache.Entry<K, V>> {
  private final GoldyloxCache<K, V> cache;
  private final AtomicSteps<K, V> steps;
  private final CacheStatistics statistics;
  private final Copier copier;
  private final Iterator<Map.Entry<K, StoredEntry>> mappings;
  private CacheEntry<K, V> next;
  private CacheEntry<K, V> last;

  CacheIterator(GoldyloxCache<K, V> cache, AtomicSteps<K, V> steps, CacheStatistics statistics, Copier copier,
      Iterator<Map.Entry<K, StoredEntry>> mappings) {
    this.cache = cache;
    this.steps = steps;
    this.statistics = statistics;
    this.copier = copier;
    this.mappings = mappings;
  }

  @Override
  public boolean hasNext() {
    while (next == null && mappings.hasNext()) {
      Map.Entry<K, StoredEntry> mapping = mappings.next();
      StoredEntry entry = mapping.getValue();
      long now = System.currentTimeMillis();
      if (entry.isExpiredAt(now)) {
        continue;
      }
      cache.touch(mapping.getKey(), entry, now);
      statistics.recordHits(1);
      next = new CacheEntry<>(copier.copyKey(mapping.getKey()), cache.decode(entry.value()));
    }
    return next != null;
  }

  @Override
  public Cache.Entry<K, V> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    last = next;
    next = null;
    return last;
  }

  @Override
  public void remove() {
    if (last == null) {
      throw new IllegalStateException("next() has not been called, or remove() was already called");
    }
    cache.requireOpen();
    K key = last.getKey();
    last = null;
    long start = statistics.startNanos();
    EntryOperation<K, V> op = steps.execute(key, DISCARD, null, null, 0);
    statistics.recordRemoveTime(start);
    op.deliverSyncEvents();
  }
}

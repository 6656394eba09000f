package io.goldylox.tier;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The on-heap tier: a {@link ConcurrentHashMap} from key to {@link StoredEntry}. Reads are lock-free lookups;
 * {@link #compute} holds the key's bin lock only while the function runs. Touched by callers' threads and by the
 * cache's background workers (expiry sweeps), never by a thread that waits for another.
 *
 * @param <K> the key type
 */
public final class HeapTier<K> implements Tier<K> {

  private final ConcurrentHashMap<K, StoredEntry> map = new ConcurrentHashMap<>();

  @Override
  public StoredEntry get(Object key) {
    return map.get(key);
  }

  @Override
  public StoredEntry compute(
      K key, BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function) {
    return map.compute(key, function);
  }

  /**
   * Maps {@code key} to {@code entry} whatever was there: one {@code ConcurrentHashMap.put}, which holds the key's
   * bin lock for the shortest time any write can (no function runs under it). For a cache's blind store, where
   * the previous entry does not matter.
   */
  public void store(K key, StoredEntry entry) {
    map.put(key, entry);
  }

  @Override
  public boolean remove(K key, StoredEntry expected) {
    return map.remove(key, expected);
  }

  @Override
  public Iterator<Map.Entry<K, StoredEntry>> iterator() {
    return map.entrySet().iterator();
  }

  @Override
  public long size() {
    return map.mappingCount();
  }

  @Override
  public void clear() {
    map.clear();
  }
}

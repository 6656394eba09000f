package io.goldylox.tier;

import io.goldylox.serialization.RewritableBytes;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The on-heap tier: a {@link ConcurrentHashMap} from key to {@link StoredEntry}. Reads are lock-free lookups;
 * {@link #compute} holds the key's bin lock only while the function runs. A plain put of a present key may instead
 * overwrite its value's bytes in place ({@link #rewritable}, lock-free). Touched by callers' threads and by the
 * cache's background workers (expiry sweeps), never by a thread that waits for another.
 *
 * @param <K> the key type
 */
public final class HeapTier<K> implements Tier<K> {

  private final ConcurrentHashMap<K, StoredEntry> map = new ConcurrentHashMap<>();
  /** Whether values may be {@link RewritableBytes} (a store-by-value cache), so atomic steps freeze them. */
  private final boolean rewritableValues;

  /**
   * @param rewritableValues whether the cache stores by value, so that its puts may keep {@link RewritableBytes}
   *     (a store-by-reference heap's atomic steps then skip the freezing wrapper)
   */
  public HeapTier(boolean rewritableValues) {
    this.rewritableValues = rewritableValues;
  }

  @Override
  public StoredEntry get(Object key) {
    return map.get(key);
  }

  /**
   * Runs {@code function} as the key's atomic step. A {@link RewritableBytes} value is frozen while it runs, so
   * that no in-place write ({@link #rewritable}) publishes between the function's read and its result; it stays
   * frozen if the step replaced or removed the entry, and is thawed if the step kept it. (Should the map itself
   * fail after the function returned a new entry, the record stays mapped and frozen: puts then store a new entry
   * instead of rewriting it, which is slower, never wrong.)
   */
  @Override
  public StoredEntry compute(
      K key, BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function) {
    if (!rewritableValues) {
      return map.compute(key, function);
    }
    return map.compute(key, (k, current) -> {
      if (current == null || !(current.value() instanceof RewritableBytes)) {
        return function.apply(k, current);
      }
      RewritableBytes held = (RewritableBytes) current.value();
      held.freeze();
      StoredEntry next;
      try {
        next = function.apply(k, current);
      } catch (RuntimeException | Error e) {
        held.thaw();
        throw e;
      }
      if (next == current) {
        held.thaw();
      }
      return next;
    });
  }

  /**
   * The record a plain put of a present key may overwrite in place ({@link RewritableBytes#tryRewrite}, lock-free,
   * never waiting): the key's value if it is a {@link RewritableBytes} of an eternal entry; {@code null} otherwise,
   * and the caller stores a new entry ({@link #store}).
   */
  public RewritableBytes rewritable(Object key) {
    StoredEntry current = map.get(key);
    return current != null && current.value() instanceof RewritableBytes && !current.isMortal()
        ? (RewritableBytes) current.value() : null;
  }

  /**
   * Maps {@code key} to {@code entry} whatever was there: one {@code ConcurrentHashMap.put}, which holds the key's
   * bin lock for the shortest time any write can (no function runs under it). For a cache's blind store, where
   * the previous entry does not matter. The entry it replaces is not frozen: an in-place write still landing in
   * it was in progress together with this store and is ordered before it.
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

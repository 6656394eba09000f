package io.goldylox.tier;

import io.goldylox.serialization.RewritableBytes;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The on-heap tier: a {@link ConcurrentHashMap} from key to {@link StoredEntry}. Reads are lock-free lookups;
 * {@link #compute} holds the key's bin lock only while the function runs. A plain put of a present key may instead
 * overwrite it in place, lock-free: by value its bytes ({@link #rewritable}), by reference the entry's value
 * ({@link #rewrite}); atomic steps freeze what they read so that no such write lands inside them. Touched by
 * callers' threads and by the cache's background workers (expiry sweeps), never by a thread that waits for
 * another (but for a freeze on an in-place write in progress, see {@link StoredEntry}).
 *
 * @param <K> the key type
 */
public final class HeapTier<K> implements Tier<K> {

  private final ConcurrentHashMap<K, StoredEntry> map = new ConcurrentHashMap<>();
  /**
   * Whether values may be {@link RewritableBytes} (a store-by-value cache), so atomic steps freeze them; else
   * (by reference) puts may rewrite eternal entries ({@link #rewrite}), so atomic steps freeze those.
   */
  private final boolean rewritableValues;

  /**
   * @param rewritableValues whether the cache stores by value, so that its puts may keep {@link RewritableBytes};
   *     else puts may store a new value into an eternal entry
   */
  public HeapTier(boolean rewritableValues) {
    this.rewritableValues = rewritableValues;
  }

  @Override
  public StoredEntry get(Object key) {
    return map.get(key);
  }

  /**
   * Runs {@code function} as the key's atomic step. What a put may overwrite in place is frozen while it runs (a
   * {@link RewritableBytes} value by value, an eternal entry by reference), so that no in-place write
   * ({@link #rewritable}, {@link #rewrite}) lands between the function's read and its result; it stays frozen if
   * the step replaced or removed the entry, and is thawed if the step kept it. (Should the map itself
   * fail after the function returned a new entry, the record stays mapped and frozen: puts then store a new entry
   * instead of rewriting it, which is slower, never wrong.)
   */
  @Override
  public StoredEntry compute(
      K key, BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function) {
    return map.compute(key, (k, current) -> {
      Object held = rewritablePart(current);
      if (held == null) {
        return function.apply(k, current);
      }
      freeze(held);
      StoredEntry next;
      try {
        next = function.apply(k, current);
      } catch (RuntimeException | Error e) {
        thaw(held);
        throw e;
      }
      if (next == current) {
        thaw(held);
      }
      return next;
    });
  }

  /**
   * What a put may overwrite in place in {@code current}: by value its {@link RewritableBytes}, by reference the
   * entry itself if eternal; {@code null} if nothing.
   */
  private Object rewritablePart(StoredEntry current) {
    if (current == null) {
      return null;
    }
    if (rewritableValues) {
      return current.value() instanceof RewritableBytes ? current.value() : null;
    }
    return current.isMortal() ? null : current;
  }

  private static void freeze(Object held) {
    if (held instanceof RewritableBytes) {
      ((RewritableBytes) held).freeze();
    } else {
      ((StoredEntry) held).freeze();
    }
  }

  private static void thaw(Object held) {
    if (held instanceof RewritableBytes) {
      ((RewritableBytes) held).thaw();
    } else {
      ((StoredEntry) held).thaw();
    }
  }

  /**
   * By reference: makes {@code value} the value of {@code key}'s eternal entry in place ({@link
   * StoredEntry#tryRewrite}: lock-free, allocation-free, never waiting) and returns {@code true}; {@code false} if
   * the key has no entry, a mortal one, one an atomic step or another put holds, or this heap stores by value, and
   * the caller then maps a new entry ({@link #store}).
   */
  public boolean rewrite(Object key, Object value) {
    if (rewritableValues) {
      return false;
    }
    StoredEntry current = map.get(key);
    return current != null && current.tryRewrite(value);
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

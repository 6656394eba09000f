package io.goldylox.tier;

import io.goldylox.serialization.RewritableBytes;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import javax.cache.CacheException;

/**
 * The on-heap tier: a {@link ConcurrentHashMap} from key to {@link StoredEntry}. Reads are lock-free lookups;
 * {@link #compute} holds the key's bin lock only while the function runs. A plain put of a present key may instead
 * overwrite it in place, lock-free: the entry's stored form ({@link #rewrite}), or by value a small value's bytes
 * in its record ({@link #rewritable}); atomic steps freeze what they read so that no such write lands inside
 * them. Touched by callers' threads and by the cache's background workers (expiry sweeps), never by a thread that
 * waits for another (but for a freeze on an in-place write in progress, see {@link StoredEntry}).
 *
 * @param <K> the key type
 */
public final class HeapTier<K> implements Tier<K> {

  /** {@link #maxFreezeWaitNanos} of a cache's heap: ten seconds. */
  static final long DEFAULT_MAX_FREEZE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final ConcurrentHashMap<K, StoredEntry> map = new ConcurrentHashMap<>();
  /**
   * Whether values may be {@link RewritableBytes} (a store-by-value cache), so atomic steps freeze them as well
   * as the eternal entries that puts may rewrite ({@link #rewrite}).
   */
  private final boolean rewritableValues;
  /** Set once by {@link #allowInPlacePuts}, before any other thread sees this tier. */
  private boolean inPlacePuts;
  /**
   * How long an atomic step waits for an in-place write to give its entry back before it fails: far beyond a
   * descheduled thread's two stores, so only a stopped or suspended thread reaches it.
   */
  private final long maxFreezeWaitNanos;

  /**
   * @param rewritableValues whether the cache stores by value, so that its puts may keep {@link RewritableBytes}
   */
  public HeapTier(boolean rewritableValues) {
    this(rewritableValues, DEFAULT_MAX_FREEZE_WAIT_NANOS);
  }

  /** As {@link #HeapTier(boolean)}, with another bound on a step's wait for an in-place write (tests). */
  HeapTier(boolean rewritableValues, long maxFreezeWaitNanos) {
    this.rewritableValues = rewritableValues;
    this.maxFreezeWaitNanos = maxFreezeWaitNanos;
  }

  @Override
  public StoredEntry get(Object key) {
    return map.get(key);
  }

  /**
   * Runs {@code function} as the key's atomic step. What a put may overwrite in place is frozen while it runs (an
   * eternal entry, and by value its {@link RewritableBytes} record), so that no in-place write
   * ({@link #rewrite}, {@link #rewritable}) lands between the function's read and its result; it stays frozen if
   * the step replaced or removed the entry, and is thawed if the step kept it. (Should the map itself
   * fail after the function returned a new entry, the record stays mapped and frozen: puts then store a new entry
   * instead of rewriting it, which is slower, never wrong.)
   */
  @Override
  public StoredEntry compute(
      K key, BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function) {
    if (!inPlacePuts) {
      return map.compute(key, function);
    }
    return map.compute(key, (k, current) -> {
      if (current == null || !freeze(k, current)) {
        // Nothing to freeze: no entry, a mortal one (never rewritten in place), or one an enclosing step on the
        // same key froze (its processor stepped on its own key again), which that step thaws.
        return function.apply(k, current);
      }
      // Read only once the entry is frozen: no put can swap the record out of it any more.
      Object stored = current.value();
      RewritableBytes record = rewritableValues && stored instanceof RewritableBytes && ((RewritableBytes) stored)
          .freeze() ? (RewritableBytes) stored : null;
      StoredEntry next;
      try {
        next = function.apply(k, current);
      } catch (RuntimeException | Error e) {
        thaw(current, record);
        throw e;
      }
      if (next == current) {
        thaw(current, record);
      }
      return next;
    });
  }

  /**
   * {@link StoredEntry#freeze} with this heap's bound on the wait for a write in progress.
   *
   * @throws CacheException naming the key if a put has held its entry that long
   */
  private boolean freeze(K key, StoredEntry entry) {
    try {
      return entry.freeze(maxFreezeWaitNanos);
    } catch (StoredEntry.HeldEntryException e) {
      throw new CacheException("Key " + key + ": " + e.getMessage() + "; this operation did not run, the next plain"
          + " put of the key replaces the entry", e);
    }
  }

  /** Thaws what {@link #compute} froze: the entry, and the record if it froze one. */
  private static void thaw(StoredEntry entry, RewritableBytes record) {
    if (record != null) {
      record.thaw();
    }
    entry.thaw();
  }

  /**
   * Lets plain puts overwrite present keys in place ({@link #rewrite}, {@link #rewritable}), and so makes
   * {@link #compute} freeze what it reads. Called by the owning cache's constructor, before the cache is
   * published (through its manager's map, which orders this write before any other thread's use), and only for a
   * cache whose puts may be plain (eternal, no writer, no write-behind) and whose reads never move a deadline
   * (the deadline word of an entry carries the in-place write's state; {@link StoredEntry}).
   */
  public void allowInPlacePuts() {
    inPlacePuts = true;
  }

  /**
   * Makes {@code stored} the stored form of {@code key}'s eternal entry in place ({@link StoredEntry#tryRewrite}:
   * lock-free, allocation-free, never waiting) and returns {@code true}; {@code false} if the key has no entry, a
   * mortal one, or one an atomic step or another put holds, and the caller then maps a new entry ({@link #store}).
   * By value, for a stored form that is not written into the key's record (an immutable value, bytes over the
   * record's limit, a record that another put held).
   */
  public boolean rewrite(Object key, Object stored) {
    if (!inPlacePuts) {
      return false;
    }
    StoredEntry current = map.get(key);
    return current != null && current.tryRewrite(stored);
  }

  /**
   * The record a plain put of a present key may overwrite in place ({@link RewritableBytes#tryRewrite}, lock-free,
   * never waiting): the key's value if it is a {@link RewritableBytes} of an eternal entry; {@code null} otherwise,
   * and the caller stores a new entry ({@link #store}).
   */
  public RewritableBytes rewritable(Object key) {
    if (!inPlacePuts) {
      return null;
    }
    StoredEntry current = map.get(key);
    if (current == null || current.isMortal()) {
      return null;
    }
    Object stored = current.value(); // once: a put may store another form into the entry meanwhile
    return stored instanceof RewritableBytes ? (RewritableBytes) stored : null;
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

package io.goldylox.cache;

import static io.goldylox.cache.OperationBodies.LOAD;
import static io.goldylox.cache.OperationBodies.LOAD_IF_ABSENT;

import io.goldylox.event.Closeables;
import io.goldylox.event.EventDispatcher.SyncEvents;
import io.goldylox.event.Nesting;
import io.goldylox.internal.Workers;
import io.goldylox.serialization.Copier;
import io.goldylox.writebehind.Pending;
import io.goldylox.writebehind.WriteBehindJournal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CompletionListener;

/**
 * Where a {@link GoldyloxCache} finds values it does not hold: the operation still pending in the write-behind
 * journal (read-your-writes), else the user's {@link CacheLoader} (read-through and {@code loadAll}). Owns the
 * loader (closes it with the cache). Misses load on the caller's thread, inside the key's atomic step for a
 * single key ({@link #loadOne}); {@code loadAll} runs on one of the manager's loader threads and stores what it
 * loaded through {@link AtomicSteps}, key by key.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class CacheLoading<K, V> {

  private final GoldyloxCache<K, V> cache;
  private final AtomicSteps<K, V> steps;
  private final Copier copier;
  /** The loader, or {@code null}. */
  private final CacheLoader<K, V> loader;
  /** Whether misses load through {@link #loader} (read-through configured and a loader present). */
  private final boolean readThrough;
  /** The write-behind journal, whose pending operations a miss reads, or {@code null}. */
  private final WriteBehindJournal<K, V> writeBehind;
  /** The manager's loader threads, for {@code loadAll}. */
  private final Executor loads;
  /**
   * Where a nested {@code loadAll} runs (one started inside a step or a delivery): never queued behind the loader
   * threads, which may all be waiting for the starting delivery's events.
   */
  private final Executor nestedLoads;

  CacheLoading(GoldyloxCache<K, V> cache, AtomicSteps<K, V> steps, Copier copier, CacheLoader<K, V> loader,
      boolean readThrough, WriteBehindJournal<K, V> writeBehind, Executor loads, Executor nestedLoads) {
    this.cache = cache;
    this.steps = steps;
    this.copier = copier;
    this.loader = loader;
    this.readThrough = readThrough;
    this.writeBehind = writeBehind;
    this.loads = loads;
    this.nestedLoads = nestedLoads;
  }

  /** {@code Cache.loadAll}, its arguments checked: hands the keys to a loader thread. */
  void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener listener) {
    if (loader == null) {
      if (listener != null) {
        listener.onCompletion();
      }
      return;
    }
    List<K> snapshot = new ArrayList<>(new LinkedHashSet<K>(keys));
    try {
      boolean nested = Nesting.current().isNested();
      (nested ? nestedLoads : loads).execute(new LoadAllTask(snapshot, replaceExistingValues, listener, nested));
    } catch (RejectedExecutionException e) {
      IllegalStateException closing =
          new IllegalStateException("The cache manager of " + cache.getName() + " is closed", e);
      if (listener != null) {
        listener.onException(closing);
      } else {
        throw closing;
      }
    }
  }

  /** A {@code loadAll} waiting for a loader thread; its listener hears exactly once, also if it never runs. */
  private final class LoadAllTask implements Workers.CancellableTask {
    private final List<K> keys;
    private final boolean replaceExistingValues;
    private final CompletionListener listener;
    /**
     * Whether it was started inside a step or a synchronous delivery: its caller may wait for it there (a listener
     * that waits for the future of its {@code loadAll}), so its deliveries must not wait for the caller's.
     */
    private final boolean nested;

    LoadAllTask(List<K> keys, boolean replaceExistingValues, CompletionListener listener, boolean nested) {
      this.keys = keys;
      this.replaceExistingValues = replaceExistingValues;
      this.listener = listener;
      this.nested = nested;
    }

    @Override
    public void run() {
      Nesting nesting = nested ? Nesting.current() : null;
      if (nesting != null) {
        nesting.enterStep();
      }
      try {
        loadAllNow(keys, replaceExistingValues);
      } catch (Exception e) {
        if (listener != null) {
          listener.onException(e);
        }
        return;
      } finally {
        if (nesting != null) {
          nesting.exitStep();
        }
      }
      if (listener != null) {
        listener.onCompletion();
      }
    }

    @Override
    public void cancelled() {
      if (listener != null) {
        listener.onException(new IllegalStateException(
            "The cache manager of " + cache.getName() + " closed before this loadAll could run"));
      }
    }
  }

  /**
   * The body of {@link #loadAll}, on a worker thread. Loads the keys asked for (without replacing: those the cache
   * does not hold), except those with a write-behind operation pending, whose store value is older than the
   * cache's (read-your-writes); stores only what the loader returned for them, and not a key that changed while
   * the loader ran ({@link ChangeStamps}: the store may have moved on since it was read).
   */
  private void loadAllNow(List<K> keys, boolean replaceExistingValues) {
    SyncEvents<K, V> sync = null;
    // The window opens, and each key's stamp is taken, before its pending write-behind operation is looked for: a
    // put journaled after that look counts (the store does not have it yet); one journaled before it is seen.
    steps.stamps.open();
    try {
      List<K> toLoad = new ArrayList<>(keys.size());
      long[] stamps = new long[keys.size()]; // stamps[i]: the stamp of toLoad.get(i)
      for (K key : keys) {
        if (replaceExistingValues || !cache.containsKey(key)) {
          long stamp = steps.stamps.stamp(key);
          if (writeBehind == null || writeBehind.pending(key) == null) {
            stamps[toLoad.size()] = stamp;
            toLoad.add(key);
          }
        }
      }
      if (toLoad.isEmpty()) {
        return;
      }
      Map<K, V> loaded = loadMany(toLoad);
      for (int i = 0; i < toLoad.size(); i++) {
        K key = toLoad.get(i); // only the keys asked for: a loader may return others
        V value = loaded.get(key);
        if (value == null) {
          continue;
        }
        EntryOperation<K, V> op = steps.execute(copier.copyKey(key), replaceExistingValues ? LOAD : LOAD_IF_ABSENT,
            value, stamps[i], 0);
        sync = op.mergeSyncEvents(sync);
      }
    } catch (RuntimeException | Error e) {
      BulkOperations.deliverBeforeFailure(sync, e);
      throw e;
    } finally {
      steps.stamps.close();
    }
    if (sync != null) {
      sync.deliver();
    }
  }

  /**
   * The value a miss finds: the operation still pending in the write-behind journal (read-your-writes: the store
   * may not have it yet), else the loader's (read-through), else none. Loader exceptions come out as
   * {@link CacheLoaderException}.
   */
  V loadOne(K key) {
    if (writeBehind != null) {
      Pending<V> pending = writeBehind.pending(key);
      if (pending != null) {
        return pending.isDelete() ? null : copyOf(pending.value());
      }
    }
    if (!readThrough) {
      return null;
    }
    try {
      return loader.load(key);
    } catch (CacheLoaderException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheLoaderException("CacheLoader.load failed for key " + key + " in cache " + cache.getName(), e);
    }
  }

  /** {@link #loadOne} for many keys: pending write-behind operations first, one loader call for the rest. */
  Map<K, V> loadMissing(List<K> keys) {
    if (writeBehind == null) {
      return readThrough ? loadMany(keys) : Map.of();
    }
    Map<K, V> found = new HashMap<>();
    List<K> toLoad = new ArrayList<>(keys.size());
    for (K key : keys) {
      Pending<V> pending = writeBehind.pending(key);
      if (pending == null) {
        toLoad.add(key);
      } else if (!pending.isDelete()) {
        found.put(key, copyOf(pending.value()));
      }
    }
    if (readThrough && !toLoad.isEmpty()) {
      found.putAll(loadMany(toLoad));
    }
    return found;
  }

  /** A copy of a caller's value as a reader must get it (the object itself by reference). */
  private V copyOf(V value) {
    return cache.decode(copier.toStored(value));
  }

  private Map<K, V> loadMany(List<K> keys) {
    try {
      Map<K, V> loaded = loader.loadAll(keys);
      return loaded == null ? Map.of() : loaded;
    } catch (CacheLoaderException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheLoaderException("CacheLoader.loadAll failed in cache " + cache.getName(), e);
    }
  }

  /** Closes the loader if it is {@link AutoCloseable}. */
  void close() {
    Closeables.closeQuietly(loader);
  }
}

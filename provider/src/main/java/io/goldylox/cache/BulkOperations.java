package io.goldylox.cache;

import static io.goldylox.cache.AtomicSteps.SKIP_WRITER;
import static io.goldylox.cache.AtomicSteps.asWriterException;
import static io.goldylox.cache.OperationBodies.DISCARD;
import static io.goldylox.cache.OperationBodies.DISCARD_DELETED;
import static io.goldylox.cache.OperationBodies.LOAD_IF_ABSENT_THEN_GET;
import static io.goldylox.cache.OperationBodies.PUT_STORED;
import static io.goldylox.cache.OperationBodies.PUT_STORED_WRITTEN;

import io.goldylox.cache.OperationBodies.StampedForm;
import io.goldylox.event.EventDispatcher.SyncEvents;
import io.goldylox.internal.CacheEntry;
import io.goldylox.serialization.Copier;
import io.goldylox.stats.CacheStatistics;
import io.goldylox.tier.StoredEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;

/**
 * The multi-key operations of a {@link GoldyloxCache}. {@code getAll} reads every hit without a lock and loads the
 * misses with one {@code loadAll} (or from pending write-behind operations); {@code invokeAll} is one
 * {@code invoke} per key. For {@code putAll} and {@code removeAll} the write-through writer is
 * called once for the whole batch ({@code writeAll}, {@code deleteAll}), then each key the writer accepted changes
 * in its own atomic step ({@link AtomicSteps}); the keys it left (failed) stay as they were and the writer's
 * exception is rethrown. Synchronous listener events of the batch are delivered together at the end. Runs on the
 * calling thread; holds no state.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class BulkOperations<K, V> {

  private final GoldyloxCache<K, V> cache;
  private final AtomicSteps<K, V> steps;
  private final Copier copier;
  /** The write-through writer, or {@code null}. */
  private final CacheWriter<K, V> writer;
  private final CacheStatistics statistics;

  BulkOperations(GoldyloxCache<K, V> cache, AtomicSteps<K, V> steps, Copier copier, CacheWriter<K, V> writer,
      CacheStatistics statistics) {
    this.cache = cache;
    this.steps = steps;
    this.copier = copier;
    this.writer = writer;
    this.statistics = statistics;
  }

  /** {@code Cache.getAll}, its arguments checked: hits first, then what the misses may load, in one call. */
  Map<K, V> getAll(Set<? extends K> keys) {
    long start = statistics.startNanos();
    Map<K, V> result = new HashMap<>(keys.size() * 2);
    List<K> missing = null;
    Object[] keyArray = keys.toArray();
    StoredEntry[] entries = cache.tier().getAll(keyArray); // a near cache reads its misses a page a round trip
    for (int i = 0; i < keyArray.length; i++) {
      @SuppressWarnings("unchecked")
      K key = (K) keyArray[i];
      V value = readWithoutLoading(key, entries[i]);
      if (value != null) {
        result.put(key, value);
      } else if (cache.missMayFind()) {
        if (missing == null) {
          missing = new ArrayList<>();
        }
        missing.add(key);
      }
    }
    if (missing != null) {
      SyncEvents<K, V> sync = null;
      steps.stamps.open();
      try {
        long[] stamps = new long[missing.size()];
        for (int i = 0; i < stamps.length; i++) {
          stamps[i] = steps.stamps.stamp(missing.get(i));
        }
        Map<K, V> loaded = cache.loading.loadMissing(missing);
        for (int i = 0; i < stamps.length; i++) {
          K key = missing.get(i); // only the keys asked for: a loader may return others
          V value = loaded.get(key);
          if (value == null) {
            continue;
          }
          EntryOperation<K, V> op =
              steps.execute(copier.copyKey(key), LOAD_IF_ABSENT_THEN_GET, value, stamps[i], 0);
          sync = op.mergeSyncEvents(sync);
          if (op.result() != null) {
            result.put(key, op.result());
          }
        }
      } catch (RuntimeException | Error e) {
        deliverBeforeFailure(sync, e);
        throw e;
      } finally {
        steps.stamps.close();
      }
      if (sync != null) {
        sync.deliver();
      }
    }
    statistics.recordGetTime(start);
    return result;
  }

  /**
   * A get of {@code key}, which the tier holds as {@code entry}, that counts a hit or miss but never loads; an
   * expired entry is removed.
   */
  private V readWithoutLoading(K key, StoredEntry entry) {
    if (entry != null) {
      long now = entry.isMortal() || cache.accessMayChangeDeadline() ? System.currentTimeMillis() : 0L;
      if (!entry.isMortal() || !entry.isExpiredAt(now)) {
        cache.touch(key, entry, now);
        statistics.recordHits(1);
        return cache.decode(entry.value());
      }
      steps.expire(copier.copyKey(key)); // a near cache may keep the shared copy under it (a moved deadline)
    }
    statistics.recordMisses(1);
    return null;
  }

  /** {@code Cache.invokeAll}, its arguments checked: one {@code invoke} per key, each failure its own result. */
  <T> Map<K, EntryProcessorResult<T>> invokeAll(
      Set<? extends K> keys, EntryProcessor<K, V, T> processor, Object... arguments) {
    Map<K, EntryProcessorResult<T>> results = new LinkedHashMap<>();
    for (K key : keys) {
      try {
        T result = cache.invoke(key, processor, arguments);
        if (result != null) {
          results.put(key, () -> result);
        }
      } catch (RuntimeException e) {
        EntryProcessorException failure = e instanceof EntryProcessorException
            ? (EntryProcessorException) e : new EntryProcessorException(e);
        results.put(key, () -> {
          throw failure;
        });
      }
    }
    return results;
  }

  /** {@code Cache.putAll}, its arguments checked. */
  void putAll(Map<? extends K, ? extends V> map) {
    long start = statistics.startNanos();
    // Convert every value first: one the cache cannot store fails the call before the writer or the cache
    // sees any of them, so writer and cache never disagree.
    Map<Object, Object> storedForms = new HashMap<>(map.size() * 2);
    for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
      storedForms.put(entry.getKey(), copier.toStored(entry.getValue()));
    }
    if (writer == null || map.isEmpty()) {
      SyncEvents<K, V> sync = null;
      try {
        for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
          EntryOperation<K, V> op = steps.execute(copier.copyKey(entry.getKey()), PUT_STORED, entry.getValue(),
              storedForms.get(entry.getKey()), 0);
          sync = op.mergeSyncEvents(sync);
        }
      } catch (RuntimeException | Error e) {
        deliverBeforeFailure(sync, e);
        throw e;
      }
      statistics.recordPutTime(start);
      deliverThenThrow(sync, null);
      return;
    }
    writeAllThenStore(map, storedForms, start);
  }

  /**
   * {@code putAll} through the writer: one {@code writeAll}, then a step per key written that stores it without
   * calling the writer, unless the key changed since the {@code writeAll} began (a single write may have reached
   * the store after it): that step writes the key again under its lock ({@link ChangeStamps}). A key the writer
   * failed is not stored; the first failure is thrown once the others are stored.
   */
  private void writeAllThenStore(Map<? extends K, ? extends V> map, Map<Object, Object> storedForms, long start) {
    Set<Object> failedKeys = Set.of();
    RuntimeException failure = null;
    SyncEvents<K, V> sync = null;
    steps.stamps.open();
    try {
      List<Cache.Entry<? extends K, ? extends V>> batch = new ArrayList<>(map.size());
      Map<Object, Long> stamps = new HashMap<>(map.size() * 2);
      ChangeStamps.Own own = new ChangeStamps.Own();
      for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
        batch.add(new CacheEntry<>(entry.getKey(), entry.getValue()));
        stamps.put(entry.getKey(), steps.stamps.stamp(entry.getKey()));
      }
      try {
        writer.writeAll(batch);
      } catch (Exception e) {
        failure = asWriterException(e);
        failedKeys = new HashSet<>();
        for (Cache.Entry<? extends K, ? extends V> left : batch) {
          failedKeys.add(left.getKey());
        }
      }
      for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
        K key = entry.getKey();
        if (failedKeys.contains(key)) {
          continue;
        }
        StampedForm form = new StampedForm(storedForms.get(key), own.expected(key, stamps.get(key)));
        try {
          EntryOperation<K, V> op =
              steps.execute(copier.copyKey(key), PUT_STORED_WRITTEN, entry.getValue(), form, SKIP_WRITER);
          own.counted(key); // its commit counted the change (this window is open)
          sync = op.mergeSyncEvents(sync);
        } catch (CacheWriterException e) {
          failure = failure == null ? e : failure; // its write again failed: the key keeps what it had
        }
      }
    } catch (RuntimeException | Error e) {
      deliverBeforeFailure(sync, e);
      throw e;
    } finally {
      steps.stamps.close();
    }
    statistics.recordPutTime(start);
    deliverThenThrow(sync, failure);
  }

  /**
   * Deletes {@code keys} through the writer (one {@code deleteAll}), then removes those it deleted, each in a step
   * that deletes it again under its lock if it changed since the {@code deleteAll} began ({@link ChangeStamps}).
   * Without a writer, only the steps.
   */
  void removeKeys(List<K> keys) {
    long start = statistics.startNanos();
    boolean throughWriter = writer != null && !keys.isEmpty();
    Set<Object> failedKeys = Set.of();
    RuntimeException failure = null;
    SyncEvents<K, V> sync = null;
    if (throughWriter) {
      steps.stamps.open();
    }
    try {
      Map<Object, Long> stamps = new HashMap<>();
      ChangeStamps.Own own = new ChangeStamps.Own();
      if (throughWriter) {
        for (K key : keys) {
          stamps.put(key, steps.stamps.stamp(key));
        }
        List<K> batch = new ArrayList<>(keys);
        try {
          writer.deleteAll(batch);
        } catch (Exception e) {
          failure = asWriterException(e);
          failedKeys = new HashSet<>(batch);
        }
      }
      for (K key : keys) {
        if (failedKeys.contains(key)) {
          continue;
        }
        try {
          EntryOperation<K, V> op = throughWriter
              ? steps.execute(key, DISCARD_DELETED, own.expected(key, stamps.get(key)), null, SKIP_WRITER)
              : steps.execute(key, DISCARD, null, null, 0);
          if (throughWriter) {
            own.counted(key); // its commit counted the change (this window is open)
          }
          sync = op.mergeSyncEvents(sync);
        } catch (CacheWriterException e) {
          failure = failure == null ? e : failure; // its delete again failed: the key keeps what it had
        }
      }
    } catch (RuntimeException | Error e) {
      deliverBeforeFailure(sync, e);
      throw e;
    } finally {
      if (throughWriter) {
        steps.stamps.close();
      }
    }
    statistics.recordRemoveTime(start);
    deliverThenThrow(sync, failure);
  }

  /** Ends a multi-key call: delivers its synchronous events, then throws its first writer failure, if any. */
  private static void deliverThenThrow(SyncEvents<?, ?> sync, RuntimeException failure) {
    if (sync != null) {
      sync.deliver();
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Delivers the synchronous events of the steps a multi-key call made before one of them failed (the call then
   * throws {@code failure}): those changes were made, so their events are due, and giving their tickets up unheard
   * would let the keys' later changes overtake earlier ones still in delivery. A listener's exception is added to
   * {@code failure} as suppressed.
   */
  static void deliverBeforeFailure(SyncEvents<?, ?> sync, Throwable failure) {
    if (sync != null) {
      try {
        sync.deliver();
      } catch (RuntimeException listenerFailure) {
        failure.addSuppressed(listenerFailure);
      }
    }
  }
}

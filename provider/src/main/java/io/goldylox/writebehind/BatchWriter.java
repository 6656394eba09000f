package io.goldylox.writebehind;

import io.goldylox.internal.CacheEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;

/**
 * Hands one batch of distinct keys to the user's {@link CacheWriter}: one {@code writeAll} for its puts and one
 * {@code deleteAll} for its deletes (the keys are distinct, so their order does not matter), and reads what each
 * call left in its collection as the failed entries (the JCache partial-failure contract). It times every call
 * into the metrics.
 *
 * <p>Used by the writer lane's thread only (it reads the slots the flusher handed over with the batch).
 */
final class BatchWriter<K, V> {

  /** What the writer made of a batch: the slots it wrote or deleted, and the ones that failed, with why. */
  static final class Outcome<K, V> {
    final List<Backlog.Slot<K, V>> succeeded;
    final Map<Backlog.Slot<K, V>, Throwable> failed = new IdentityHashMap<>();

    Outcome(int size) {
      this.succeeded = new ArrayList<>(size);
    }
  }

  private final CacheWriter<K, V> writer;
  private final WriteBehindMetrics metrics;

  BatchWriter(CacheWriter<K, V> writer, WriteBehindMetrics metrics) {
    this.writer = writer;
    this.metrics = metrics;
  }

  /** Delivers {@code batch} (distinct keys, values decoded). VM errors propagate; anything else is a failure. */
  Outcome<K, V> deliver(List<Backlog.Slot<K, V>> batch) {
    long operations = 0;
    for (Backlog.Slot<K, V> slot : batch) {
      operations += slot.operations;
      if (slot.attempts > 0) {
        metrics.retries.increment();
      }
    }
    metrics.batches.increment();
    metrics.batchedOperations.add(operations);
    metrics.lastBatchSize.set(batch.size());
    Outcome<K, V> outcome = new Outcome<>(batch.size());
    List<Backlog.Slot<K, V>> writes = new ArrayList<>(batch.size());
    List<Backlog.Slot<K, V>> deletes = new ArrayList<>();
    for (Backlog.Slot<K, V> slot : batch) {
      (slot.isDelete() ? deletes : writes).add(slot);
    }
    long start = System.nanoTime();
    if (!writes.isEmpty()) {
      writeAll(writes, outcome);
    }
    if (!deletes.isEmpty()) {
      deleteAll(deletes, outcome);
    }
    metrics.lastBatchWriterNanos.set(System.nanoTime() - start);
    metrics.writerEntries.add(batch.size());
    return outcome;
  }

  private void writeAll(List<Backlog.Slot<K, V>> group, Outcome<K, V> outcome) {
    List<Cache.Entry<? extends K, ? extends V>> entries = new ArrayList<>(group.size());
    for (Backlog.Slot<K, V> slot : group) {
      entries.add(new CacheEntry<>(slot.key, slot.value));
    }
    List<Cache.Entry<? extends K, ? extends V>> given = List.copyOf(entries); // the writer removes what it wrote
    Throwable error = call(() -> writer.writeAll(entries));
    if (error == null) {
      outcome.succeeded.addAll(group);
      return;
    }
    // What the writer left in the collection failed; the rest was written. Entries are matched by identity.
    Set<Object> left = Collections.newSetFromMap(new IdentityHashMap<>());
    left.addAll(entries);
    for (int i = 0; i < group.size(); i++) {
      if (left.contains(given.get(i))) {
        outcome.failed.put(group.get(i), error);
      } else {
        outcome.succeeded.add(group.get(i));
      }
    }
  }

  private void deleteAll(List<Backlog.Slot<K, V>> group, Outcome<K, V> outcome) {
    List<K> keys = new ArrayList<>(group.size());
    for (Backlog.Slot<K, V> slot : group) {
      keys.add(slot.key);
    }
    Throwable error = call(() -> writer.deleteAll(keys));
    if (error == null) {
      outcome.succeeded.addAll(group);
      return;
    }
    Set<Object> left = new HashSet<>(keys);
    for (Backlog.Slot<K, V> slot : group) {
      if (left.contains(slot.key)) {
        outcome.failed.put(slot, error);
      } else {
        outcome.succeeded.add(slot);
      }
    }
  }

  /** Runs one writer call, timing it; returns what it threw (null: success). VM errors propagate. */
  private Throwable call(Runnable call) {
    long start = System.nanoTime();
    try {
      call.run();
      return null;
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      return t;
    } finally {
      metrics.writerNanos.add(System.nanoTime() - start);
      metrics.writerCalls.increment();
    }
  }
}

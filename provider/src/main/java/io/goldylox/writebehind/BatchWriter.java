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

  /**
   * A batch's two writer calls, built from its slots: by the flusher when it prepares the batch, so that the
   * writer lane only makes the calls, and again by the lane if it left slots out. Not changed once built, but for
   * the entry and key lists, which the writer empties of what it wrote.
   */
  static final class Calls<K, V> {
    final List<Backlog.Slot<K, V>> writes = new ArrayList<>();
    final List<Backlog.Slot<K, V>> deletes = new ArrayList<>();
    /** The writes' entries, in their order: what writeAll gets. */
    final List<Cache.Entry<? extends K, ? extends V>> entries;
    /** The same entries, kept: what the writer left in {@link #entries} failed, matched by identity. */
    final List<Cache.Entry<? extends K, ? extends V>> given;
    final List<K> keys;
    final int size;
    private long operations;
    private int retried;

    Calls(List<Backlog.Slot<K, V>> slots) {
      this.size = slots.size();
      for (Backlog.Slot<K, V> slot : slots) {
        operations += slot.operations;
        if (slot.attempts > 0) {
          retried++;
        }
        (slot.isDelete() ? deletes : writes).add(slot);
      }
      entries = new ArrayList<>(writes.size());
      for (Backlog.Slot<K, V> slot : writes) {
        entries.add(new CacheEntry<>(slot.key, slot.value));
      }
      given = List.copyOf(entries);
      keys = new ArrayList<>(deletes.size());
      for (Backlog.Slot<K, V> slot : deletes) {
        keys.add(slot.key);
      }
    }
  }

  private final CacheWriter<K, V> writer;
  private final WriteBehindMetrics metrics;

  BatchWriter(CacheWriter<K, V> writer, WriteBehindMetrics metrics) {
    this.writer = writer;
    this.metrics = metrics;
  }

  /** Makes {@code calls} (distinct keys, values decoded). VM errors propagate; anything else is a failure. */
  Outcome<K, V> deliver(Calls<K, V> calls) {
    if (calls.retried > 0) {
      metrics.retries.add(calls.retried);
    }
    metrics.batches.increment();
    metrics.batchedOperations.add(calls.operations);
    metrics.lastBatchSize.set(calls.size);
    Outcome<K, V> outcome = new Outcome<>(calls.size);
    long start = System.nanoTime();
    if (!calls.writes.isEmpty()) {
      writeAll(calls, outcome);
    }
    if (!calls.deletes.isEmpty()) {
      deleteAll(calls, outcome);
    }
    metrics.lastBatchWriterNanos.set(System.nanoTime() - start);
    metrics.writerEntries.add(calls.size);
    return outcome;
  }

  private void writeAll(Calls<K, V> calls, Outcome<K, V> outcome) {
    List<Backlog.Slot<K, V>> group = calls.writes;
    List<Cache.Entry<? extends K, ? extends V>> entries = calls.entries;
    Throwable error = call(() -> writer.writeAll(entries));
    if (error == null) {
      outcome.succeeded.addAll(group);
      return;
    }
    // What the writer left in the collection failed; the rest was written. Entries are matched by identity.
    Set<Object> left = Collections.newSetFromMap(new IdentityHashMap<>());
    left.addAll(entries);
    for (int i = 0; i < group.size(); i++) {
      if (left.contains(calls.given.get(i))) {
        outcome.failed.put(group.get(i), error);
      } else {
        outcome.succeeded.add(group.get(i));
      }
    }
  }

  private void deleteAll(Calls<K, V> calls, Outcome<K, V> outcome) {
    List<Backlog.Slot<K, V>> group = calls.deletes;
    List<K> keys = calls.keys;
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

package io.goldylox.benchmarks;

import io.goldylox.internal.CacheEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import javax.cache.Cache;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheWriter;

/**
 * Wraps the benchmark's {@link H2KvWriter} and keeps a copy of every call the flusher made, so the same calls can
 * be made again, directly, on a fresh database: the writer's own floor, in the same run. Copying a batch costs a
 * few microseconds and is counted against the flusher. Optionally holds every call until {@link #release()} (a
 * writer that is down), which is how the replay benchmark's child builds its backlog.
 *
 * <p>Called by the flusher thread; {@link #calls()} is read after the journal closed.
 */
final class RecordingWriter implements CacheWriter<String, String> {

  /** One recorded call: the entries of a writeAll (keys and values) or the keys of a deleteAll. */
  record Call(boolean delete, List<String> keys, List<String> values) {}

  /** The writer the journal's configuration names: the instance {@link #install} set. */
  public static final class Given implements Factory<CacheWriter<String, String>> {
    private static final long serialVersionUID = 1L;
    private static volatile CacheWriter<String, String> writer;

    @Override
    public CacheWriter<String, String> create() {
      return writer;
    }
  }

  private final CacheWriter<String, String> target;
  private final List<Call> calls = new ArrayList<>();
  private final CountDownLatch gate;

  RecordingWriter(CacheWriter<String, String> target, boolean held) {
    this.target = target;
    this.gate = new CountDownLatch(held ? 1 : 0);
  }

  /** Makes {@code writer} the one {@link Given} creates. */
  static void install(CacheWriter<String, String> writer) {
    Given.writer = writer;
  }

  void release() {
    gate.countDown();
  }

  List<Call> calls() {
    return calls;
  }

  @Override
  public void write(Cache.Entry<? extends String, ? extends String> entry) {
    throw new UnsupportedOperationException("write-behind calls writeAll");
  }

  @Override
  public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
    hold();
    List<String> keys = new ArrayList<>(entries.size());
    List<String> values = new ArrayList<>(entries.size());
    for (Cache.Entry<? extends String, ? extends String> e : entries) {
      keys.add(e.getKey());
      values.add(e.getValue());
    }
    calls.add(new Call(false, keys, values));
    target.writeAll(entries);
  }

  @Override
  public void delete(Object key) {
    throw new UnsupportedOperationException("write-behind calls deleteAll");
  }

  @Override
  public void deleteAll(Collection<?> keys) {
    hold();
    List<String> copy = new ArrayList<>(keys.size());
    for (Object k : keys) {
      copy.add((String) k);
    }
    calls.add(new Call(true, copy, null));
    target.deleteAll(keys);
  }

  private void hold() {
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new javax.cache.integration.CacheWriterException("interrupted while held");
    }
  }

  /** Makes {@code calls} again on {@code writer}, in order; returns the nanoseconds they took. */
  static long replay(List<Call> calls, CacheWriter<String, String> writer) {
    long start = System.nanoTime();
    for (Call call : calls) {
      if (call.delete()) {
        writer.deleteAll(new ArrayList<>(call.keys()));
      } else {
        List<Cache.Entry<? extends String, ? extends String>> entries = new ArrayList<>(call.keys().size());
        for (int i = 0; i < call.keys().size(); i++) {
          entries.add(new CacheEntry<>(call.keys().get(i), call.values().get(i)));
        }
        writer.writeAll(entries);
      }
    }
    return System.nanoTime() - start;
  }

  static long entries(List<Call> calls) {
    return calls.stream().mapToLong(c -> c.keys().size()).sum();
  }
}

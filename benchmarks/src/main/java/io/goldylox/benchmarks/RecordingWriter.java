package io.goldylox.benchmarks;

import io.goldylox.internal.CacheEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import javax.cache.Cache;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheWriter;

/**
 * Wraps the benchmark's {@link H2KvWriter} and keeps a copy of every call the flusher made, so the same calls can
 * be made again, directly, on a fresh database: the writer's own floor, in the same run. Copying a batch costs a
 * few microseconds inside the flusher's writer call; {@link #bookkeepingNanos()} says how many, to be taken out of
 * the flusher's time (a writer of an application makes no such copy). Optionally holds every call until
 * {@link #release()} (a writer that is down), which is how the replay benchmark's child builds its backlog.
 *
 * <p>Called by the writer lane's thread ({@code goldylox-writebehind-<cache>-writer}). {@link #calls()} may be read
 * by another thread at any time (it copies under the writer's lock); the shadow's times are read after the journal
 * closed.
 */
final class RecordingWriter implements CacheWriter<String, String> {

  /**
   * One recorded call: the entries of a writeAll (keys and values) or the keys of a deleteAll, and when it was
   * made ({@link System#nanoTime()}).
   */
  record Call(boolean delete, List<String> keys, List<String> values, long startNanos) {}

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
  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();
  /** Guarded by itself: appended by the flusher, copied by the benchmark's thread between slices. */
  private final List<Call> calls = new ArrayList<>();
  private final CountDownLatch gate;
  /** Null, or a second writer (on its own database) each call is made on again, right after the real one. */
  private final CacheWriter<String, String> shadow;
  private long shadowNanos;
  private long shadowCpuNanos;
  private long bookkeepingNanos;
  private int writes;
  private int deletes;

  RecordingWriter(CacheWriter<String, String> target, boolean held) {
    this(target, held, null);
  }

  /**
   * With a {@code shadow}, every call is made again on it at once, on the same thread, and timed: the writer's
   * floor measured interleaved call by call with the flusher's own calls, so a drift of the machine's speed hits
   * both alike; every other call of each kind the shadow goes first. The shadow's time is inside the flusher's writer
   * time: {@link #shadowNanos()} (wall) and {@link #shadowCpuNanos()} (the thread's CPU) are to be subtracted.
   */
  RecordingWriter(CacheWriter<String, String> target, boolean held, CacheWriter<String, String> shadow) {
    this.target = target;
    this.gate = new CountDownLatch(held ? 1 : 0);
    this.shadow = shadow;
  }

  /** Nanoseconds spent in the shadow's calls so far (read after the journal closed). */
  long shadowNanos() {
    return shadowNanos;
  }

  /**
   * Nanoseconds spent copying and recording the calls so far, inside the flusher's writer calls (read after the
   * journal closed, or between slices).
   */
  long bookkeepingNanos() {
    synchronized (calls) {
      return bookkeepingNanos;
    }
  }

  /** CPU nanoseconds of the calling thread spent in the shadow's calls so far (read after the journal closed). */
  long shadowCpuNanos() {
    return shadowCpuNanos;
  }

  /**
   * Whether the shadow makes this call before the real writer: every other call of its kind, so neither database
   * always meets the batch second, with its keys' hash codes computed and the writer's code and data in the CPU's
   * caches.
   */
  private void record(Call call) {
    synchronized (calls) {
      calls.add(call);
      bookkeepingNanos += System.nanoTime() - call.startNanos();
    }
  }

  private boolean shadowFirst(boolean delete) {
    // Counted per kind: the flusher makes a writeAll and a deleteAll per batch, so one count over both would put
    // the shadow second on every writeAll.
    int n = delete ? deletes++ : writes++;
    return shadow != null && (n & 1) == 0;
  }

  private void shadow(Call call) {
    if (shadow != null) {
      long cpuBegin = THREADS.getCurrentThreadCpuTime();
      long begin = System.nanoTime();
      make(call, shadow);
      shadowNanos += System.nanoTime() - begin;
      shadowCpuNanos += THREADS.getCurrentThreadCpuTime() - cpuBegin;
    }
  }

  /** Makes {@code writer} the one {@link Given} creates. */
  static void install(CacheWriter<String, String> writer) {
    Given.writer = writer;
  }

  void release() {
    gate.countDown();
  }

  List<Call> calls() {
    synchronized (calls) {
      return new ArrayList<>(calls);
    }
  }

  @Override
  public void write(Cache.Entry<? extends String, ? extends String> entry) {
    throw new UnsupportedOperationException("write-behind calls writeAll");
  }

  @Override
  public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
    hold();
    long start = System.nanoTime();
    List<String> keys = new ArrayList<>(entries.size());
    List<String> values = new ArrayList<>(entries.size());
    for (Cache.Entry<? extends String, ? extends String> e : entries) {
      keys.add(e.getKey());
      values.add(e.getValue());
    }
    Call call = new Call(false, keys, values, start);
    record(call);
    boolean shadowFirst = shadowFirst(false);
    if (shadowFirst) {
      shadow(call);
    }
    target.writeAll(entries);
    if (!shadowFirst) {
      shadow(call);
    }
  }

  @Override
  public void delete(Object key) {
    throw new UnsupportedOperationException("write-behind calls deleteAll");
  }

  @Override
  public void deleteAll(Collection<?> keys) {
    hold();
    long start = System.nanoTime();
    List<String> copy = new ArrayList<>(keys.size());
    for (Object k : keys) {
      copy.add((String) k);
    }
    Call call = new Call(true, copy, null, start);
    record(call);
    boolean shadowFirst = shadowFirst(true);
    if (shadowFirst) {
      shadow(call);
    }
    target.deleteAll(keys);
    if (!shadowFirst) {
      shadow(call);
    }
  }

  private void hold() {
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new javax.cache.integration.CacheWriterException("interrupted while held");
    }
  }

  /** Makes {@code calls} again on {@code writer}, in order, back to back; returns the nanoseconds they took. */
  static long replay(List<Call> calls, CacheWriter<String, String> writer) {
    long start = System.nanoTime();
    for (Call call : calls) {
      make(call, writer);
    }
    return System.nanoTime() - start;
  }

  /**
   * Makes {@code calls} again on {@code writer}, in order, each at the same offset from the first as when it was
   * recorded (at once if the replay is already late): the writer called directly with the same batches at the
   * same rhythm as the flusher called it. Returns the nanoseconds spent inside the calls (the waits between them
   * excluded, as the flusher's busy time excludes its parking).
   */
  static long replayPaced(List<Call> calls, CacheWriter<String, String> writer) {
    if (calls.isEmpty()) {
      return 0L;
    }
    long recordedStart = calls.get(0).startNanos();
    long start = System.nanoTime();
    long inside = 0;
    for (Call call : calls) {
      long due = start + (call.startNanos() - recordedStart);
      for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      long begin = System.nanoTime();
      make(call, writer);
      inside += System.nanoTime() - begin;
    }
    return inside;
  }

  private static void make(Call call, CacheWriter<String, String> writer) {
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

  static long entries(List<Call> calls) {
    return calls.stream().mapToLong(c -> c.keys().size()).sum();
  }
}

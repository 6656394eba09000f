package io.goldylox.writebehind;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.internal.CacheEntry;
import io.goldylox.serialization.Serializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The flusher of one write-behind journal: the only thread that calls the user's {@link CacheWriter}.
 *
 * <h2>Overview</h2>
 * It reads the journal with its own tailer, in append order, into a batch; delivers the batch when it holds
 * {@code batch-size} operations or its oldest operation has waited {@code max-delay}; coalesces it per key when
 * asked (the operation with the highest sequence wins); splits it into {@code writeAll}/{@code deleteAll} groups
 * that keep per-key order; and reads what each call left in its collection as the failed operations (the JCache
 * partial-failure contract).
 *
 * <p>A failed operation is appended to the journal again, same sequence, with its attempt count and the time
 * before which it must not be retried (exponential backoff), so no other key waits for it. When the tailer reads
 * such a retry record early it keeps it in {@link #waiting} until it is due. A retry whose key received a later
 * operation in the meantime is dropped: the later one carries the key's final state. After {@code max-attempts}
 * the operation goes to the dead-letter journal.
 *
 * <p>Pins: while a key has a retry record not yet resolved, any later operation of that key that gets resolved
 * holds the checkpoint at or below its own index until the retry is resolved. Otherwise a crash could leave the
 * retry record above the checkpoint and the later (delivered) operation below it, and the replay would deliver
 * the older value last. The replay seeds these retries from the retry records it finds.
 *
 * <h2>What is durable</h2>
 * After the writer returned, the flusher records in the {@link Checkpoint} the lowest journal index that may
 * still be unresolved: the next unread record, or an older record still waiting (a retry, or an operation of the
 * batch in flight). Every record below it is resolved. The next start replays from there, so delivery is
 * at-least-once: an operation delivered after the last checkpoint is delivered again. Cycle files wholly below
 * the checkpoint are deleted.
 *
 * <h2>Threads</h2>
 * Everything but the fields marked volatile/atomic is confined to the flusher thread. Callers touch only
 * {@link #wake}. {@link #close} runs on the closing thread: it waits up to the close timeout for the flusher to
 * drain, then marks it abandoned under {@link #stateLock}. The flusher holds that lock whenever it touches
 * Chronicle or the checkpoint, and never while it is inside the writer or parked, so once abandoned it cannot
 * touch a journal that is closed (or reopened by a new cache) and it exits when the writer returns.
 */
final class Flusher<K, V> implements Runnable {

  private static final System.Logger LOG = System.getLogger(Flusher.class.getName());
  private static final int RUNNING = 0;
  private static final int IDLE = 1;
  private static final int FILLING = 2;
  private static final long NO_DEADLINE = Long.MAX_VALUE;

  private final String cacheName;
  private final WriteBehindConfig settings;
  private final CacheWriter<K, V> writer;
  private final Serializer serializer;
  private final ClassLoader loader;
  private final ChronicleJournal journal;
  private final DeadLetterJournal deadLetters;
  private final Checkpoint checkpoint;
  private final ConcurrentHashMap<K, Pending<V>> pending;
  private final AtomicLong sequence;
  private final WriteBehindMetrics metrics;
  private final int batchSize;
  private final long maxDelayMillis;
  private final Thread thread;

  /** What the flusher does when it parks: decides whether an append must unpark it. */
  private final AtomicInteger mode = new AtomicInteger(RUNNING);
  /** The caller sequence when the current batch received its first operation. */
  private volatile long batchStartSequence;
  private volatile boolean closing;
  private volatile Throwable failure;
  private final CountDownLatch exited = new CountDownLatch(1);
  private final Object stateLock = new Object();
  /** Guarded by stateLock: set when close() gave up waiting; the flusher then touches nothing any more. */
  private boolean abandoned;

  // Flusher thread only.
  private ExcerptTailer tailer;
  private List<Op<K, V>> batch = new ArrayList<>();
  private long batchDeadlineNanos;
  private final PriorityQueue<Op<K, V>> waiting =
      new PriorityQueue<>(Comparator.comparingLong((Op<K, V> op) -> op.record.dueMillis));
  /** Index just after the last record read; before any read, the replay position (-1: the start). */
  private long nextUnread;
  private long recorded;
  /** From the replay: sequence to the index of its last record; earlier records of that sequence are stale. */
  private Map<Long, Long> staleBelow;
  /** Key to {sequence of its outstanding retry, pin index (MAX_VALUE: none)}. */
  private final Map<K, long[]> retrying = new HashMap<>();

  Flusher(String cacheName, WriteBehindConfig settings, CacheWriter<K, V> writer, Serializer serializer,
      ClassLoader loader, ChronicleJournal journal, DeadLetterJournal deadLetters, Checkpoint checkpoint,
      ConcurrentHashMap<K, Pending<V>> pending, AtomicLong sequence, WriteBehindMetrics metrics,
      long resumePosition, Map<Long, Long> staleBelow, Map<Object, Long> retryingAtOpen) {
    this.cacheName = cacheName;
    this.settings = settings;
    this.writer = writer;
    this.serializer = serializer;
    this.loader = loader;
    this.journal = journal;
    this.deadLetters = deadLetters;
    this.checkpoint = checkpoint;
    this.pending = pending;
    this.sequence = sequence;
    this.metrics = metrics;
    this.batchSize = settings.batchSize();
    this.maxDelayMillis = settings.maxDelay().toMillis();
    this.nextUnread = resumePosition;
    this.recorded = resumePosition;
    this.staleBelow = staleBelow.isEmpty() ? null : new HashMap<>(staleBelow);
    for (Map.Entry<Object, Long> e : retryingAtOpen.entrySet()) {
      @SuppressWarnings("unchecked")
      K key = (K) e.getKey();
      retrying.put(key, new long[] {e.getValue(), Long.MAX_VALUE});
    }
    this.thread = new Thread(this, "goldylox-writebehind-" + cacheName);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Called by a caller after it appended an operation with {@code callerSequence}: unparks the flusher if it
   * sleeps with nothing to do, or waits for a batch that is now full. Never blocks.
   */
  void wake(long callerSequence) {
    int current = mode.get();
    if (current == IDLE) {
      // Only the caller that flips IDLE -> RUNNING pays for the unpark.
      if (mode.compareAndSet(IDLE, RUNNING)) {
        LockSupport.unpark(thread);
      }
    } else if (current == FILLING && callerSequence - batchStartSequence >= batchSize) {
      if (mode.compareAndSet(FILLING, RUNNING)) {
        LockSupport.unpark(thread);
      }
    }
  }

  /** The error that stopped the flusher, or null while it runs. */
  Throwable failure() {
    return failure;
  }

  boolean isAlive() {
    return thread.isAlive();
  }

  /**
   * Asks the flusher to deliver everything readable and due, and waits up to {@code timeoutNanos} for it.
   * Returns whether it finished; if not, it is abandoned and interrupted, and what it held stays in the journal.
   */
  boolean close(long timeoutNanos) {
    closing = true;
    LockSupport.unpark(thread);
    boolean finished;
    try {
      finished = exited.await(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finished = false;
    }
    if (!finished) {
      synchronized (stateLock) {
        abandoned = true;
      }
      thread.interrupt();
    }
    return finished;
  }

  @Override
  public void run() {
    try {
      synchronized (stateLock) {
        if (abandoned) {
          return;
        }
        tailer = journal.tailerAt(nextUnread);
      }
      while (step()) {
        // Each step reads, delivers or parks.
      }
    } catch (Throwable t) {
      boolean wasAbandoned;
      synchronized (stateLock) {
        wasAbandoned = abandoned;
      }
      if (!wasAbandoned) {
        failure = t;
        LOG.log(System.Logger.Level.ERROR, "The write-behind flusher of cache '" + cacheName + "' stopped;"
            + " operations stay in the journal " + journal + " and are delivered at the next start", t);
      }
      if (t instanceof VirtualMachineError) {
        throw (VirtualMachineError) t;
      }
    } finally {
      synchronized (stateLock) {
        if (!abandoned && tailer != null) {
          tailer.close();
        }
      }
      exited.countDown();
    }
  }

  /** One round: read, then deliver a ready batch or park. Returns false when the flusher must stop. */
  private boolean step() {
    mode.set(RUNNING);
    synchronized (stateLock) {
      if (abandoned) {
        return false;
      }
      fill();
    }
    boolean closingNow = closing;
    if (!batch.isEmpty()
        && (batch.size() >= batchSize || System.nanoTime() - batchDeadlineNanos >= 0 || closingNow)) {
      return deliver();
    }
    if (batch.isEmpty()) {
      synchronized (stateLock) {
        if (abandoned) {
          return false;
        }
        checkpoint();
      }
      if (closingNow) {
        return false; // drained: nothing left to read and nothing due
      }
    }
    long deadline = batch.isEmpty() ? NO_DEADLINE : batchDeadlineNanos;
    Op<K, V> nextRetry = waiting.peek();
    if (nextRetry != null) {
      long inNanos = TimeUnit.MILLISECONDS.toNanos(
          Math.max(0L, nextRetry.record.dueMillis - System.currentTimeMillis()));
      long retryDeadline = System.nanoTime() + inNanos;
      if (deadline == NO_DEADLINE || retryDeadline - deadline < 0) {
        deadline = retryDeadline;
      }
    }
    // An append wakes a filling flusher once this many more operations arrived than the batch lacks.
    batchStartSequence = sequence.get() - batch.size();
    mode.set(batch.isEmpty() ? IDLE : FILLING);
    // Re-check after publishing the mode: an append that saw RUNNING did not unpark us, but it is readable now
    // (the caller fenced between its append and its read of the mode).
    synchronized (stateLock) {
      if (abandoned) {
        return false;
      }
      if (fill() > 0) {
        return true;
      }
    }
    if (closing) {
      return true;
    }
    Thread.interrupted(); // a stray interrupt would make every park return at once
    if (deadline == NO_DEADLINE) {
      LockSupport.park(this);
    } else {
      long nanos = deadline - System.nanoTime();
      if (nanos > 0) {
        LockSupport.parkNanos(this, nanos);
      }
    }
    return true;
  }

  /** Reads records and due retries into the batch until it is full. Returns how many it took. */
  private int fill() {
    int taken = 0;
    long nowMillis = System.currentTimeMillis();
    while (batch.size() < batchSize) {
      JournalRecord record;
      try (DocumentContext dc = tailer.readingDocument()) {
        if (!dc.isPresent()) {
          break;
        }
        record = JournalRecord.read(dc.wire().bytes(), dc.index(), journal);
      }
      nextUnread = record.index + 1;
      taken++;
      accept(record, nowMillis);
    }
    while (batch.size() < batchSize && !waiting.isEmpty() && waiting.peek().record.dueMillis <= nowMillis) {
      Op<K, V> op = waiting.poll();
      taken++;
      if (superseded(op)) {
        resolve(op, false);
      } else {
        add(op, nowMillis);
      }
    }
    return taken;
  }

  private void accept(JournalRecord record, long nowMillis) {
    if (staleBelow != null) {
      Long last = staleBelow.get(record.sequence);
      if (last != null) {
        if (record.index < last) {
          return; // the replay saw a later record of this operation: that one carries it
        }
        staleBelow.remove(record.sequence);
        if (staleBelow.isEmpty()) {
          staleBelow = null;
        }
      }
    }
    Op<K, V> op;
    try {
      op = decode(record);
    } catch (RuntimeException e) {
      deadLetter(record, null, record.attempts + 1, e);
      return;
    }
    if (record.attempts > 0) {
      if (superseded(op)) {
        resolve(op, false);
        return;
      }
      if (record.dueMillis > nowMillis) {
        waiting.add(op);
        noteOldest(op);
        return;
      }
    }
    add(op, nowMillis);
  }

  @SuppressWarnings("unchecked")
  private Op<K, V> decode(JournalRecord record) {
    K key = (K) serializer.deserialize(record.key, loader);
    V value = record.value == null ? null : (V) serializer.deserialize(record.value, loader);
    return new Op<>(record, key, value);
  }

  private void add(Op<K, V> op, long nowMillis) {
    long wait = op.record.attempts > 0 ? 0L
        : Math.max(0L, maxDelayMillis - Math.max(0L, nowMillis - op.record.createdMillis));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
    if (batch.isEmpty() || deadline - batchDeadlineNanos < 0) {
      batchDeadlineNanos = deadline;
    }
    batch.add(op);
    noteOldest(op);
  }

  private void noteOldest(Op<K, V> op) {
    long created = op.record.createdMillis;
    long oldest = metrics.oldestMillis.get();
    if (created < oldest) {
      metrics.oldestMillis.set(created); // flusher thread is the only writer
    }
  }

  /** Whether a later operation on the op's key replaced it (or was already delivered). */
  private boolean superseded(Op<K, V> op) {
    Pending<V> current = pending.get(op.key);
    return current == null || current.sequence() != op.record.sequence;
  }

  /** The op is settled: forget it in the pending index unless a later operation of its key is pending. */
  private void resolve(Op<K, V> op, boolean delivered) {
    long seq = op.record.sequence;
    pending.computeIfPresent(op.key, (key, current) -> current.sequence() <= seq ? null : current);
    long[] retry = retrying.get(op.key);
    if (retry != null) {
      if (retry[0] == seq) {
        retrying.remove(op.key); // the retry itself is settled: its pin (if any) goes
      } else if (seq > retry[0]) {
        retry[1] = Math.min(retry[1], op.record.index); // see "Pins" in the class comment
      }
    }
    metrics.resolved.increment();
    if (delivered) {
      metrics.delivered.increment();
    }
  }

  /** Delivers the batch. Returns false if the flusher was abandoned meanwhile. */
  private boolean deliver() {
    List<Op<K, V>> ops = batch;
    batch = new ArrayList<>(Math.min(batchSize, 1024));
    metrics.batches.increment();
    metrics.batchedOperations.add(ops.size());
    metrics.lastBatchSize.set(ops.size());

    List<Op<K, V>> replaced = new ArrayList<>();
    List<List<Op<K, V>>> groups = settings.coalesce() ? coalescedGroups(ops, replaced) : orderedGroups(ops);
    List<Op<K, V>> succeeded = new ArrayList<>(ops.size());
    Map<Op<K, V>, Throwable> failed = new LinkedHashMap<>();
    for (List<Op<K, V>> group : groups) {
      if (group.get(0).record.isDelete()) {
        deleteGroup(group, succeeded, failed);
      } else {
        writeGroup(group, succeeded, failed);
      }
    }
    synchronized (stateLock) {
      if (abandoned) {
        return false;
      }
      for (Op<K, V> op : replaced) {
        resolve(op, false);
      }
      for (Op<K, V> op : succeeded) {
        resolve(op, true);
      }
      for (Map.Entry<Op<K, V>, Throwable> f : failed.entrySet()) {
        handleFailure(f.getKey(), f.getValue());
      }
      checkpoint();
    }
    return true;
  }

  /**
   * Coalesced: one operation per key (the highest sequence; the rest go to {@code replaced}), so per-key order
   * cannot be broken and at most one {@code writeAll} and one {@code deleteAll} are needed.
   */
  private List<List<Op<K, V>>> coalescedGroups(List<Op<K, V>> ops, List<Op<K, V>> replaced) {
    Map<K, Op<K, V>> last = new LinkedHashMap<>();
    for (Op<K, V> op : ops) {
      Op<K, V> previous = last.get(op.key);
      if (previous == null || op.record.sequence > previous.record.sequence) {
        last.put(op.key, op);
        if (previous != null) {
          replaced.add(previous);
        }
      } else {
        replaced.add(op);
      }
    }
    List<Op<K, V>> writes = new ArrayList<>();
    List<Op<K, V>> deletes = new ArrayList<>();
    for (Op<K, V> op : last.values()) {
      (op.record.isDelete() ? deletes : writes).add(op);
    }
    List<List<Op<K, V>>> groups = new ArrayList<>(2);
    if (!writes.isEmpty()) {
      groups.add(writes);
    }
    if (!deletes.isEmpty()) {
      groups.add(deletes);
    }
    return groups;
  }

  /**
   * Not coalesced: every operation, in journal order, cut into runs of one kind with each key at most once per
   * run; so a put then a delete of one key reach the writer in that order, in two calls.
   */
  private List<List<Op<K, V>>> orderedGroups(List<Op<K, V>> ops) {
    List<List<Op<K, V>>> groups = new ArrayList<>();
    List<Op<K, V>> current = null;
    Set<K> keys = new HashSet<>();
    for (Op<K, V> op : ops) {
      if (current == null || current.get(0).record.isDelete() != op.record.isDelete() || !keys.add(op.key)) {
        current = new ArrayList<>();
        groups.add(current);
        keys.clear();
        keys.add(op.key);
      }
      current.add(op);
    }
    return groups;
  }

  private void writeGroup(List<Op<K, V>> group, List<Op<K, V>> succeeded, Map<Op<K, V>, Throwable> failed) {
    List<Cache.Entry<? extends K, ? extends V>> entries = new ArrayList<>(group.size());
    Map<Cache.Entry<? extends K, ? extends V>, Op<K, V>> byEntry = new IdentityHashMap<>(group.size() * 2);
    for (Op<K, V> op : group) {
      CacheEntry<K, V> entry = new CacheEntry<>(op.key, op.value);
      entries.add(entry);
      byEntry.put(entry, op);
    }
    Throwable error = callWriter(() -> writer.writeAll(entries));
    if (error == null) {
      succeeded.addAll(group);
      return;
    }
    // The JCache contract: what the writer left in the collection failed; the rest was written.
    Set<Object> left = Collections.newSetFromMap(new IdentityHashMap<>());
    left.addAll(entries);
    for (Map.Entry<Cache.Entry<? extends K, ? extends V>, Op<K, V>> e : byEntry.entrySet()) {
      if (left.contains(e.getKey())) {
        failed.put(e.getValue(), error);
      } else {
        succeeded.add(e.getValue());
      }
    }
  }

  private void deleteGroup(List<Op<K, V>> group, List<Op<K, V>> succeeded, Map<Op<K, V>, Throwable> failed) {
    List<K> keys = new ArrayList<>(group.size());
    Map<K, Op<K, V>> byKey = new HashMap<>(group.size() * 2);
    for (Op<K, V> op : group) {
      keys.add(op.key);
      byKey.put(op.key, op);
    }
    Throwable error = callWriter(() -> writer.deleteAll(keys));
    if (error == null) {
      succeeded.addAll(group);
      return;
    }
    Set<Object> left = new HashSet<>(keys);
    for (Map.Entry<K, Op<K, V>> e : byKey.entrySet()) {
      if (left.contains(e.getKey())) {
        failed.put(e.getValue(), error);
      } else {
        succeeded.add(e.getValue());
      }
    }
  }

  /** Runs one writer call, timing it; returns what it threw (null: success). VM errors propagate. */
  private Throwable callWriter(Runnable call) {
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

  /** After a failed attempt: drop it if replaced, else journal a retry, else dead-letter it. */
  private void handleFailure(Op<K, V> op, Throwable error) {
    metrics.failures.increment();
    if (superseded(op)) {
      resolve(op, false);
      return;
    }
    JournalRecord record = op.record;
    int attempts = record.attempts + 1;
    if (attempts >= settings.retry().maxAttempts()) {
      deadLetter(record, op, attempts, error);
      return;
    }
    long due = System.currentTimeMillis() + backoffMillis(attempts);
    long[] earlier = retrying.get(op.key);
    retrying.put(op.key, new long[] {record.sequence, earlier == null ? Long.MAX_VALUE : earlier[1]});
    try {
      journal.append(record.kind, record.sequence, record.createdMillis, attempts, due, record.key, record.value);
      metrics.retries.increment();
    } catch (RuntimeException | InternalError e) {
      // Keep it in memory with its original index: the checkpoint cannot pass it, so a restart retries it.
      LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "': cannot journal a retry in "
          + journal + " (" + e + "); keeping it in memory", e);
      waiting.add(new Op<>(new JournalRecord(record.kind, record.sequence, record.createdMillis, attempts, due,
          record.key, record.value, record.index), op.key, op.value));
      metrics.retries.increment();
    }
  }

  /** {@code initial-delay * 2^(attempts-1)}, at most {@code max-delay}. */
  long backoffMillis(int attempts) {
    long delay = settings.retry().initialDelay().toMillis();
    long max = settings.retry().maxDelay().toMillis();
    for (int i = 1; i < attempts && delay < max; i++) {
      delay = Math.min(max, delay * 2);
    }
    return Math.min(delay, max);
  }

  private void deadLetter(JournalRecord record, Op<K, V> op, int attempts, Throwable error) {
    try {
      deadLetters.append(record, attempts, error);
    } catch (RuntimeException | InternalError e) {
      LOG.log(System.Logger.Level.ERROR, "Write-behind of cache '" + cacheName + "': cannot write the dead-letter"
          + " journal " + deadLetters.directory() + " (" + e + "); the operation stays pending", e);
      if (op != null) {
        long[] earlier = retrying.get(op.key);
        retrying.put(op.key, new long[] {record.sequence, earlier == null ? Long.MAX_VALUE : earlier[1]});
        long due = System.currentTimeMillis() + settings.retry().maxDelay().toMillis();
        waiting.add(new Op<>(new JournalRecord(record.kind, record.sequence, record.createdMillis, attempts - 1,
            due, record.key, record.value, record.index), op.key, op.value));
        return;
      }
      throw e;
    }
    metrics.deadLetters.increment();
    String key = op == null ? "(unreadable key)" : abbreviate(String.valueOf(op.key));
    LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "' gave up on the "
        + (record.isDelete() ? "delete" : "put") + " of key " + key + " after " + attempts
        + " attempts and moved it to the dead-letter journal " + deadLetters.directory() + ": " + error);
    if (op != null) {
      resolve(op, false);
    } else {
      metrics.resolved.increment();
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /**
   * Records the lowest index that may be unresolved, if it moved, then deletes the cycle files below it. Also
   * refreshes the age of the oldest unresolved operation.
   */
  private void checkpoint() {
    long position = nextUnread;
    long oldest = Long.MAX_VALUE;
    for (Op<K, V> op : batch) {
      position = Math.min(position, op.record.index);
      oldest = Math.min(oldest, op.record.createdMillis);
    }
    for (Op<K, V> op : waiting) {
      position = Math.min(position, op.record.index);
      oldest = Math.min(oldest, op.record.createdMillis);
    }
    for (long[] retry : retrying.values()) {
      position = Math.min(position, retry[1]);
    }
    metrics.oldestMillis.set(oldest);
    if (position < 0 || position == recorded) {
      return;
    }
    try {
      checkpoint.write(position);
      recorded = position;
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "': cannot record the"
          + " delivered position in " + journal + " (" + e + "); a restart will deliver more again", e);
      return;
    }
    journal.deleteCyclesBelow(position);
  }

  /** One operation read from the journal, with its key and value rebuilt. */
  static final class Op<K, V> {
    final JournalRecord record;
    final K key;
    final V value;

    Op(JournalRecord record, K key, V value) {
      this.record = record;
      this.key = key;
      this.value = value;
    }

    @Override
    public String toString() {
      return (record.isDelete() ? "delete " : "put ") + key + " #" + record.sequence + " attempt "
          + (record.attempts + 1);
    }
  }
}

package io.goldylox.writebehind;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import javax.cache.integration.CacheWriter;

/**
 * A thread that calls the user's {@link CacheWriter} for one write-behind journal
 * ({@code goldylox-writebehind-<cache>-writer}, or {@code -writer-<i>} with {@code concurrency} above 1, each
 * for the keys that hash to it: see {@link WriterLanes}): it takes one batch at a time from the
 * {@link Flusher}, hands it to the {@link BatchWriter}, and hands the outcome back. While the writer works on one
 * batch, the flusher claims and decodes the next one (and builds its writer calls) and settles the one before, so
 * with a backlog the flusher's own cost (the pending index, decoding, the checkpoint) overlaps the writer's time
 * instead of adding to it, and the writer is called again as soon as it returns.
 *
 * <p>A lane calls the writer one call at a time, in the order the flusher handed it the batches. The flusher
 * hands a lane at most {@link Flusher#PIPELINE_DEPTH} batches that are not yet settled (the one in the writer and
 * the next), a key always goes to the same lane, and it is in at most one batch until that batch is
 * settled, so per-key order is kept.
 *
 * <h2>Threads</h2>
 * {@link #submit} and {@link #stop} are called by the flusher thread, {@link #abandon} by the thread closing the
 * journal, {@link #run} by the lane's own thread. A batch's slots go to the lane through the queue (its offer
 * happens-before its poll) and come back with the volatile write of {@link Batch#done}; until it has seen a batch
 * done the flusher writes none of the fields of its slots that the lane reads. The lane parks when it has nothing,
 * and is unparked by a submit; it unparks the flusher when a batch is done.
 */
final class WriterLane<K, V> implements Runnable {

  /** One batch of distinct keys on its way to the writer: prepared by the flusher, delivered by the lane. */
  static final class Batch<K, V> {
    /**
     * The slots whose values were decoded: what the writer gets, but for those the lane leaves out
     * ({@link #skipped}): it removes them from this list before the writer call.
     */
    final List<Backlog.Slot<K, V>> slots;
    /** The writer lane the batch's keys belong to. */
    final int lane;
    /**
     * Whether the batch was handed over while another was outstanding: the lane then checks for skips, if an
     * operation was appended since the claim.
     */
    boolean queuedBehind;
    /**
     * The journal's operation count when the flusher began claiming the batch's keys: if it has not moved by the
     * time the lane takes the batch, no key of it can have been written again since, and the lane skips the check.
     */
    long sequenceAtClaim;
    /** The writer calls of {@link #slots}, built by the flusher (again by the lane if it leaves slots out). */
    BatchWriter.Calls<K, V> calls;
    /** Set by the lane before {@link #done}: slots whose key was written again while the batch waited; or null. */
    List<Backlog.Slot<K, V>> skipped;
    /** Slots whose value could not be decoded (dead-lettered when the batch is settled), with why; or null. */
    Map<Backlog.Slot<K, V>, Throwable> undecodable;
    /** Set by the lane before {@link #done}: what the writer made of {@link #slots} (null when it was empty). */
    BatchWriter.Outcome<K, V> outcome;
    /** Set by the lane before {@link #done}: an error that must stop the flusher (a {@link VirtualMachineError}). */
    Throwable fatal;
    volatile boolean done;

    Batch(int lane, List<Backlog.Slot<K, V>> slots) {
      this.lane = lane;
      this.slots = slots;
    }

    void undecodable(Backlog.Slot<K, V> slot, Throwable error) {
      if (undecodable == null) {
        undecodable = new LinkedHashMap<>(); // slots compare by identity
      }
      undecodable.put(slot, error);
    }
  }

  private final BatchWriter<K, V> batchWriter;
  private final Backlog<K, V> backlog;
  /** The journal's operation count (see {@link Batch#sequenceAtClaim}). */
  private final java.util.concurrent.atomic.AtomicLong sequence;
  private final Thread thread;
  private volatile Thread flusher;
  /** Batches handed over and not yet taken by the lane, in the order handed over. */
  private final ConcurrentLinkedQueue<Batch<K, V>> queue = new ConcurrentLinkedQueue<>();
  private volatile boolean stopping;

  WriterLane(String threadName, BatchWriter<K, V> batchWriter, Backlog<K, V> backlog,
      java.util.concurrent.atomic.AtomicLong sequence) {
    this.batchWriter = batchWriter;
    this.backlog = backlog;
    this.sequence = sequence;
    this.thread = new Thread(this, threadName);
    thread.setDaemon(true);
  }

  /** Starts the lane; {@code flusherThread} is unparked whenever a batch is done. */
  void start(Thread flusherThread) {
    this.flusher = flusherThread;
    thread.start();
  }

  /** Queues {@code batch} for the writer (the flusher bounds how many are outstanding). Never blocks. */
  void submit(Batch<K, V> batch) {
    queue.offer(batch);
    LockSupport.unpark(thread);
  }

  /**
   * Lets the lane exit: at once if it is idle, else when the writer returns from the call it is in; a batch still
   * queued is not started (the flusher calls this when it exits: drained, or stopped by an error).
   */
  void stop() {
    stopping = true;
    LockSupport.unpark(thread);
  }

  /**
   * Close gave up on the flusher: the lane takes no further batch, and a writer call in progress is interrupted
   * (its outcome is dropped; what it held stays in the journal).
   */
  void abandon() {
    stopping = true;
    thread.interrupt();
  }

  /**
   * Waits for the lane's thread to end (after {@link #stop}): returns once it has, or when the calling thread is
   * interrupted (close() abandoning the flusher), with the interrupt flag set again.
   */
  void awaitExit() {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A batch that waited behind another: keys written again since the flusher claimed them are left out (once per
   * slot), so that the flusher delivers their newest operation next instead of the writer getting both. Returns
   * whether it left any out.
   */
  private boolean leaveOutSuperseded(Batch<K, V> batch) {
    List<Backlog.Slot<K, V>> kept = null;
    for (int i = 0; i < batch.slots.size(); i++) {
      Backlog.Slot<K, V> slot = batch.slots.get(i);
      if (backlog.supersededSinceClaim(slot)) {
        if (kept == null) {
          kept = new ArrayList<>(batch.slots.subList(0, i));
          batch.skipped = new ArrayList<>();
        }
        batch.skipped.add(slot);
      } else if (kept != null) {
        kept.add(slot);
      }
    }
    if (kept != null) {
      batch.slots.clear();
      batch.slots.addAll(kept);
      return true;
    }
    return false;
  }

  @Override
  public void run() {
    while (true) {
      // A writer may leave the interrupt flag set (it restored it after catching an interruption): it would make
      // every park return at once and every later writer call start interrupted. abandon() sets stopping first.
      Thread.interrupted();
      if (stopping) {
        return;
      }
      Batch<K, V> batch = queue.poll();
      if (batch == null) {
        LockSupport.park(this); // a submit or stop unparks; the permit covers one that came before the park
        continue;
      }
      if (stopping) {
        return; // abandoned (or stopped) meanwhile: the batch stays in the journal
      }
      try {
        // Only an operation appended since the claim can supersede a claimed one: a racing append that the count
        // does not show yet costs at most one extra writer entry (the key's newest operation is delivered next).
        if (batch.queuedBehind && sequence.get() != batch.sequenceAtClaim && leaveOutSuperseded(batch)) {
          batch.calls = batch.slots.isEmpty() ? null : new BatchWriter.Calls<>(batch.slots);
        }
        batch.outcome = batch.calls == null ? null : batchWriter.deliver(batch.calls);
      } catch (Throwable t) { // BatchWriter lets only VM errors through; the flusher rethrows it
        batch.fatal = t;
        stopping = true; // the flusher stops on it: no further batch goes to the writer
      }
      batch.done = true;
      // Every time, even with a batch queued: skipping it would leave a finished batch unsettled (its keys pending,
      // counted as lag, its failures not retried) for as long as the next writer call takes.
      LockSupport.unpark(flusher);
    }
  }
}

package io.goldylox.writebehind;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.Serializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.cache.integration.CacheWriter;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The flusher of one write-behind journal: decides what reaches the user's {@link CacheWriter}, in which batches,
 * and what is settled when the writer returns. The writer itself is called by its {@link WriterLanes} (one thread,
 * or {@code concurrency} threads over which keys are spread by hash), each a batch at a time; while a lane is in
 * the writer, the flusher prepares its next batch (claims, decodes) and settles the previous one, so with a
 * backlog the writer is called again as soon as it returns.
 *
 * <h2>Overview</h2>
 * Operations come into the {@link Backlog}, one slot per key, so with coalescing whatever is pending for a key
 * when the flusher comes to it reaches the writer as one entry: a backlog of N operations over K keys costs about
 * K writer entries. With coalescing they come from the callers: each key that becomes pending is handed over once
 * ({@link LiveIntake}), and the flusher takes the key's newest operation from the pending index when it delivers
 * it, so it never reads live records back from the journal. Without coalescing the flusher reads the journal with
 * its own tailer, in append order, up to {@link #readAhead} records ahead of its writer. A batch is up to
 * {@code batch-size} distinct keys, oldest first; it goes to the writer when it is full, when its oldest operation
 * has waited {@code max-delay}, or at close. The replay at open hands over the backlog it built, so replayed
 * records are read once.
 *
 * <p>A failed operation waits in memory for its retry (exponential backoff) without holding back other keys; a
 * later operation on its key replaces it at once, since that one carries the key's final state. After
 * {@code max-attempts} the operation goes to the dead-letter journal. Retries are not journaled: the failed
 * operation keeps the checkpoint at its own index until it is resolved, so a restart retries it (its attempts
 * counted afresh).
 *
 * <h2>What is durable</h2>
 * After the writer returned, the flusher records in the {@link Checkpoint} the lowest journal index that may
 * still be needed ({@link Backlog#oldestIndex()}, or the next unread record); at most every
 * {@link #CHECKPOINT_INTERVAL_NANOS}, and always when it runs out of work and at close. The next start replays
 * from there, so delivery is at-least-once: an operation delivered after the last checkpoint is delivered again.
 * Cycle files wholly below the checkpoint are deleted.
 *
 * <h2>Close</h2>
 * {@link #close} asks the flusher to read and deliver everything, without waiting for {@code max-delay}. Each
 * operation still waiting for a retry gets one last attempt then; an operation that fails during close stays in
 * the journal for the next start. So close ends when everything is delivered or has failed once, or at
 * {@code close-timeout}.
 *
 * <h2>Threads</h2>
 * Everything but the fields marked volatile/atomic is confined to the flusher thread, but for the batches handed to
 * the {@link WriterLane} (see there for what its thread reads while it holds one). Callers touch only
 * {@link #wake}. {@link #close} runs on the closing thread: it waits up to the close timeout for the flusher to
 * drain, then marks it abandoned under {@link #stateLock}. The flusher holds that lock whenever it touches
 * Chronicle, the checkpoint or clears delivered keys from the pending index, and never while it is parked, so once
 * abandoned it cannot touch a journal that is closed (or reopened by a new cache); it exits, and the lane exits when
 * the writer returns, its outcome dropped. (Claiming a key's newest operation before a delivery reads the pending index
 * outside that lock: harmless, since an abandoned journal's index is never reused.)
 */
final class Flusher<K, V> implements Runnable {

  private static final System.Logger LOG = System.getLogger(Flusher.class.getName());
  private static final int RUNNING = 0;
  private static final int IDLE = 1;
  private static final int FILLING = 2;
  private static final long NO_DEADLINE = Long.MAX_VALUE;
  /** The most often a busy flusher rewrites its checkpoint (a file write and a rename). */
  static final long CHECKPOINT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** The fewest records (keys, with coalescing) the flusher reads ahead of its writer; more with large batches. */
  static final int MIN_READ_AHEAD = 1 << 17;
  /** Batches handed to the writer lane at a time: the one in the writer and the next. */
  static final int PIPELINE_DEPTH = 2;

  private final String cacheName;
  private final WriteBehindConfig settings;
  /** Decodes what is read back from the journal files: bytes from outside the process. */
  private final Serializer journalReader;
  private final ClassLoader loader;
  private final ChronicleJournal journal;
  private final DeadLetterJournal deadLetters;
  private final Checkpoint checkpoint;
  /**
   * What an append counts up (keys handed over with coalescing, the operation sequence without): a filling
   * flusher is woken once it moved by the batch's room.
   */
  private final AtomicLong arrivals;
  /** Null without coalescing: the flusher then reads the journal. */
  private final LiveIntake<K, V> intake;
  private final WriteBehindMetrics metrics;
  /** What happens to an operation the writer failed on, or that cannot be read: retries and dead letters. */
  private final FailedOperations<K, V> failures;
  /** Forms the batches: takes ready slots, claims their newest operations, decodes values. */
  private final BatchAssembler<K, V> assembler;
  /** The threads that call the writer (one per {@code concurrency}), each a batch at a time, and their batches. */
  private final WriterLanes<K, V> lanes;
  private final int batchSize;
  private final long maxDelayMillis;
  /** The most records the backlog holds before the flusher stops reading (memory; the journal holds the rest). */
  private final int readAhead;
  /** The writer lanes' hold-off during a writer outage (flusher thread only). */
  private final WriterHoldOff holdOff;
  private final Thread thread;

  /** What the flusher does when it parks: decides whether an append must unpark it. */
  private final AtomicInteger mode = new AtomicInteger(RUNNING);
  /** The caller sequence when the flusher started waiting for a batch to fill. */
  private volatile long batchStartSequence;
  private volatile boolean closing;
  private volatile Throwable failure;
  /** Rounds of {@link #step}: written by the flusher thread only, read by tests. */
  private volatile long rounds;
  private final CountDownLatch exited = new CountDownLatch(1);
  private final Object stateLock = new Object();
  /** Guarded by stateLock: set when close() gave up waiting; the flusher then touches nothing any more. */
  private boolean abandoned;

  // Flusher thread only (handed over by the opening thread through Thread.start()).
  private ExcerptTailer tailer;
  private final Backlog<K, V> backlog;
  private List<JournalRecord> unreadable;
  /** Index just after the last record read; before any read, the replay's (-1: the start). */
  private long nextUnread;
  private long recorded;
  private int recordedCycle = Integer.MIN_VALUE;
  private long lastCheckpointNanos;
  private boolean lastAttemptsGiven;

  Flusher(String cacheName, WriteBehindConfig settings, CacheWriter<K, V> writer, Serializer serializer,
      Serializer journalReader,
      ClassLoader loader, ChronicleJournal journal, DeadLetterJournal deadLetters, Checkpoint checkpoint,
      AtomicLong sequence, LiveIntake<K, V> intake, WriteBehindMetrics metrics, long checkpointed,
      Replay<K, V> replay) {
    this.cacheName = cacheName;
    this.settings = settings;
    this.journalReader = journalReader;
    this.loader = loader;
    this.journal = journal;
    this.deadLetters = deadLetters;
    this.checkpoint = checkpoint;
    this.intake = intake;
    this.arrivals = intake != null ? intake.handedOff() : sequence;
    this.metrics = metrics;
    this.backlog = replay.backlog;
    this.failures = new FailedOperations<>(cacheName, settings.retry(), backlog, deadLetters, metrics);
    this.assembler = new BatchAssembler<>(backlog, intake != null, settings.batchSize(), serializer, journalReader,
        loader, sequence);
    this.lanes = new WriterLanes<>(cacheName, settings.concurrency(), () -> new BatchWriter<>(writer, metrics),
        backlog, sequence);
    this.batchSize = settings.batchSize();
    this.maxDelayMillis = settings.maxDelay().toMillis();
    this.readAhead = (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_READ_AHEAD, 64L * batchSize));
    this.holdOff = new WriterHoldOff(settings.concurrency(), settings.retry());
    this.unreadable = replay.unreadable.isEmpty() ? null : replay.unreadable;
    this.nextUnread = replay.nextUnread;
    this.recorded = checkpointed;
    this.thread = new Thread(this, "goldylox-writebehind-" + cacheName);
    thread.setDaemon(true);
  }

  void start() {
    lanes.start(thread);
    try {
      thread.start();
    } catch (RuntimeException | Error e) {
      lanes.stop();
      throw e;
    }
  }

  /**
   * Called by a caller after it appended an operation with {@code callerSequence}: unparks the flusher if it
   * sleeps with nothing to do, or waits for a batch that may now be full. Never blocks.
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

  /** Rounds of {@link #step} so far (for tests: how often the flusher woke up). */
  long rounds() {
    return rounds;
  }

  /** The error that stopped the flusher, or null while it runs. */
  Throwable failure() {
    return failure;
  }

  /**
   * Asks the flusher to deliver everything (see Close in the class comment), and waits up to
   * {@code timeoutNanos} for it ({@link WriteBehindConfig#UNBOUNDED_CLOSE} or more: without a bound). Returns
   * whether it finished; if not, it is abandoned and interrupted, and what it held stays in the journal.
   */
  boolean close(long timeoutNanos) {
    closing = true;
    LockSupport.unpark(thread);
    boolean finished;
    try {
      if (timeoutNanos >= WriteBehindConfig.UNBOUNDED_CLOSE.toNanos()) {
        exited.await();
        finished = true;
      } else {
        finished = exited.await(timeoutNanos, TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finished = false;
    }
    if (!finished) {
      synchronized (stateLock) {
        abandoned = true;
        checkpoint.close(); // the flusher touches it only under this lock, and never again now
        failures.reportUnlogged(); // likewise: the flusher uses it only under this lock
      }
      thread.interrupt();
      lanes.abandon();
    }
    return finished;
  }

  @Override
  public void run() {
    metrics.flusherStartNanos.set(System.nanoTime());
    try {
      synchronized (stateLock) {
        if (abandoned) {
          return;
        }
        if (intake == null) {
          tailer = journal.tailerAt(nextUnread);
        }
        if (unreadable != null) {
          for (JournalRecord record : unreadable) {
            failures.deadLetterUnreadable(record);
          }
          unreadable = null;
        }
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
      boolean wasAbandoned;
      synchronized (stateLock) {
        wasAbandoned = abandoned;
        if (!abandoned) {
          if (tailer != null) {
            tailer.close();
          }
          checkpoint.close();
          failures.reportUnlogged();
        }
      }
      lanes.stop(); // a batch still in flight (the flusher failed) finishes its writer call first
      if (!wasAbandoned) {
        // So that no writer call outlives a close() that returned normally (the journal then closes the writer):
        // at once when drained; after the call in progress when the flusher failed. If close() gives up waiting
        // meanwhile, it abandons the flusher and interrupts it, which ends this wait.
        lanes.awaitExit();
      }
      metrics.flusherStopNanos.set(System.nanoTime());
      exited.countDown();
    }
  }

  /**
   * One round: read; settle a batch the writer finished; hand the writer lane a ready batch while it has fewer
   * than {@link #PIPELINE_DEPTH}; or park. Returns false when the flusher must stop.
   */
  private boolean step() {
    rounds++;
    mode.set(RUNNING);
    boolean closingNow = closing;
    synchronized (stateLock) {
      if (abandoned) {
        return false;
      }
      fill();
      failures.reportIfDue(); // the summary of dead letters without a line of their own, once their minute is over
    }
    metrics.oldestMillis.set(backlog.oldestCreatedMillis());
    if (closingNow && !lastAttemptsGiven) {
      backlog.releaseAll(); // every operation waiting for a retry gets one last attempt now
      lastAttemptsGiven = true;
    }
    WriterLane.Batch<K, V> finished = lanes.takeDone();
    if (finished != null && finished.fatal != null) {
      sneakyThrow(finished.fatal); // before any lane is handed another batch: the flusher stops on it
    }
    if (finished != null) {
      // The lane gets its next batch before this one is settled (its keys are still in flight, so none of them is
      // in the new batch): settling, with its checkpoint write, then overlaps two writer calls, not one.
      if (!WriterHoldOff.failedWhole(finished) && batchDue(finished.lane, closingNow)) {
        submit(assembler.prepare(finished.lane));
      }
      if (!settle(finished)) {
        return false;
      }
      // On to the other lanes in the same round: with a fast lane there is a finished batch every round, and
      // lanes with room would otherwise wait for a round without one.
    }
    boolean submitted = false;
    int ready = backlog.readyCount();
    // Of the lanes with room: the most ready slots one of them has (the fill that wakes a filling flusher is counted
    // against it, since a batch is due when one lane alone has batch-size), whether one is idle (nothing ready and
    // no batch), and the earliest max-delay deadline among them.
    int mostReadyWithRoom = 0;
    boolean idleLane = false;
    long batchDueMillis = Long.MAX_VALUE;
    for (int lane = 0; lane < lanes.count(); lane++) {
      if (batchDue(lane, closingNow)) {
        submit(assembler.prepare(lane));
        submitted = true;
      } else if (hasRoom(lane, closingNow)) {
        int laneReady = backlog.readyCount(lane);
        long heldUntil = closingNow ? 0 : holdOff.heldUntilMillis(lane);
        boolean held = heldUntil > System.currentTimeMillis();
        if (!held) {
          mostReadyWithRoom = Math.max(mostReadyWithRoom, laneReady); // a held lane's fill wakes nobody early
        }
        idleLane |= laneReady == 0 && lanes.isIdle(lane);
        // A held lane with work looks again when its hold ends (its batch may have filled meanwhile, and the
        // appends that filled it woke nobody), then waits for max-delay as any lane.
        long due = saturatedAdd(backlog.nextReadyCreatedMillis(lane), maxDelayMillis);
        batchDueMillis = Math.min(batchDueMillis, held ? (laneReady > 0 ? heldUntil : Long.MAX_VALUE) : due);
      }
    }
    if (submitted || finished != null) {
      return true;
    }
    boolean inFlight = !lanes.isEmpty();
    if (ready == 0 && !inFlight) {
      synchronized (stateLock) {
        if (abandoned) {
          return false;
        }
        checkpoint(true);
      }
      if (closingNow) {
        return false; // drained: nothing left to read and nothing ready; what failed during close stays
      }
    }
    // Wake for a batch that fills or falls due in a lane with room, for a due retry, or for a lane to finish one.
    // And for the summary of dead letters when it falls due: this round made it if it was due (reportIfDue above),
    // so the time is in the future or there is none. Read without the lock: only this thread writes it while the
    // flusher runs (close() only once it gave up).
    long wakeAtMillis = Math.min(Math.min(batchDueMillis, backlog.nextDueMillis()), failures.summaryDueMillis());
    if (inFlight && idleLane) {
      // Another lane is in the writer, so the flusher is filling: a lone append to an idle lane does not wake it,
      // and no finished batch may come for long (a slow writer call). Look again within max-delay, so that lane's
      // first operation is not late. (With one lane this never applies: its lane is the one in the writer.)
      wakeAtMillis = Math.min(wakeAtMillis, saturatedAdd(System.currentTimeMillis(), Math.max(1L, maxDelayMillis)));
    }
    // An append wakes a filling flusher once this many operations arrived since it started waiting, counting the
    // most ready slots of a lane with room (those of full lanes do not count, so appends do not unpark it one after
    // another for a batch it cannot hand over).
    batchStartSequence = arrivals.get() - mostReadyWithRoom;
    mode.set(ready == 0 && !inFlight ? IDLE : FILLING);
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
    if (inFlight ? lanes.anyDone() : closing) {
      return true; // the writer finished a batch (settle it), or close began since this round read it (drain now)
    }
    Thread.interrupted(); // a stray interrupt would make every park return at once
    // Waiting for the writer is busy time; only a flusher with nothing in flight is idle while it parks.
    if (!inFlight) {
      metrics.parkStarted(System.nanoTime());
    }
    if (wakeAtMillis == Long.MAX_VALUE) {
      LockSupport.park(this);
    } else {
      long millis = wakeAtMillis - System.currentTimeMillis();
      if (millis > 0) {
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(millis));
      }
    }
    if (!inFlight) {
      metrics.parkEnded(System.nanoTime());
    }
    return true;
  }

  /**
   * Whether a batch should go to writer lane {@code lane} now: it has room, and a full batch of its keys is ready,
   * or its oldest ready operation has waited {@code max-delay}, or close asks for everything.
   */
  private boolean batchDue(int lane, boolean closingNow) {
    int ready = backlog.readyCount(lane);
    if (ready == 0 || !hasRoom(lane, closingNow)) {
      return false;
    }
    if (!closingNow && holdOff.heldUntilMillis(lane) > System.currentTimeMillis()) {
      return false; // the writer failed this lane's last batches whole: wait out the backoff
    }
    return ready >= batchSize || closingNow
        || System.currentTimeMillis() >= saturatedAdd(backlog.nextReadyCreatedMillis(lane), maxDelayMillis);
  }

  /**
   * Whether writer lane {@code lane} may take one more batch: it has fewer than {@link #PIPELINE_DEPTH}, or, in a
   * writer outage ({@link WriterHoldOff#inOutage}), none (but during close).
   */
  private boolean hasRoom(int lane, boolean closingNow) {
    return lanes.hasRoom(lane) && (closingNow || !holdOff.inOutage(lane) || lanes.isIdle(lane));
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * Takes the keys callers handed over (with coalescing) or reads records (up to the read-ahead) into the backlog,
   * and makes due retries ready. Returns how many.
   */
  private int fill() {
    if (intake != null) {
      int taken = intake.drainTo(backlog);
      nextUnread = intake.bound(); // every record below it is in the backlog or resolved
      long folded = backlog.takeFolded();
      if (folded > 0) {
        metrics.coalesced.add(folded);
      }
      return taken + backlog.releaseDue(System.currentTimeMillis());
    }
    int taken = 0;
    while (backlog.records() < readAhead) {
      JournalRecord record;
      try (DocumentContext dc = tailer.readingDocument()) {
        if (!dc.isPresent()) {
          break;
        }
        record = JournalRecord.read(dc.wire().bytes(), dc.index(), journal);
      }
      nextUnread = record.index + 1;
      taken++;
      K key;
      try {
        key = decodeKey(record);
      } catch (RuntimeException e) {
        failures.deadLetterUnreadable(record);
        continue;
      }
      backlog.add(record, key);
    }
    long folded = backlog.takeFolded();
    if (folded > 0) {
      metrics.coalesced.add(folded);
    }
    return taken + backlog.releaseDue(System.currentTimeMillis());
  }

  @SuppressWarnings("unchecked")
  private K decodeKey(JournalRecord record) {
    return (K) journalReader.deserialize(record.key, loader);
  }

  /** Hands a prepared batch to its writer lane (which has room). */
  private void submit(WriterLane.Batch<K, V> batch) {
    lanes.submit(batch, intake != null);
  }

  /**
   * Settles a batch the writer lane finished: resolves what was written, handles what failed, dead-letters what
   * could not be decoded, and moves the checkpoint. Returns false if the flusher was abandoned meanwhile.
   */
  private boolean settle(WriterLane.Batch<K, V> batch) {
    if (batch.fatal != null) {
      sneakyThrow(batch.fatal);
    }
    BatchWriter.Outcome<K, V> outcome = batch.outcome;
    synchronized (stateLock) {
      if (abandoned) {
        return false;
      }
      if (batch.skipped != null) {
        for (int i = batch.skipped.size() - 1; i >= 0; i--) { // back in front, in their order
          backlog.requeueSkipped(batch.skipped.get(i));
        }
      }
      if (batch.undecodable != null) {
        for (Map.Entry<Backlog.Slot<K, V>, Throwable> u : batch.undecodable.entrySet()) {
          failures.deadLetter(u.getKey(), u.getKey().attempts + 1, u.getValue(), closing);
        }
      }
      if (outcome != null) {
        long delivered = 0;
        for (Backlog.Slot<K, V> slot : outcome.succeeded) {
          delivered += backlog.resolve(slot);
        }
        metrics.resolved.add(delivered);
        metrics.delivered.add(delivered);
        holdOff.settled(batch, failures); // before the failures are handled, which count their attempts
        for (Map.Entry<Backlog.Slot<K, V>, Throwable> f : outcome.failed.entrySet()) {
          failures.handle(f.getKey(), f.getValue(), closing);
        }
      }
      checkpoint(false);
    }
    metrics.noteDelivery(System.nanoTime());
    return true;
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
    throw (T) t;
  }

  /**
   * Records the lowest index that may still be needed, if it moved and the last record is old enough (or
   * {@code now}), then deletes the cycle files below it once it entered a new cycle. Also refreshes the age of
   * the oldest unresolved operation and ends a max-lag episode.
   */
  private void checkpoint(boolean now) {
    metrics.oldestMillis.set(backlog.oldestCreatedMillis());
    metrics.endLagEpisodeIfBelow(settings.maxLag(), LOG, cacheName, journal);
    long position = Math.min(nextUnread, backlog.oldestIndex());
    if (position < 0 || position == recorded) {
      return;
    }
    long nanos = System.nanoTime();
    if (!now && !closing && nanos - lastCheckpointNanos < CHECKPOINT_INTERVAL_NANOS) {
      return;
    }
    try {
      checkpoint.write(position);
      recorded = position;
      lastCheckpointNanos = nanos;
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "': cannot record the"
          + " delivered position in " + journal + " (" + e + "); a restart will deliver more again", e);
      return;
    }
    int cycle = journal.cycleOf(position);
    if (cycle != recordedCycle) {
      journal.deleteCyclesBelow(position);
      recordedCycle = cycle;
    }
  }
}

package io.goldylox.writebehind;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@link WriterLane}s of one journal ({@code write-behind.concurrency} of them) and the batches each holds. A
 * key belongs to one lane ({@link Backlog#laneOf}), so its operations reach the writer through one thread, in
 * order; each lane holds at most {@link Flusher#PIPELINE_DEPTH} batches that are not settled yet.
 *
 * <p>Threads: everything but {@link #abandon} is called by the flusher thread (the outstanding lists are its own);
 * {@link #abandon} by the thread closing the journal.
 */
final class WriterLanes<K, V> {

  private final WriterLane<K, V>[] lanes;
  /** Per lane: the batches handed over and not settled yet, in the order handed over. Flusher thread only. */
  private final List<List<WriterLane.Batch<K, V>>> outstanding;
  private int outstandingTotal;
  /** The lane {@link #takeDone} looks at first. */
  private int nextDone;

  @SuppressWarnings("unchecked")
  WriterLanes(String cacheName, int count, java.util.function.Supplier<BatchWriter<K, V>> batchWriters,
      Backlog<K, V> backlog, java.util.concurrent.atomic.AtomicLong sequence) {
    lanes = new WriterLane[count];
    outstanding = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String name = "goldylox-writebehind-" + cacheName + "-writer" + (count == 1 ? "" : "-" + i);
      lanes[i] = new WriterLane<>(name, batchWriters.get(), backlog, sequence);
      outstanding.add(new ArrayList<>(Flusher.PIPELINE_DEPTH));
    }
  }

  /** Starts every lane; if one cannot start, those started are stopped and the error is thrown. */
  void start(Thread flusher) {
    try {
      for (WriterLane<K, V> lane : lanes) {
        lane.start(flusher);
      }
    } catch (RuntimeException | Error e) {
      stop();
      throw e;
    }
  }

  int count() {
    return lanes.length;
  }

  /** Whether lane {@code lane} can take another batch. */
  boolean hasRoom(int lane) {
    return outstanding.get(lane).size() < Flusher.PIPELINE_DEPTH;
  }

  /** Whether lane {@code lane} holds no batch. */
  boolean isIdle(int lane) {
    return outstanding.get(lane).isEmpty();
  }

  /** Whether any batch is outstanding. */
  boolean isEmpty() {
    return outstandingTotal == 0;
  }

  /**
   * Hands {@code batch} to its lane, which must have room. A batch queued behind another of its lane is checked by
   * the lane for keys written again meanwhile ({@code coalescing}: see {@link Backlog#supersededSinceClaim}).
   */
  void submit(WriterLane.Batch<K, V> batch, boolean coalescing) {
    List<WriterLane.Batch<K, V>> held = outstanding.get(batch.lane);
    batch.queuedBehind = coalescing && !held.isEmpty();
    held.add(batch);
    outstandingTotal++;
    lanes[batch.lane].submit(batch);
  }

  /**
   * An outstanding batch the writer finished, taken out, or null: the oldest of the first lane that has one,
   * starting after the lane of the last one taken, so that a fast lane does not keep the others' finished batches
   * waiting.
   */
  WriterLane.Batch<K, V> takeDone() {
    for (int n = 0; n < lanes.length; n++) {
      int lane = (nextDone + n) % lanes.length;
      List<WriterLane.Batch<K, V>> held = outstanding.get(lane);
      for (int i = 0; i < held.size(); i++) {
        WriterLane.Batch<K, V> batch = held.get(i);
        if (batch.done) {
          held.remove(i);
          outstandingTotal--;
          nextDone = (lane + 1) % lanes.length;
          return batch;
        }
      }
    }
    return null;
  }

  /** Whether an outstanding batch is done (without taking it). */
  boolean anyDone() {
    for (List<WriterLane.Batch<K, V>> held : outstanding) {
      for (WriterLane.Batch<K, V> batch : held) {
        if (batch.done) {
          return true;
        }
      }
    }
    return false;
  }

  /** Lets every lane exit (see {@link WriterLane#stop}). */
  void stop() {
    for (WriterLane<K, V> lane : lanes) {
      lane.stop();
    }
  }

  /** Waits for every lane's thread to end, or until the calling thread is interrupted. */
  void awaitExit() {
    for (WriterLane<K, V> lane : lanes) {
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
      lane.awaitExit();
    }
  }

  /** Close gave up on the flusher: see {@link WriterLane#abandon}. */
  void abandon() {
    for (WriterLane<K, V> lane : lanes) {
      lane.abandon();
    }
  }
}

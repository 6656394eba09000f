package io.goldylox.event;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Delivery of one asynchronous listener's events, in per-key order, off the mutating thread.
 *
 * <h2>Overview</h2>
 * Events are spread by key hash over a fixed number of lanes. A lane is a lock-free FIFO queue plus a
 * "scheduled" flag. The mutating thread appends the event (inside the key's atomic step, so the order of
 * appends for one key is the order of its changes) and, if the lane was idle, submits the lane to the manager's
 * async executor. The lane then delivers its events one by one on a worker and gives the worker back when it is
 * empty (or after {@value #BATCH} events, re-submitting itself, so one busy lane cannot keep a worker forever).
 * One key always maps to one lane, and a lane is drained by at most one worker at a time, so events of one key
 * arrive in order; different lanes, and different listeners, are delivered in parallel. No thread is held
 * while a lane waits for work.
 *
 * <h2>Bound</h2>
 * At most {@link Settings#maxPending} events may wait, over all lanes. Beyond that an event is dropped: the
 * mutating operation never waits for a slow listener. Every drop is counted ({@link #droppedEvents()}) and
 * logged (at most once a second), so a drop is never silent. Listener exceptions are counted and logged; they
 * never reach the mutating thread, as the spec wants for asynchronous listeners.
 */
final class AsyncLanes {

  private static final int LANES = 8;
  private static final int BATCH = 256;
  private static final System.Logger LOG = System.getLogger(AsyncLanes.class.getName());

  /** Where lanes run and how many events may wait. */
  static final class Settings {
    final Executor executor;
    final long maxPending;

    Settings(Executor executor, long maxPending) {
      this.executor = executor;
      this.maxPending = maxPending;
    }
  }

  private final Settings settings;
  private final Consumer<GoldyloxCacheEntryEvent<?, ?>> deliver;
  private final Lane[] lanes = new Lane[LANES];
  private final AtomicLong pending = new AtomicLong();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final AtomicLong lastDropLogMillis = new AtomicLong();
  private volatile boolean closed;

  @SuppressWarnings("unchecked")
  <K, V> AsyncLanes(Settings settings, Consumer<GoldyloxCacheEntryEvent<K, V>> deliver) {
    this.settings = settings;
    this.deliver = (Consumer<GoldyloxCacheEntryEvent<?, ?>>) (Consumer<?>) deliver;
    for (int i = 0; i < LANES; i++) {
      lanes[i] = new Lane();
    }
  }

  /** Queues {@code event} for delivery; never blocks. */
  void enqueue(GoldyloxCacheEntryEvent<?, ?> event) {
    if (closed) {
      return;
    }
    if (pending.incrementAndGet() > settings.maxPending) {
      pending.decrementAndGet();
      dropped.increment();
      long now = System.currentTimeMillis();
      long last = lastDropLogMillis.get();
      if (now - last >= 1_000 && lastDropLogMillis.compareAndSet(last, now)) {
        LOG.log(System.Logger.Level.WARNING, "An asynchronous cache listener is " + settings.maxPending
            + " events behind; dropping events (" + dropped.sum() + " dropped so far)");
      }
      return;
    }
    int h = event.getKey().hashCode();
    h ^= (h >>> 16);
    lanes[h & (LANES - 1)].offer(event);
  }

  /** Events queued and not yet delivered. */
  long pendingEvents() {
    return pending.get();
  }

  /** Events dropped because {@link Settings#maxPending} were already waiting. */
  long droppedEvents() {
    return dropped.sum();
  }

  /** Events whose delivery threw. */
  long failedDeliveries() {
    return failures.sum();
  }

  /** Stops delivery: queued events are discarded. */
  void close() {
    closed = true;
    for (Lane lane : lanes) {
      lane.queue.clear();
    }
    pending.set(0);
  }

  private final class Lane implements Runnable {
    final ConcurrentLinkedQueue<GoldyloxCacheEntryEvent<?, ?>> queue = new ConcurrentLinkedQueue<>();
    final AtomicBoolean scheduled = new AtomicBoolean();

    void offer(GoldyloxCacheEntryEvent<?, ?> event) {
      queue.offer(event);
      schedule();
    }

    private void schedule() {
      if (scheduled.compareAndSet(false, true)) {
        submit();
      }
    }

    private void submit() {
      try {
        settings.executor.execute(this);
      } catch (RejectedExecutionException e) {
        // The manager is closing: its caches are closed, so these events have nobody left to reach.
        scheduled.set(false);
      }
    }

    @Override
    public void run() {
      int delivered = 0;
      for (;;) {
        if (closed) {
          scheduled.set(false);
          return;
        }
        GoldyloxCacheEntryEvent<?, ?> event = queue.poll();
        if (event == null) {
          scheduled.set(false);
          // An offer may have slipped in between the empty poll and the flag reset: take it back if so.
          if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
            return;
          }
          continue;
        }
        try {
          deliver.accept(event);
        } catch (RuntimeException | Error e) {
          failures.increment();
          LOG.log(System.Logger.Level.WARNING, "An asynchronous cache listener threw on " + event, e);
        } finally {
          pending.decrementAndGet();
        }
        if (++delivered == BATCH) {
          submit(); // stay scheduled, but let other lanes have this worker
          return;
        }
      }
    }
  }
}

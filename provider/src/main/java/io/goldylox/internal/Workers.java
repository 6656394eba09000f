package io.goldylox.internal;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The background threads of one cache manager: an executor that delivers asynchronous listener events, one that
 * runs {@code loadAll}, and a one-thread timer for expiry sweeps.
 *
 * <p>Threads are daemons named {@code goldylox-<manager>-...}, started on first use and retired after
 * {@value #IDLE_SECONDS} idle seconds, so a manager whose caches have no asynchronous listeners and no expiry
 * runs no thread at all. Idle threads park in their queue and are woken by new work; the timer parks until its
 * next deadline. Nothing polls.
 *
 * <p>Event delivery gets a thread per busy listener lane (the executor hands each task to an idle thread or
 * starts one). The number of lanes is fixed per listener, so the thread count is bounded by
 * {@code listeners x lanes}; in exchange, a listener that blocks ties up only its own lanes' threads and never
 * starves another listener or a {@code loadAll}. Loads share max(2, cores) threads and queue beyond that; a
 * {@code loadAll} started by a synchronous listener or inside an atomic step runs on the event executor instead
 * (it must not queue behind loads waiting for that listener's delivery).
 *
 * <p>{@link #close()} interrupts running work, tells every queued {@link CancellableTask} that it will not run
 * (so a {@code loadAll} caller waiting on its {@code CompletionListener} is answered), and waits briefly for the
 * threads to end. It is called from {@code CacheManager.close()}, never from a cache operation.
 */
public final class Workers implements AutoCloseable {

  static final int IDLE_SECONDS = 30;
  /** The most asynchronous-view operations waiting for a thread. */
  public static final int ASYNC_QUEUE = 10_000;
  private static final System.Logger LOG = System.getLogger(Workers.class.getName());

  /** A queued task that must hear about it when it will never run. */
  public interface CancellableTask extends Runnable {
    /** Called instead of {@link #run()} when the workers close first. */
    void cancelled();
  }

  private final ThreadPoolExecutor events;
  private final ThreadPoolExecutor loads;
  private final ThreadPoolExecutor async;
  private final ScheduledThreadPoolExecutor timer;

  public Workers(String managerName) {
    events = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS, TimeUnit.SECONDS,
        new SynchronousQueue<>(), new NamedDaemons("goldylox-" + managerName + "-events-"));
    int loaders = Math.max(2, Runtime.getRuntime().availableProcessors());
    loads = new ThreadPoolExecutor(loaders, loaders, IDLE_SECONDS, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), new NamedDaemons("goldylox-" + managerName + "-loader-"));
    loads.allowCoreThreadTimeOut(true);
    // Runs the asynchronous view's operations that may wait on the network (a change over a remote tier, a load):
    // threads may block on a round trip, so more of them than cores; a bounded queue, and a full one fails the
    // operation's stage instead of piling up (see AsyncView).
    int asyncThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    async = new ThreadPoolExecutor(asyncThreads, asyncThreads, IDLE_SECONDS, TimeUnit.SECONDS,
        new java.util.concurrent.ArrayBlockingQueue<>(ASYNC_QUEUE), new NamedDaemons("goldylox-" + managerName
        + "-async-"));
    async.allowCoreThreadTimeOut(true);
    timer = new ScheduledThreadPoolExecutor(1, new NamedDaemons("goldylox-" + managerName + "-timer-"));
    timer.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** Delivers asynchronous listener events: at most one task per listener lane is ever submitted at once. */
  public Executor events() {
    return events;
  }

  /** Runs {@code loadAll}. */
  public Executor loads() {
    return loads;
  }

  /**
   * Runs the asynchronous view's operations that may wait (at most {@value #ASYNC_QUEUE} queued; past that,
   * {@code execute} throws {@link java.util.concurrent.RejectedExecutionException}).
   */
  public Executor async() {
    return async;
  }

  /** Schedules expiry sweeps. */
  public ScheduledExecutorService timer() {
    return timer;
  }

  @Override
  public void close() {
    cancel(events.shutdownNow());
    cancel(loads.shutdownNow());
    async.shutdownNow();
    timer.shutdownNow();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      boolean stopped = events.awaitTermination(2, TimeUnit.SECONDS)
          && loads.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
          && timer.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (!stopped) {
        LOG.log(System.Logger.Level.WARNING,
            "A Goldylox worker did not stop within 2 s of close(): a listener or loader ignores interrupts");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void cancel(List<Runnable> neverRun) {
    for (Runnable task : neverRun) {
      if (task instanceof CancellableTask) {
        try {
          ((CancellableTask) task).cancelled();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "Telling a cancelled task failed", e);
        }
      }
    }
  }

  /** Names threads and makes them daemons, so an application that forgets close() can still exit. */
  private static final class NamedDaemons implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger next = new AtomicInteger();

    NamedDaemons(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(task, prefix + next.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }
}

package io.goldylox.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The background threads of one cache manager: an executor for asynchronous listener delivery and
 * {@code loadAll}, and a one-thread timer for expiry sweeps.
 *
 * <p>Threads are daemons named {@code goldylox-<manager>-...}, started on first use and retired after
 * {@value #IDLE_SECONDS} idle seconds, so a manager whose caches have no asynchronous listeners and no expiry
 * runs no thread at all. Idle workers park inside their queue's {@code take()} and are woken by new work; the
 * timer parks until its next deadline. Nothing polls. {@link #close()} interrupts them and waits briefly for them
 * to end; it is called from {@code CacheManager.close()}, never from a cache operation.
 */
public final class Workers implements AutoCloseable {

  static final int IDLE_SECONDS = 30;
  private static final System.Logger LOG = System.getLogger(Workers.class.getName());

  private final ThreadPoolExecutor async;
  private final ScheduledThreadPoolExecutor timer;

  public Workers(String managerName) {
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    async = new ThreadPoolExecutor(threads, threads, IDLE_SECONDS, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), new NamedDaemons("goldylox-" + managerName + "-async-"),
        new ThreadPoolExecutor.AbortPolicy());
    async.allowCoreThreadTimeOut(true);
    timer = new ScheduledThreadPoolExecutor(1, new NamedDaemons("goldylox-" + managerName + "-timer-"));
    timer.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /**
   * Runs asynchronous listener delivery and {@code loadAll}. Its task queue holds at most one task per
   * listener lane plus one per pending {@code loadAll}; events themselves wait in the lanes, which are bounded.
   */
  public Executor async() {
    return async;
  }

  /** Schedules expiry sweeps. */
  public ScheduledExecutorService timer() {
    return timer;
  }

  /** Whether the workers were closed. */
  public boolean isShutdown() {
    return async.isShutdown();
  }

  @Override
  public void close() {
    async.shutdownNow();
    timer.shutdownNow();
    try {
      if (!async.awaitTermination(2, TimeUnit.SECONDS) || !timer.awaitTermination(2, TimeUnit.SECONDS)) {
        LOG.log(System.Logger.Level.WARNING,
            "A Goldylox worker did not stop within 2 s of close(): a listener or loader ignores interrupts");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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

package io.goldylox.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one body on N fresh threads released together by a start gate, and waits for all of them with a bound,
 * rethrowing the first failure. A body that hangs fails the test instead of hanging it.
 */
public final class Parallel {

  /** The work of thread number {@code index} (0-based). */
  @FunctionalInterface
  public interface Body {
    void run(int index) throws Exception;
  }

  private Parallel() {}

  public static void run(int threads, Duration limit, Body body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
      Thread thread = new Thread(task, "test-worker");
      thread.setDaemon(true);
      return thread;
    });
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int index = i;
        futures.add(pool.submit(() -> {
          start.await();
          body.run(index);
          return null;
        }));
      }
      start.countDown();
      long deadline = System.nanoTime() + limit.toNanos();
      for (Future<?> future : futures) {
        try {
          future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Exception) {
            throw (Exception) e.getCause();
          }
          throw e;
        } catch (TimeoutException e) {
          throw new AssertionError(threads + " threads did not finish within " + limit, e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}

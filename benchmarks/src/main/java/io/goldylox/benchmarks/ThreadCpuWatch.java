package io.goldylox.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Follows one thread's CPU time while it lives: a daemon reads it every millisecond and keeps the last value, so
 * it is known (to within a millisecond) after the thread ended, when the JVM no longer reports it. Used to tell a
 * background thread's own work from the time it was runnable but waited for a core. Benchmark-only.
 */
final class ThreadCpuWatch implements AutoCloseable {

  private final Thread watcher;
  private volatile long lastNanos;
  private volatile boolean stopped;

  private ThreadCpuWatch(long threadId) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    watcher = new Thread(() -> {
      while (!stopped) {
        long cpu = threads.getThreadCpuTime(threadId);
        if (cpu < 0) {
          return; // ended
        }
        lastNanos = cpu;
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "cpu-watch-" + threadId);
    watcher.setDaemon(true);
    watcher.start();
  }

  /** The ids of the threads alive now: what {@link #of} must not pick. */
  static java.util.Set<Long> threadIds() {
    java.util.Set<Long> ids = new java.util.HashSet<>();
    for (long id : ManagementFactory.getThreadMXBean().getAllThreadIds()) {
      ids.add(id);
    }
    return ids;
  }

  /**
   * Watches the live thread named {@code name} that is not among {@code before} (so a thread of the same name that
   * an earlier run left dying is not picked); fails when there is none.
   */
  static ThreadCpuWatch of(String name, java.util.Set<Long> before) {
    // Thread infos without stack traces: no safepoint (Thread.getAllStackTraces() stops every thread to walk its
    // stack, a pause the watched threads would count as busy time).
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().equals(name) && !before.contains(info.getThreadId())) {
        return new ThreadCpuWatch(info.getThreadId());
      }
    }
    throw new IllegalStateException("no new thread named " + name);
  }

  /** The thread's CPU time as last seen (nanoseconds). */
  long cpuNanos() {
    return lastNanos;
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    watcher.join();
  }
}

package io.goldylox.redis;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Renews the leases of the locks one store holds, every third of the lease, so that a step that takes longer than
 * {@code lock-lease} (a slow entry processor or write-through writer) keeps its key: no other node takes the key
 * and writes while the step's side effects run. A node that dies stops renewing, and its locks run out one lease
 * later. Callers add and remove locks (a concurrent set); a daemon thread {@code goldylox-redis-lease-<prefix>}
 * sends the renewals asynchronously (it never waits for Redis) and is parked between rounds; {@link #close} stops
 * it.
 */
final class LeaseKeeper {

  private final Set<RedisRemoteStore.RedisLock> held = ConcurrentHashMap.newKeySet();
  private final ScheduledThreadPoolExecutor timer;

  LeaseKeeper(Duration lease, String prefix, Consumer<RedisRemoteStore.RedisLock> renew) {
    timer = new ScheduledThreadPoolExecutor(1, task -> {
      Thread thread = new Thread(task, "goldylox-redis-lease-" + prefix);
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
    long period = Math.max(1, lease.toMillis() / 3);
    timer.scheduleAtFixedRate(() -> held.forEach(renew), period, period, TimeUnit.MILLISECONDS);
  }

  void hold(RedisRemoteStore.RedisLock lock) {
    held.add(lock);
  }

  void release(RedisRemoteStore.RedisLock lock) {
    held.remove(lock);
  }

  void close() {
    held.clear();
    timer.shutdownNow();
  }
}

package io.goldylox.redis;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Renews the leases of the locks one store holds, every third of the lease, so that a step that takes longer than
 * {@code lock-lease} (a slow entry processor or write-through writer) keeps its key: no other node takes the key
 * and writes while the step's side effects run. A node that dies stops renewing, and its locks run out one lease
 * later. Callers add and remove locks (a concurrent set); the store's timer thread sends the renewals
 * asynchronously (it never waits for Redis).
 */
final class LeaseKeeper {

  private final Set<RedisRemoteStore.RedisLock> held = ConcurrentHashMap.newKeySet();

  LeaseKeeper(Duration lease, ScheduledExecutorService timer, Consumer<RedisRemoteStore.RedisLock> renew) {
    long period = Math.max(1, lease.toMillis() / 3);
    timer.scheduleAtFixedRate(() -> held.forEach(renew), period, period, TimeUnit.MILLISECONDS);
  }

  void hold(RedisRemoteStore.RedisLock lock) {
    held.add(lock);
  }

  void release(RedisRemoteStore.RedisLock lock) {
    held.remove(lock);
  }
}

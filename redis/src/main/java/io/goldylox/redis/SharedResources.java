package io.goldylox.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The Lettuce {@link ClientResources} (event loops, timer, reconnect delay) shared by every open
 * {@link RedisRemoteStore} of the JVM: two I/O threads and two computation threads however many caches there are.
 * Reference-counted: created by the first store that opens, shut down when the last one closes (or fails to open),
 * so that no {@code lettuce-*} thread outlives the stores.
 *
 * <p>Threads: the opening and closing threads of stores; the monitor only guards the count, the (bounded) shutdown
 * happens outside it.
 */
final class SharedResources {

  private static final System.Logger LOG = System.getLogger(SharedResources.class.getName());
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  private static ClientResources current;
  private static int users;

  private SharedResources() {}

  static synchronized ClientResources acquire() {
    if (current == null) {
      current = DefaultClientResources.builder()
          .ioThreadPoolSize(2)
          .computationThreadPoolSize(2)
          // Reconnect soon after an outage, and keep trying at least every second (with jitter, so a fleet of
          // nodes does not reconnect in lockstep); Lettuce's default backs off up to 30 s.
          .reconnectDelay(Delay.fullJitter(Duration.ofMillis(10), Duration.ofSeconds(1), 20, TimeUnit.MILLISECONDS))
          .build();
    }
    users++;
    return current;
  }

  static void release(ClientResources resources) {
    ClientResources last = null;
    synchronized (SharedResources.class) {
      if (resources != current) {
        return;
      }
      if (--users == 0) {
        last = current;
        current = null;
      }
    }
    if (last != null) {
      try {
        last.shutdown(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .await(SHUTDOWN_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "Shutting down Lettuce's resources failed", e);
      }
    }
  }
}

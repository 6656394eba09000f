package io.goldylox.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.TestManagers;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryUpdatedListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Synchronous listeners and entry processors that change other keys while other threads change the same keys:
 * the per-key order of synchronous events must not close a cycle of waits (a delivery made inside a step or
 * another delivery does not wait for the key's earlier events, {@link Nesting}). Each test fails by a worker
 * still running after the join's timeout (a deadlock), or by an exception in a worker.
 */
class SyncListenerNestingTest {

  private static final int ROUNDS = 20_000;

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  /**
   * On an event of key {@code from} with a negative value, puts it into key {@code to}; other events it ignores
   * (an entry processor's own put of a positive value must not come back to the processor's key, which JCache
   * forbids).
   */
  static final class Forwarder implements CacheEntryCreatedListener<Integer, Integer>,
      CacheEntryUpdatedListener<Integer, Integer>, Serializable {
    private static final long serialVersionUID = 1L;
    final int from;
    final int to;
    transient volatile Cache<Integer, Integer> cache;

    Forwarder(int from, int to) {
      this.from = from;
      this.to = to;
    }

    private void forward(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends Integer> event : events) {
        if (event.getKey() == from && event.getValue() < 0) {
          cache.put(to, event.getValue());
        }
      }
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      forward(events);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      forward(events);
    }
  }

  private Cache<Integer, Integer> cacheWith(String name, Forwarder forwarder) {
    Cache<Integer, Integer> cache = managers.newManager(name).createCache("c",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class));
    forwarder.cache = cache;
    @SuppressWarnings({"unchecked", "rawtypes"})
    MutableCacheEntryListenerConfiguration<Integer, Integer> configuration =
        new MutableCacheEntryListenerConfiguration<>((javax.cache.configuration.Factory)
            FactoryBuilder.factoryOf(forwarder), null, false, true);
    cache.registerCacheEntryListener(configuration);
    return cache;
  }

  private static void runTogether(Runnable first, Runnable second) throws InterruptedException {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread[] threads = {new Thread(first, "first"), new Thread(second, "second")};
    for (Thread thread : threads) {
      thread.setDaemon(true); // a deadlocked pair must not keep the test JVM alive
      thread.setUncaughtExceptionHandler((t, e) -> failure.compareAndSet(null, e));
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join(60_000);
      assertThat(thread.isAlive()).as("thread '%s' is stuck (a cycle of waits)", thread.getName()).isFalse();
    }
    assertThat(failure.get()).as("a worker failed").isNull();
  }

  /**
   * An entry processor of key 1 puts key 2 (delivering key 2's event inside key 1's step) while another thread
   * puts key 2, whose listener puts key 1: waiting there for the other thread's earlier event of key 2 would wait
   * for a thread that waits for key 1's lock.
   */
  @Test
  void anEntryProcessorThatPutsAnotherKeyDoesNotDeadlockWithThatKeysListener() throws Exception {
    Cache<Integer, Integer> cache = cacheWith("nesting-processor", new Forwarder(2, 1));
    runTogether(() -> {
      for (int i = 0; i < ROUNDS; i++) {
        int value = i + 1;
        cache.invoke(1, (entry, arguments) -> {
          entry.getValue();
          cache.put(2, value);
          return null;
        });
      }
    }, () -> {
      for (int i = 1; i <= ROUNDS; i++) {
        cache.put(2, -i);
      }
    });
    assertThat(cache.get(1)).isNotNull();
    assertThat(cache.unwrap(io.goldylox.cache.GoldyloxCache.class).events().orderWaitTimeouts())
        .as("deliveries that gave up waiting for the key's earlier events").isZero();
  }

  /**
   * A listener of key 1 puts key 2 while another thread puts both keys in one putAll (whose events are delivered
   * after both steps): the listener's put must not wait for the putAll's event of key 2, whose delivery waits for
   * the event of key 1 this thread is delivering.
   */
  @Test
  void aListenerThatPutsAnotherKeyDoesNotDeadlockWithAPutAllOfBoth() throws Exception {
    Cache<Integer, Integer> cache = cacheWith("nesting-putall", new Forwarder(1, 2));
    runTogether(() -> {
      for (int i = 1; i <= ROUNDS; i++) {
        cache.put(1, -i);
      }
    }, () -> {
      for (int i = 1; i <= ROUNDS; i++) {
        cache.putAll(Map.of(1, -i, 2, -i));
      }
    });
    assertThat(cache.get(2)).isNotNull();
    assertThat(cache.unwrap(io.goldylox.cache.GoldyloxCache.class).events().orderWaitTimeouts())
        .as("deliveries that gave up waiting for the key's earlier events").isZero();
  }
}

package io.goldylox.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.testing.TestManagers;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.cache.Cache;
import javax.cache.configuration.Factory;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CompletionListenerFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Edges of the per-key order of synchronous events: a listener waiting for its loadAll while the loader threads
 * are busy, a multi-key call that fails halfway, and listeners of different event types.
 */
class SyncListenerOrderEdgesTest {

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <K, V> MutableCacheEntryListenerConfiguration<K, V> sync(Object listener) {
    return new MutableCacheEntryListenerConfiguration<>(
        (Factory) FactoryBuilder.factoryOf((Serializable) listener), null, false, true);
  }

  // ---------------------------------------------------------------------------------------------------------
  // 1. A listener waiting for the future of its loadAll (of ANOTHER key), while the loader pool is busy with
  //    ordinary (ordered) loadAll tasks whose deliveries wait for that listener's ticket: a cycle over the
  //    bounded loader pool, which costs the 1 s bound.

  /** Loads "loaded k"; counts the loads of key 1. */
  static final class CountingLoader implements CacheLoader<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;
    transient volatile CountDownLatch loadsOfKey1;

    @Override
    public String load(Integer key) {
      if (key == 1) {
        loadsOfKey1.countDown();
      }
      return "loaded " + key;
    }

    @Override
    public Map<Integer, String> loadAll(Iterable<? extends Integer> keys) {
      Map<Integer, String> loaded = new HashMap<>();
      keys.forEach(key -> loaded.put(key, load(key)));
      return loaded;
    }
  }

  /** On CREATED of 1=a: waits until told, then loads key 2 and waits for that loadAll (as the README allows). */
  static final class LoadsOtherKey implements CacheEntryCreatedListener<Integer, String>,
      CacheEntryUpdatedListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;
    transient volatile Cache<Integer, String> cache;
    final transient CountDownLatch entered = new CountDownLatch(1);
    final transient CountDownLatch go = new CountDownLatch(1);
    final transient AtomicLong waitedMillis = new AtomicLong(-1);

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends String> event : events) {
        if (event.getKey() != 1) {
          continue;
        }
        entered.countDown();
        try {
          go.await(10, TimeUnit.SECONDS);
          long start = System.nanoTime();
          CompletionListenerFuture future = new CompletionListenerFuture();
          cache.loadAll(Set.of(2), false, future);
          future.get(20, TimeUnit.SECONDS);
          waitedMillis.set(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {}
  }

  @Test
  void aListenerWaitingForItsLoadAllOfAnotherKeyIsNotHeldUpByBusyLoaders() throws Exception {
    int loaders = Math.max(2, Runtime.getRuntime().availableProcessors()); // Workers' loader pool size
    CountingLoader loader = new CountingLoader();
    loader.loadsOfKey1 = new CountDownLatch(loaders);
    LoadsOtherKey listener = new LoadsOtherKey();
    @SuppressWarnings({"unchecked", "rawtypes"})
    MutableConfiguration<Integer, String> configuration = new MutableConfiguration<Integer, String>()
        .setTypes(Integer.class, String.class)
        .setCacheLoaderFactory((Factory) FactoryBuilder.factoryOf(loader));
    Cache<Integer, String> cache = managers.newManager("order-loaders").createCache("c", configuration);
    listener.cache = cache;
    cache.registerCacheEntryListener(sync(listener));

    Thread putter = new Thread(() -> cache.put(1, "a"));
    putter.start();
    assertThat(listener.entered.await(10, TimeUnit.SECONDS)).isTrue();
    // Plain callers (no listener among them) reload key 1: each loader thread ends up waiting for the put's ticket.
    for (int i = 0; i < loaders; i++) {
      cache.loadAll(Set.of(1), true, null);
    }
    assertThat(loader.loadsOfKey1.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(200); // into their steps and deliveries
    listener.go.countDown();
    putter.join(15_000);
    assertThat(putter.isAlive()).as("the put is stuck").isFalse();

    assertThat(cache.get(2)).isEqualTo("loaded 2");
    assertThat(cache.unwrap(GoldyloxCache.class).events().orderWaitTimeouts())
        .as("deliveries that gave up waiting (the listener waited %d ms for its loadAll)",
            listener.waitedMillis.get())
        .isZero();
  }

  // ---------------------------------------------------------------------------------------------------------
  // 2. A putAll that fails after its first step gives that step's ticket up: the change was made, but its event
  //    is lost, and the key's chain of tickets is cut, so a later change overtakes an earlier one still in
  //    delivery.

  /** Blocks in the CREATED call of key 1 until released. */
  static final class Gate implements CacheEntryCreatedListener<Object, String>,
      CacheEntryUpdatedListener<Object, String>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient CountDownLatch entered = new CountDownLatch(1);
    final transient CountDownLatch release = new CountDownLatch(1);

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Object, ? extends String>> events) {
      for (CacheEntryEvent<? extends Object, ? extends String> event : events) {
        if (!Integer.valueOf(1).equals(event.getKey())) {
          continue;
        }
        entered.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Object, ? extends String>> events) {}
  }

  static final class Recorder implements CacheEntryCreatedListener<Object, String>,
      CacheEntryUpdatedListener<Object, String>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient List<String> seen = new ArrayList<>();

    synchronized void record(Iterable<CacheEntryEvent<? extends Object, ? extends String>> events) {
      events.forEach(e -> seen.add(e.getEventType() + " " + e.getKey() + "=" + e.getValue()));
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Object, ? extends String>> events) {
      record(events);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Object, ? extends String>> events) {
      record(events);
    }

    synchronized List<String> seen() {
      return new ArrayList<>(seen);
    }
  }

  /** A key whose by-value copy (the cache stores copies) cannot be hashed: its step on the tier fails. */
  static final class Unhashable implements Serializable {
    private static final long serialVersionUID = 1L;
    static volatile Unhashable original;

    @Override
    public int hashCode() {
      if (original != null && this != original) {
        throw new IllegalStateException("a copy of this key cannot be hashed");
      }
      return 7;
    }

    @Override
    public boolean equals(Object other) {
      return other == this;
    }
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }

  @Test
  void aPutAllThatFailsHalfwayKeepsItsEventsAndTheKeysOrder() throws Exception {
    Gate gate = new Gate();
    Recorder recorder = new Recorder();
    Cache<Object, String> cache = managers.newManager("order-halfway").createCache("c",
        new MutableConfiguration<Object, String>()); // by value, Object keys
    cache.registerCacheEntryListener(sync(gate));
    cache.registerCacheEntryListener(sync(recorder));

    cache.put(new Unhashable(), "warm-up"); // the serializer learns the class (slow the first time)
    Thread first = new Thread(() -> cache.put(1, "a"));
    first.start();
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue(); // CREATED 1=a is being delivered

    Map<Object, String> map = new LinkedHashMap<>();
    map.put(1, "b");
    Unhashable.original = new Unhashable();
    map.put(Unhashable.original, "x"); // its step (on the cache's copy of it) fails after key 1's step
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    Thread second = new Thread(() -> {
      try {
        cache.putAll(map);
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    second.start();
    await(() -> "b".equals(cache.get(1))); // the putAll changed key 1
    // then failed (and returned), or waits to deliver key 1's UPDATED after the CREATED being delivered
    await(() -> second.getState() == Thread.State.TERMINATED || second.getState() == Thread.State.TIMED_WAITING);
    Thread third = new Thread(() -> cache.put(1, "c"));
    third.start();
    await(() -> "c".equals(cache.get(1)));
    Thread.sleep(300); // time for the third put to deliver, if it does not wait for the first one's events
    gate.release.countDown();
    first.join(10_000);
    second.join(10_000);
    third.join(10_000);

    assertThat(failure.get()).as("the putAll failed").isNotNull();
    assertThat(recorder.seen().stream().filter(e -> e.contains(" 1=")).toList())
        .as("events of key 1 as a synchronous listener saw them")
        .containsExactly("CREATED 1=a", "UPDATED 1=b", "UPDATED 1=c");
    assertThat(cache.unwrap(GoldyloxCache.class).events().orderWaitTimeouts()).isZero();
  }

  // ---------------------------------------------------------------------------------------------------------
  // 3. A caller waits for another caller's events that none of its own synchronous listeners will ever get.

  /** Takes long over CREATED (until released): a slow listener, which waits for no other thread's change. */
  static final class SlowCreated implements CacheEntryCreatedListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient CountDownLatch entered = new CountDownLatch(1);
    final transient CountDownLatch release = new CountDownLatch(1);

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      entered.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Hears of removals only. */
  static final class RemovalsOnly implements javax.cache.event.CacheEntryRemovedListener<Integer, String>,
      Serializable {
    private static final long serialVersionUID = 1L;
    final transient List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      events.forEach(e -> seen.add(e.getEventType() + " " + e.getKey()));
    }
  }

  @Test
  void aRemovalWhoseListenerNeverHearsOfCreationsDoesNotWaitForACreatedDelivery() throws Exception {
    SlowCreated slow = new SlowCreated();
    RemovalsOnly removals = new RemovalsOnly();
    Cache<Integer, String> cache = managers.newManager("order-disjoint").createCache("c",
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));
    cache.registerCacheEntryListener(sync(slow));
    cache.registerCacheEntryListener(sync(removals));

    Thread creator = new Thread(() -> cache.put(1, "a"));
    creator.start();
    assertThat(slow.entered.await(10, TimeUnit.SECONDS)).isTrue();
    long start = System.nanoTime();
    cache.remove(1); // its only synchronous listener never gets CREATED: nothing to keep in order with it
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    slow.release.countDown();
    creator.join(10_000);

    assertThat(removals.seen).containsExactly("REMOVED 1");
    assertThat(tookMillis).as("the remove waited for a CREATED its listener never gets").isLessThan(500);
    assertThat(cache.unwrap(GoldyloxCache.class).events().orderWaitTimeouts()).isZero();
  }
}

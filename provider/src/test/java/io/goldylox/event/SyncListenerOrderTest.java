package io.goldylox.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.TestManagers;
import java.io.Closeable;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * Synchronous listeners: one key's events in the order of its changes across callers, none after a
 * deregistration returned, no deadlock and no overtaking when a listener writes the key it is told of, and a
 * bounded wait when a listener waits for another thread's change of its key.
 */
class SyncListenerOrderTest {

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  /** Blocks in its first CREATED call until released; shared by reference through a singleton factory. */
  static final class Gate implements CacheEntryCreatedListener<Integer, String>,
      CacheEntryUpdatedListener<Integer, String>, Serializable {
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

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {}
  }

  /** Records what it is given, and what it is given after close(). */
  static final class Recorder implements CacheEntryCreatedListener<Integer, String>,
      CacheEntryUpdatedListener<Integer, String>, Closeable, Serializable {
    private static final long serialVersionUID = 1L;
    final transient List<String> seen = new ArrayList<>();
    final transient List<String> afterClose = new ArrayList<>();
    transient volatile boolean closed;

    synchronized void record(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends String> event : events) {
        String text = event.getEventType() + " " + event.getKey() + "=" + event.getValue();
        seen.add(text);
        if (closed) {
          afterClose.add(text);
        }
      }
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      record(events);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      record(events);
    }

    @Override
    public void close() {
      closed = true;
    }

    synchronized List<String> seen() {
      return new ArrayList<>(seen);
    }

    synchronized List<String> afterClose() {
      return new ArrayList<>(afterClose);
    }
  }

  private static MutableCacheEntryListenerConfiguration<Integer, String> sync(Object listener) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    MutableCacheEntryListenerConfiguration<Integer, String> configuration =
        new MutableCacheEntryListenerConfiguration<>(
            (javax.cache.configuration.Factory) FactoryBuilder.factoryOf((Serializable) listener),
            null, false, true);
    return configuration;
  }

  /**
   * Once deregisterCacheEntryListener has returned (and closed the listener), a synchronous listener must not be
   * called again. Here an event collected before the deregistration is delivered to the closed listener.
   */
  @Test
  void noSynchronousEventAfterDeregistrationReturned() throws Exception {
    Gate gate = new Gate();
    Recorder recorder = new Recorder();
    MutableCacheEntryListenerConfiguration<Integer, String> recorderConfiguration = sync(recorder);
    Cache<Integer, String> cache = managers.newManager("sync-dereg").createCache("c",
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));
    cache.registerCacheEntryListener(sync(gate)); // registered in this order: delivered in this order
    cache.registerCacheEntryListener(recorderConfiguration);

    Thread putter = new Thread(() -> cache.put(1, "a"));
    putter.start();
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
    cache.deregisterCacheEntryListener(recorderConfiguration);
    assertThat(recorder.closed).as("deregistration closed the listener").isTrue();
    gate.release.countDown();
    putter.join(10_000);

    assertThat(recorder.afterClose()).as("events delivered after deregistration returned and closed the listener")
        .isEmpty();
  }

  /** Changes the key it is told about, from inside its synchronous delivery (nested events, no deadlock). */
  static final class ReentrantWriter implements CacheEntryCreatedListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;
    transient volatile Cache<Integer, String> cache;

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends String> event : events) {
        cache.put(event.getKey(), event.getValue() + "!");
      }
    }
  }

  /** A synchronous listener that writes the key it is told about is not held up by the ordering of its own events. */
  @Test
  void listenerThatWritesItsOwnKeyDoesNotDeadlock() throws Exception {
    ReentrantWriter writer = new ReentrantWriter();
    Recorder recorder = new Recorder();
    Cache<Integer, String> cache = managers.newManager("sync-reentrant").createCache("c",
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));
    writer.cache = cache;
    cache.registerCacheEntryListener(sync(writer));
    cache.registerCacheEntryListener(sync(recorder));

    Thread putter = new Thread(() -> cache.put(1, "a"));
    putter.start();
    putter.join(10_000);

    assertThat(putter.isAlive()).as("the put is stuck").isFalse();
    assertThat(cache.get(1)).isEqualTo("a!");
    // The listener's own change is delivered after the change it was told of has reached every listener: the
    // recorder, registered after the writer, sees them in the order they were made.
    assertThat(recorder.seen()).containsExactly("CREATED 1=a", "UPDATED 1=a!");
  }

  /**
   * Two puts of one key, made one after the other (the second starts after the first released the key): a
   * synchronous listener must see CREATED then UPDATED. Here the first caller is still delivering (to an earlier
   * listener) when the second caller delivers its UPDATED, so the second listener sees UPDATED first.
   */
  @Test
  void synchronousEventsOfOneKeyArriveInTheOrderOfTheChanges() throws Exception {
    Gate gate = new Gate();
    Recorder recorder = new Recorder();
    Cache<Integer, String> cache = managers.newManager("sync-order").createCache("c",
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));
    cache.registerCacheEntryListener(sync(gate)); // registered in this order: delivered in this order
    cache.registerCacheEntryListener(sync(recorder));

    Thread first = new Thread(() -> cache.put(1, "a"));
    first.start();
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
    Thread second = new Thread(() -> cache.put(1, "b")); // the key is free: the first put's step is over
    second.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!"b".equals(cache.get(1)) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(cache.get(1)).as("the second put's step is done").isEqualTo("b");
    Thread.sleep(300); // time for the second put to deliver, if it does not wait for the first one's events
    gate.release.countDown();
    first.join(10_000);
    second.join(10_000);

    assertThat(recorder.seen()).as("events of key 1 as a synchronous listener saw them")
        .containsExactly("CREATED 1=a", "UPDATED 1=b");
  }

  /** Checks that each key's events chain: every event's old value is the value the previous event left. */
  static final class ChainChecker implements CacheEntryCreatedListener<Integer, Integer>,
      CacheEntryUpdatedListener<Integer, Integer>, javax.cache.event.CacheEntryRemovedListener<Integer, Integer>,
      Serializable {
    private static final long serialVersionUID = 1L;
    final transient java.util.concurrent.ConcurrentHashMap<Integer, Integer> last =
        new java.util.concurrent.ConcurrentHashMap<>();
    final transient java.util.Queue<String> broken = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private void check(CacheEntryEvent<? extends Integer, ? extends Integer> event, Integer expectedBefore,
        Integer after) {
      Integer before = after == null ? last.remove(event.getKey()) : last.put(event.getKey(), after);
      if (!java.util.Objects.equals(before, expectedBefore)) {
        broken.add(event.getEventType() + " of key " + event.getKey() + ": the last event left " + before
            + ", this one says it was " + expectedBefore);
      }
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      events.forEach(e -> check(e, null, e.getValue()));
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      events.forEach(e -> check(e, e.getOldValue(), e.getValue()));
    }

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      events.forEach(e -> check(e, e.getOldValue(), null));
    }
  }

  /** Real threads changing a few keys with put, putAll, remove and removeAll: each key's events chain. */
  @Test
  void concurrentChangesOfFewKeysGiveChainedSynchronousEvents() throws Exception {
    ChainChecker checker = new ChainChecker();
    Cache<Integer, Integer> cache = managers.newManager("sync-chain").createCache("c",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class));
    @SuppressWarnings({"unchecked", "rawtypes"})
    MutableCacheEntryListenerConfiguration<Integer, Integer> configuration =
        new MutableCacheEntryListenerConfiguration<>((javax.cache.configuration.Factory)
            FactoryBuilder.factoryOf(checker), null, true, true);
    cache.registerCacheEntryListener(configuration);
    int threads = 4;
    Thread[] workers = new Thread[threads];
    java.util.concurrent.atomic.AtomicInteger values = new java.util.concurrent.atomic.AtomicInteger();
    for (int t = 0; t < threads; t++) {
      int seed = t;
      workers[t] = new Thread(() -> {
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < 20_000; i++) {
          int key = random.nextInt(4);
          switch (random.nextInt(4)) {
            case 0 -> cache.put(key, values.incrementAndGet());
            case 1 -> cache.putAll(java.util.Map.of(key, values.incrementAndGet(), (key + 1) % 4,
                values.incrementAndGet()));
            case 2 -> cache.remove(key);
            default -> cache.removeAll(java.util.Set.of(key, (key + 2) % 4));
          }
        }
      });
      workers[t].start();
    }
    for (Thread worker : workers) {
      worker.join(60_000);
      assertThat(worker.isAlive()).as("a worker is stuck").isFalse();
    }
    assertThat(checker.broken).as("events out of order (first few)").isEmpty();
  }

  /** On CREATED, has another thread put the key again and waits for that put (the spec's mutating listener). */
  static final class HandOff implements CacheEntryCreatedListener<Integer, String>,
      CacheEntryUpdatedListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;
    transient volatile Cache<Integer, String> cache;
    transient volatile java.util.concurrent.ExecutorService executor;

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends String> event : events) {
        try {
          executor.submit(() -> cache.put(event.getKey(), event.getValue() + "?")).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      // listens, so that the other thread's put has an event for it, ordered after the CREATED being delivered
    }
  }

  /**
   * A listener that waits for another thread's change of the key it is told about would wait for good if that
   * change waited for the listener's own delivery to end; the wait is bounded, counted, and the put returns.
   */
  @Test
  void aListenerWaitingForAnotherThreadsChangeOfItsKeyGoesOnAfterTheBound() throws Exception {
    HandOff handOff = new HandOff();
    Cache<Integer, String> cache = managers.newManager("sync-handoff").createCache("c",
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));
    java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      handOff.cache = cache;
      handOff.executor = executor;
      cache.registerCacheEntryListener(sync(handOff));
      Thread putter = new Thread(() -> cache.put(1, "a"));
      putter.start();
      putter.join(15_000);
      assertThat(putter.isAlive()).as("the put is stuck").isFalse();
      assertThat(cache.get(1)).isEqualTo("a?");
      assertThat(cache.unwrap(io.goldylox.cache.GoldyloxCache.class).events().orderWaitTimeouts())
          .as("deliveries that gave up waiting for the key's earlier events").isEqualTo(1);
    } finally {
      executor.shutdownNow();
    }
  }

  /** On CREATED, loads the key again (replacing it) and waits for the loadAll to complete. */
  static final class Reloader implements CacheEntryCreatedListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;
    transient volatile Cache<Integer, String> cache;

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends String> event : events) {
        javax.cache.integration.CompletionListenerFuture future =
            new javax.cache.integration.CompletionListenerFuture();
        cache.loadAll(java.util.Set.of(event.getKey()), true, future);
        try {
          future.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** Loads "loaded &lt;key&gt;". */
  static final class NamingLoader implements javax.cache.integration.CacheLoader<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public String load(Integer key) {
      return "loaded " + key;
    }

    @Override
    public java.util.Map<Integer, String> loadAll(Iterable<? extends Integer> keys) {
      java.util.Map<Integer, String> loaded = new java.util.HashMap<>();
      keys.forEach(key -> loaded.put(key, load(key)));
      return loaded;
    }
  }

  /**
   * A listener that waits for the future of a {@code loadAll} of its own key: the load's delivery, on a loader
   * thread, must not wait for the listener's delivery (which waits for it), not even for the bound.
   */
  @Test
  void aListenerWaitingForItsLoadAllIsNotHeldUp() throws Exception {
    Reloader reloader = new Reloader();
    Recorder recorder = new Recorder();
    @SuppressWarnings({"unchecked", "rawtypes"})
    MutableConfiguration<Integer, String> configuration = new MutableConfiguration<Integer, String>()
        .setTypes(Integer.class, String.class)
        .setCacheLoaderFactory((javax.cache.configuration.Factory) FactoryBuilder.factoryOf(new NamingLoader()));
    Cache<Integer, String> cache = managers.newManager("sync-reload").createCache("c", configuration);
    reloader.cache = cache;
    cache.registerCacheEntryListener(sync(reloader));
    cache.registerCacheEntryListener(sync(recorder));

    Thread putter = new Thread(() -> cache.put(1, "a"));
    putter.start();
    putter.join(15_000);
    assertThat(putter.isAlive()).as("the put is stuck").isFalse();
    assertThat(cache.get(1)).isEqualTo("loaded 1");
    assertThat(recorder.seen()).containsExactlyInAnyOrder("CREATED 1=a", "UPDATED 1=loaded 1");
    assertThat(cache.unwrap(io.goldylox.cache.GoldyloxCache.class).events().orderWaitTimeouts())
        .as("deliveries that gave up waiting for the key's earlier events").isZero();
  }
}

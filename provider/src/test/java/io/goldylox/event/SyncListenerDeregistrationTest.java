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

/** Synchronous listeners against a concurrent deregistration, and a listener that writes the key it is told of. */
class SyncListenerDeregistrationTest {

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
    assertThat(recorder.seen()).containsExactlyInAnyOrder("CREATED 1=a", "UPDATED 1=a!");
  }
}

package io.goldylox.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.testing.Parallel;
import io.goldylox.testing.TestManagers;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.event.EventType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Asynchronous listeners never hold up the mutating thread, and still get every event of a key in the order of
 * its changes. The TCK only checks that asynchronous events arrive eventually.
 */
class AsyncListenerTest {

  private static final int KEYS = 100;
  private static final int VALUES_PER_KEY = 100;
  private static final int PUTS = KEYS * VALUES_PER_KEY;
  private static final Duration DELIVERY_LIMIT = Duration.ofSeconds(30);
  private static final Duration PUT_LIMIT = Duration.ofSeconds(30);

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  /** One event as a listener saw it. */
  record Seen(EventType type, Integer key, Integer value) {}

  /**
   * Records every event it is given, optionally blocking in its first call until {@link #release} opens. Shared
   * by reference through a singleton factory; touched by the listener threads and read by the test thread.
   */
  static class Recorder implements CacheEntryCreatedListener<Integer, Integer>,
      CacheEntryUpdatedListener<Integer, Integer>, CacheEntryRemovedListener<Integer, Integer>,
      CacheEntryExpiredListener<Integer, Integer>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    final transient CountDownLatch entered = new CountDownLatch(1);
    final transient CountDownLatch release;

    Recorder(boolean blocked) {
      release = new CountDownLatch(blocked ? 1 : 0);
    }

    void record(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      for (CacheEntryEvent<? extends Integer, ? extends Integer> event : events) {
        seen.add(new Seen(event.getEventType(), event.getKey(), event.getValue()));
      }
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      record(events);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      record(events);
    }

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      record(events);
    }

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      record(events);
    }
  }

  private GoldyloxCache<Integer, Integer> newCache(String purpose) {
    return managers.newManager(purpose)
        .createCache("events", new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class))
        .unwrap(GoldyloxCache.class);
  }

  private static MutableCacheEntryListenerConfiguration<Integer, Integer> async(CacheEntryListener<Integer, Integer> l) {
    return new MutableCacheEntryListenerConfiguration<>(
        new FactoryBuilder.SingletonFactory<CacheEntryListener<? super Integer, ? super Integer>>(l), null, false, false);
  }

  /** Puts value v = 0..VALUES_PER_KEY-1 into every key, in rounds, from the calling thread. */
  private static void putAllRounds(Cache<Integer, Integer> cache, int fromRound) {
    for (int value = fromRound; value < VALUES_PER_KEY; value++) {
      for (int key = 0; key < KEYS; key++) {
        cache.put(key, value);
      }
    }
  }

  /** Every key got CREATED(0) then UPDATED(1..99), in that order, and nothing else. */
  private static void assertPerKeyOrder(Recorder recorder) {
    Map<Integer, List<Seen>> byKey = new HashMap<>();
    for (Seen seen : recorder.seen) {
      byKey.computeIfAbsent(seen.key(), k -> new ArrayList<>()).add(seen);
    }
    assertThat(byKey).hasSize(KEYS);
    for (Map.Entry<Integer, List<Seen>> entry : byKey.entrySet()) {
      List<Seen> events = entry.getValue();
      assertThat(events).as("events of key %d", entry.getKey()).hasSize(VALUES_PER_KEY);
      for (int value = 0; value < VALUES_PER_KEY; value++) {
        Seen seen = events.get(value);
        assertThat(seen.type()).as("type of event %d of key %d", value, entry.getKey())
            .isEqualTo(value == 0 ? EventType.CREATED : EventType.UPDATED);
        assertThat(seen.value()).as("value of event %d of key %d (values must increase)", value, entry.getKey())
            .isEqualTo(value);
      }
    }
  }

  private static void awaitCount(Recorder recorder, int count) {
    TestManagers.await(DELIVERY_LIMIT, count + " events are delivered",
        () -> recorder.seen.size() >= count, () -> recorder.seen.size() + " delivered");
  }

  @Test
  void aBlockedListenerDoesNotStopPutsAndLaterGetsEveryEventInPerKeyOrder() throws Exception {
    GoldyloxCache<Integer, Integer> cache = newCache("async-blocked");
    Recorder recorder = new Recorder(true);
    cache.registerCacheEntryListener(async(recorder));

    // The first put reaches the listener, which then blocks a delivery thread until released.
    cache.put(0, 0);
    assertThat(recorder.entered.await(DELIVERY_LIMIT.toSeconds(), TimeUnit.SECONDS))
        .as("the listener was called").isTrue();

    // All the other puts must complete while the listener is still blocked (bounded, so a stall fails).
    Parallel.run(1, PUT_LIMIT, thread -> {
      for (int key = 1; key < KEYS; key++) {
        cache.put(key, 0);
      }
      putAllRounds(cache, 1);
    });
    assertThat(recorder.release.getCount()).as("listener still blocked").isEqualTo(1);
    assertThat(recorder.seen).as("nothing recorded while blocked").isEmpty();
    assertThat(cache.get(KEYS - 1)).isEqualTo(VALUES_PER_KEY - 1);

    recorder.release.countDown();
    awaitCount(recorder, PUTS);
    TestManagers.await(DELIVERY_LIMIT, "no event is pending", () -> cache.events().pendingAsyncEvents() == 0);

    assertThat(recorder.seen).hasSize(PUTS);
    assertPerKeyOrder(recorder);
    assertThat(cache.events().droppedAsyncEvents()).isZero();
    assertThat(cache.events().failedAsyncDeliveries()).isZero();
  }

  @Test
  void putsFromSeveralThreadsKeepPerKeyOrder() throws Exception {
    GoldyloxCache<Integer, Integer> cache = newCache("async-threads");
    Recorder recorder = new Recorder(false);
    cache.registerCacheEntryListener(async(recorder));
    int threads = 4;

    // Each thread owns a quarter of the keys, so each key's values still go 0..99 in order.
    Parallel.run(threads, PUT_LIMIT, thread -> {
      for (int value = 0; value < VALUES_PER_KEY; value++) {
        for (int key = thread; key < KEYS; key += threads) {
          cache.put(key, value);
        }
      }
    });

    awaitCount(recorder, PUTS);
    assertPerKeyOrder(recorder);
  }

  @Test
  void aSlowListenerAndASecondListenerBothGetEverything() throws Exception {
    GoldyloxCache<Integer, Integer> cache = newCache("async-two");
    Recorder slow = new Recorder(true);
    Recorder other = new Recorder(false);
    cache.registerCacheEntryListener(async(slow));
    cache.registerCacheEntryListener(async(other));

    putAllRounds(cache, 0);
    slow.release.countDown();

    awaitCount(slow, PUTS);
    awaitCount(other, PUTS);
    assertPerKeyOrder(slow);
    assertPerKeyOrder(other);
  }

  @Test
  void aBlockedListenerDoesNotStarveAnotherListener() throws Exception {
    GoldyloxCache<Integer, Integer> cache = newCache("async-starve");
    Recorder blocked = new Recorder(true);
    Recorder other = new Recorder(false);
    cache.registerCacheEntryListener(async(blocked));
    cache.registerCacheEntryListener(async(other));

    try {
      putAllRounds(cache, 0);
      // Everything is delivered well within a second when nothing blocks: 10 s is generous.
      // Regression (fixed): the manager's async executor has max(2, cores) threads shared by every lane of every listener of
      // every cache of the manager. A listener that blocks holds one worker per lane it is draining, so with
      // 16 lanes it can hold them all, and the other listener (and loadAll) then gets nothing until it
      // returns. One stuck listener must not stop delivery to the others.
      TestManagers.await(Duration.ofSeconds(10), "the other listener got every event while one is blocked",
          () -> other.seen.size() >= PUTS, () -> other.seen.size() + " delivered");
      assertPerKeyOrder(other);
      assertThat(blocked.release.getCount()).isEqualTo(1);
    } finally {
      blocked.release.countDown();
    }
  }

  @Test
  void aListenerTooFarBehindHasEventsDroppedAndCountedWhilePutsGoOn() throws Exception {
    java.util.Properties properties = new java.util.Properties();
    properties.setProperty(io.goldylox.spi.GoldyloxCacheManager.MAX_PENDING_EVENTS_PROPERTY, "100");
    GoldyloxCache<Integer, Integer> cache = managers.newManager("async-bound", properties)
        .createCache("events", new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class))
        .unwrap(GoldyloxCache.class);
    Recorder recorder = new Recorder(true);
    cache.registerCacheEntryListener(async(recorder));

    cache.put(0, 0);
    assertThat(recorder.entered.await(DELIVERY_LIMIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    Parallel.run(1, PUT_LIMIT, thread -> {
      for (int i = 1; i < 1_000; i++) {
        cache.put(i, i);
      }
    });

    // The event being delivered still counts as pending, so exactly 100 were accepted and 900 dropped.
    assertThat(cache.events().droppedAsyncEvents()).isEqualTo(900);
    assertThat(cache.events().pendingAsyncEvents()).isEqualTo(100);
    recorder.release.countDown();
    awaitCount(recorder, 100);
    TestManagers.await(DELIVERY_LIMIT, "no event is pending", () -> cache.events().pendingAsyncEvents() == 0);
    assertThat(recorder.seen).hasSize(100);
  }

  @Test
  void aListenerThatThrowsDoesNotAffectThePutNorLaterEvents() throws Exception {
    GoldyloxCache<Integer, Integer> cache = newCache("async-throws");
    AtomicInteger calls = new AtomicInteger();
    Recorder recorder = new Recorder(false) {
      private static final long serialVersionUID = 1L;

      @Override
      void record(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
        super.record(events);
        if (calls.incrementAndGet() % 2 == 1) {
          throw new IllegalStateException("listener failure (expected by the test)");
        }
      }
    };
    cache.registerCacheEntryListener(async(recorder));
    // Each failure is logged with its stack trace; 5,000 of them would only bury the test output.
    java.util.logging.Logger log = java.util.logging.Logger.getLogger(AsyncLanes.class.getName());
    java.util.logging.Level level = log.getLevel();
    log.setLevel(java.util.logging.Level.OFF);
    try {
      assertThatCode(() -> putAllRounds(cache, 0)).doesNotThrowAnyException();
      assertThat(cache.get(0)).isEqualTo(VALUES_PER_KEY - 1);
      awaitCount(recorder, PUTS);
      TestManagers.await(DELIVERY_LIMIT, "failures are counted",
          () -> cache.events().failedAsyncDeliveries() == PUTS / 2,
          () -> cache.events().failedAsyncDeliveries());
    } finally {
      log.setLevel(level);
    }
    assertPerKeyOrder(recorder);
  }

  @Test
  void eachListenerGetsOnlyTheTypesOfItsInterfaces() throws Exception {
    GoldyloxCache<Integer, Integer> cache = newCache("async-types");
    ConcurrentLinkedQueue<Seen> created = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Seen> updatedOrRemoved = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Seen> expired = new ConcurrentLinkedQueue<>();
    cache.registerCacheEntryListener(async(new OnlyCreated(created)));
    cache.registerCacheEntryListener(async(new OnlyUpdatedAndRemoved(updatedOrRemoved)));
    cache.registerCacheEntryListener(async(new OnlyExpired(expired)));

    for (int key = 0; key < 10; key++) {
      cache.put(key, 0);
      cache.put(key, 1);
      cache.remove(key);
    }

    TestManagers.await(DELIVERY_LIMIT, "all events are delivered",
        () -> created.size() == 10 && updatedOrRemoved.size() == 20 && cache.events().pendingAsyncEvents() == 0,
        () -> created.size() + "/" + updatedOrRemoved.size() + " pending " + cache.events().pendingAsyncEvents());
    assertThat(created).extracting(Seen::type).containsOnly(EventType.CREATED).hasSize(10);
    assertThat(updatedOrRemoved).extracting(Seen::type)
        .containsOnly(EventType.UPDATED, EventType.REMOVED).hasSize(20);
    assertThat(expired).isEmpty();
    assertThat(cache.events().failedAsyncDeliveries()).as("no listener was given a type it cannot take").isZero();
  }

  static final class OnlyCreated implements CacheEntryCreatedListener<Integer, Integer>, Serializable {
    private static final long serialVersionUID = 1L;
    private final ConcurrentLinkedQueue<Seen> seen;

    OnlyCreated(ConcurrentLinkedQueue<Seen> seen) {
      this.seen = seen;
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      events.forEach(e -> seen.add(new Seen(e.getEventType(), e.getKey(), e.getValue())));
    }
  }

  static final class OnlyUpdatedAndRemoved implements CacheEntryUpdatedListener<Integer, Integer>,
      CacheEntryRemovedListener<Integer, Integer>, Serializable {
    private static final long serialVersionUID = 1L;
    private final ConcurrentLinkedQueue<Seen> seen;

    OnlyUpdatedAndRemoved(ConcurrentLinkedQueue<Seen> seen) {
      this.seen = seen;
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      events.forEach(e -> seen.add(new Seen(e.getEventType(), e.getKey(), e.getValue())));
    }

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      events.forEach(e -> seen.add(new Seen(e.getEventType(), e.getKey(), e.getValue())));
    }
  }

  static final class OnlyExpired implements CacheEntryExpiredListener<Integer, Integer>, Serializable {
    private static final long serialVersionUID = 1L;
    private final ConcurrentLinkedQueue<Seen> seen;

    OnlyExpired(ConcurrentLinkedQueue<Seen> seen) {
      this.seen = seen;
    }

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {
      events.forEach(e -> seen.add(new Seen(e.getEventType(), e.getKey(), e.getValue())));
    }
  }
}

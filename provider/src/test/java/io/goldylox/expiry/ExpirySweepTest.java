package io.goldylox.expiry;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.testing.TestManagers;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.EventType;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Expired entries are reclaimed by the manager's timer without anybody touching the cache, EXPIRED listeners
 * hear of each one, and a read never returns an expired value even before the sweep. The TCK only sees expiry
 * through cache operations, so a provider that never frees unread expired entries passes it.
 *
 * <p>While waiting, the tests read only {@link GoldyloxCache#size()}, which counts expired mappings not yet
 * reclaimed and does not expire anything itself.
 */
class ExpirySweepTest {

  private static final Duration SWEEP_LIMIT = Duration.ofSeconds(10);

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  private static MutableConfiguration<Integer, String> expiringAfter(long millis) {
    return new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(
            new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, millis)));
  }

  private static GoldyloxCache<Integer, String> create(CacheManager manager, String name,
      MutableConfiguration<Integer, String> configuration) {
    return manager.createCache(name, configuration).unwrap(GoldyloxCache.class);
  }

  private static void awaitSize(GoldyloxCache<?, ?> cache, long size) {
    TestManagers.await(SWEEP_LIMIT, "the cache holds " + size + " mappings", () -> cache.size() == size,
        () -> cache.size() + " mappings");
  }

  /** Records the keys and values of EXPIRED events; shared by reference through a singleton factory. */
  static final class ExpiredRecorder implements CacheEntryExpiredListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient Map<Integer, String> expired = new ConcurrentHashMap<>();
    final transient AtomicInteger events = new AtomicInteger();

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> batch) {
      for (CacheEntryEvent<? extends Integer, ? extends String> event : batch) {
        assertThat(event.getEventType()).isEqualTo(EventType.EXPIRED);
        expired.put(event.getKey(), event.getValue());
        events.incrementAndGet();
      }
    }
  }

  private static MutableCacheEntryListenerConfiguration<Integer, String> listener(
      CacheEntryListener<Integer, String> listener, boolean synchronous) {
    return new MutableCacheEntryListenerConfiguration<>(
        new FactoryBuilder.SingletonFactory<CacheEntryListener<? super Integer, ? super String>>(listener),
        null, true, synchronous);
  }

  @Test
  void expiredEntriesAreReclaimedWithoutAnyCacheAccess() {
    CacheManager manager = managers.newManager("sweep");
    GoldyloxCache<Integer, String> mortal = create(manager, "mortal", expiringAfter(200));
    GoldyloxCache<Integer, String> eternal = create(manager, "eternal",
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));
    for (int i = 0; i < 100; i++) {
      mortal.put(i, "v" + i);
    }
    for (int i = 0; i < 10; i++) {
      eternal.put(i, "v" + i);
    }
    assertThat(mortal.size()).isEqualTo(100);

    awaitSize(mortal, 0);
    assertThat(eternal.size()).isEqualTo(10);
  }

  @Test
  void entriesWithLaterDeadlinesAreReclaimedByLaterSweeps() {
    CacheManager manager = managers.newManager("sweep-staggered");
    MutableConfiguration<Integer, String> configuration = new MutableConfiguration<Integer, String>()
        .setTypes(Integer.class, String.class)
        .setExpiryPolicyFactory(FactoryBuilder.factoryOf(new StaggeredExpiry()));
    GoldyloxCache<Integer, String> cache = create(manager, "staggered", configuration);

    for (int i = 0; i < 90; i++) {
      cache.put(i, "v" + i); // deadlines 100, 400 and 800 ms out, interleaved
    }
    awaitSize(cache, 0);

    // After an idle sweeper, new deadlines must plan a new sweep.
    for (int i = 0; i < 30; i++) {
      cache.put(i, "again" + i);
    }
    assertThat(cache.size()).isEqualTo(30);
    awaitSize(cache, 0);
  }

  /** Creation durations of 100, 400, 800 ms in turn; access and update leave the deadline alone. */
  static final class StaggeredExpiry implements ExpiryPolicy, Serializable {
    private static final long serialVersionUID = 1L;
    private static final long[] MILLIS = {100, 400, 800};
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public javax.cache.expiry.Duration getExpiryForCreation() {
      return new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS,
          MILLIS[Math.floorMod(next.getAndIncrement(), MILLIS.length)]);
    }

    @Override
    public javax.cache.expiry.Duration getExpiryForAccess() {
      return null;
    }

    @Override
    public javax.cache.expiry.Duration getExpiryForUpdate() {
      return null;
    }
  }

  @ParameterizedTest(name = "synchronous={0}")
  @ValueSource(booleans = {true, false})
  void anExpiredListenerIsToldOfEachReclaimedEntry(boolean synchronous) {
    CacheManager manager = managers.newManager("sweep-listener");
    GoldyloxCache<Integer, String> cache = create(manager, "listened", expiringAfter(200));
    ExpiredRecorder recorder = new ExpiredRecorder();
    cache.registerCacheEntryListener(listener(recorder, synchronous));

    for (int i = 0; i < 100; i++) {
      cache.put(i, "v" + i);
    }
    awaitSize(cache, 0);
    TestManagers.await(SWEEP_LIMIT, "100 EXPIRED events arrive", () -> recorder.events.get() >= 100,
        () -> recorder.events.get() + " events");

    assertThat(recorder.events.get()).isEqualTo(100);
    assertThat(recorder.expired).hasSize(100);
    for (int i = 0; i < 100; i++) {
      assertThat(recorder.expired.get(i)).isEqualTo("v" + i);
    }
  }

  @Test
  void aSynchronousExpiredListenerThatThrowsDoesNotStopTheSweep() {
    CacheManager manager = managers.newManager("sweep-throwing");
    GoldyloxCache<Integer, String> cache = create(manager, "throwing", expiringAfter(100));
    AtomicInteger calls = new AtomicInteger();
    CacheEntryExpiredListener<Integer, String> throwing = events -> {
      calls.incrementAndGet();
      throw new IllegalStateException("listener failure (expected by the test)");
    };
    cache.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
        new FactoryBuilder.SingletonFactory<CacheEntryListener<? super Integer, ? super String>>(throwing),
        null, false, true));
    // Each failure is logged with its stack trace; keep the output readable.
    java.util.logging.Logger log = java.util.logging.Logger.getLogger(GoldyloxCache.class.getName());
    java.util.logging.Level level = log.getLevel();
    log.setLevel(java.util.logging.Level.OFF);
    try {
      for (int i = 0; i < 50; i++) {
        cache.put(i, "v" + i);
      }
      awaitSize(cache, 0);
      assertThat(calls.get()).isEqualTo(50);

      // The sweeper is still alive for later entries.
      cache.put(100, "later");
      awaitSize(cache, 0);
      assertThat(calls.get()).isEqualTo(51);
    } finally {
      log.setLevel(level);
    }
  }

  /** Blocks the thread that calls it (the manager's one timer thread, during a sweep) until released. */
  static final class TimerBlocker implements CacheEntryExpiredListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient CountDownLatch entered = new CountDownLatch(1);
    final transient CountDownLatch release = new CountDownLatch(1);

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void aGetAfterExpiryIsAMissEvenBeforeTheSweep() throws Exception {
    CacheManager manager = managers.newManager("sweep-read");
    // Hold the manager's timer thread inside a sweep of another cache, so no sweep can reclaim anything.
    GoldyloxCache<Integer, String> blocker = create(manager, "blocker", expiringAfter(1));
    TimerBlocker timerBlocker = new TimerBlocker();
    blocker.registerCacheEntryListener(listener(timerBlocker, true));
    blocker.put(0, "x");
    assertThat(timerBlocker.entered.await(SWEEP_LIMIT.toSeconds(), TimeUnit.SECONDS))
        .as("the timer swept the blocker cache").isTrue();
    try {
      GoldyloxCache<Integer, String> cache = create(manager, "read",
          expiringAfter(1).setStatisticsEnabled(true));
      ExpiredRecorder recorder = new ExpiredRecorder();
      cache.registerCacheEntryListener(listener(recorder, true));
      cache.put(1, "one");
      cache.put(2, "two");
      long written = System.currentTimeMillis();
      while (System.currentTimeMillis() < written + 5) {
        LockSupport.parkNanos(1_000_000L);
      }
      assertThat(cache.size()).as("nothing was swept").isEqualTo(2);

      assertThat(cache.get(1)).isNull();
      assertThat(cache.containsKey(2)).isFalse();
      assertThat(cache.getAll(java.util.Set.of(2))).isEmpty();

      assertThat(cache.statistics().misses()).isEqualTo(2);
      assertThat(cache.statistics().hits()).isZero();
      assertThat(cache.size()).as("the reads removed what they found expired").isZero();
      assertThat(recorder.expired).containsOnlyKeys(1, 2);
    } finally {
      timerBlocker.release.countDown();
    }
  }
}

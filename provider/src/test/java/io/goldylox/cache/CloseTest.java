package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.spi.GoldyloxCachingProvider;
import io.goldylox.testing.TestManagers;
import java.io.Closeable;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CompletionListenerFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Closing leaves nothing behind: no worker thread of the closed managers stays alive, every {@link Closeable}
 * the caches created (loader, writer, expiry policy, listeners, filters) is closed, and a closed cache refuses
 * operations. The TCK checks only part of the last two.
 */
class CloseTest {

  private static final Duration THREADS_END_LIMIT = Duration.ofSeconds(5);

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  // -----------------------------------------------------------------------------------------------------------
  // Threads

  /** Counts events; optionally blocks (interruptibly) on its first call until released. */
  static final class CountingListener implements CacheEntryCreatedListener<Integer, Integer>,
      CacheEntryUpdatedListener<Integer, Integer>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient AtomicInteger events = new AtomicInteger();
    final transient CountDownLatch entered = new CountDownLatch(1);
    final transient CountDownLatch release;

    CountingListener(boolean blocked) {
      release = new CountDownLatch(blocked ? 1 : 0);
    }

    private void count(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> batch) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      batch.forEach(e -> events.incrementAndGet());
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> batch) {
      count(batch);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> batch) {
      count(batch);
    }
  }

  /** Loads key * 10; optionally blocks (interruptibly) in loadAll until released. */
  static final class TimesTenLoader implements CacheLoader<Integer, Integer>, Closeable, Serializable {
    private static final long serialVersionUID = 1L;
    final transient CountDownLatch release;
    final transient CountDownLatch entered = new CountDownLatch(1);
    final transient AtomicInteger closed = new AtomicInteger();

    TimesTenLoader(boolean blocked) {
      release = new CountDownLatch(blocked ? 1 : 0);
    }

    @Override
    public Integer load(Integer key) {
      return key * 10;
    }

    @Override
    public Map<Integer, Integer> loadAll(Iterable<? extends Integer> keys) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new javax.cache.integration.CacheLoaderException("interrupted", e);
      }
      Map<Integer, Integer> loaded = new HashMap<>();
      keys.forEach(k -> loaded.put(k, k * 10));
      return loaded;
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  private static MutableCacheEntryListenerConfiguration<Integer, Integer> async(CacheEntryListener<Integer, Integer> l) {
    return new MutableCacheEntryListenerConfiguration<>(
        new FactoryBuilder.SingletonFactory<CacheEntryListener<? super Integer, ? super Integer>>(l),
        null, false, false);
  }

  /** Creates caches with asynchronous listeners, expiry and loadAll, and makes them use their workers. */
  private static void exerciseWorkers(CacheManager manager) throws Exception {
    CountingListener listener = new CountingListener(false);
    Cache<Integer, Integer> events = manager.createCache("events",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class)
            .addCacheEntryListenerConfiguration(async(listener)));
    for (int i = 0; i < 1_000; i++) {
      events.put(i % 100, i);
    }
    TestManagers.await(Duration.ofSeconds(30), "1,000 events arrive", () -> listener.events.get() == 1_000,
        listener.events::get);

    Cache<Integer, Integer> expiring = manager.createCache("expiring",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class)
            .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(
                new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 50))));
    for (int i = 0; i < 100; i++) {
      expiring.put(i, i);
    }
    // Planned far ahead, so the timer has a pending sweep when the manager closes.
    Cache<Integer, Integer> later = manager.createCache("later",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class)
            .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(javax.cache.expiry.Duration.ONE_HOUR)));
    later.put(1, 1);
    GoldyloxCache<?, ?> sweptCache = expiring.unwrap(GoldyloxCache.class);
    TestManagers.await(Duration.ofSeconds(10), "the sweep ran", () -> sweptCache.size() == 0);

    Cache<Integer, Integer> loading = manager.createCache("loading",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class)
            .setCacheLoaderFactory(new FactoryBuilder.SingletonFactory<>(new TimesTenLoader(false)))
            .setReadThrough(true));
    for (int round = 0; round < 5; round++) {
      CompletionListenerFuture done = new CompletionListenerFuture();
      loading.loadAll(Set.of(1, 2, 3, round + 10), true, done);
      done.get(30, TimeUnit.SECONDS);
    }
    assertThat(loading.get(12)).isEqualTo(120);
  }

  private static void awaitNoThreads(String prefix) {
    TestManagers.await(THREADS_END_LIMIT, "no thread named " + prefix + "* is alive",
        () -> TestManagers.liveThreads(prefix).isEmpty(), () -> TestManagers.liveThreads(prefix));
  }

  @Test
  void closingTheManagerEndsItsThreads() throws Exception {
    CacheManager manager = managers.newManager("close-threads");
    String prefix = TestManagers.threadPrefix(manager);
    exerciseWorkers(manager);
    assertThat(TestManagers.liveThreads(prefix)).as("the manager's workers ran").isNotEmpty();

    manager.close();

    awaitNoThreads(prefix);
  }

  @Test
  void closingTheProviderEndsTheThreadsOfAllItsManagers() throws Exception {
    GoldyloxCachingProvider provider = new GoldyloxCachingProvider();
    CacheManager first = managers.newManager(provider, "close-provider-a");
    CacheManager second = managers.newManager(provider, "close-provider-b");
    exerciseWorkers(first);
    exerciseWorkers(second);
    assertThat(TestManagers.liveThreads(TestManagers.threadPrefix(first))).isNotEmpty();
    assertThat(TestManagers.liveThreads(TestManagers.threadPrefix(second))).isNotEmpty();

    provider.close();

    assertThat(first.isClosed()).isTrue();
    assertThat(second.isClosed()).isTrue();
    awaitNoThreads(TestManagers.threadPrefix(first));
    awaitNoThreads(TestManagers.threadPrefix(second));
    // Nothing of this provider's is left under the common prefix either.
    assertThat(TestManagers.liveThreads("goldylox-")).noneMatch(name -> name.contains("close-provider"));
  }

  @Test
  void closingWhileAListenerAndALoaderAreBlockedStillEndsTheThreads() throws Exception {
    CacheManager manager = managers.newManager("close-blocked");
    String prefix = TestManagers.threadPrefix(manager);
    CountingListener listener = new CountingListener(true);
    Cache<Integer, Integer> events = manager.createCache("events",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class)
            .addCacheEntryListenerConfiguration(async(listener)));
    TimesTenLoader loader = new TimesTenLoader(true);
    Cache<Integer, Integer> loading = manager.createCache("loading",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class)
            .setCacheLoaderFactory(new FactoryBuilder.SingletonFactory<>(loader)));
    for (int i = 0; i < 1_000; i++) {
      events.put(i, i);
    }
    assertThat(listener.entered.await(10, TimeUnit.SECONDS)).isTrue();
    CompletionListenerFuture done = new CompletionListenerFuture();
    loading.loadAll(Set.of(1, 2), true, done);

    try {
      manager.close();
      awaitNoThreads(prefix);
    } finally {
      listener.release.countDown();
      loader.release.countDown();
    }
  }

  @Test
  void aLoadAllStillQueuedWhenTheManagerClosesIsToldItFailed() throws Exception {
    CacheManager manager = managers.newManager("close-queued-load");
    CountingListener listener = new CountingListener(true);
    Cache<Integer, Integer> events = manager.createCache("events",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class)
            .addCacheEntryListenerConfiguration(async(listener)));
    Cache<Integer, Integer> loading = manager.createCache("loading",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class)
            .setCacheLoaderFactory(new FactoryBuilder.SingletonFactory<>(new TimesTenLoader(false))));
    // Keys over all 16 lanes: the blocked listener takes up to 16 async workers (all of them on a small box),
    // so the loadAll below waits in the executor's queue.
    for (int i = 0; i < 1_000; i++) {
      events.put(i, i);
    }
    assertThat(listener.entered.await(10, TimeUnit.SECONDS)).isTrue();
    CompletionListenerFuture done = new CompletionListenerFuture();
    loading.loadAll(Set.of(1, 2), true, done);

    try {
      manager.close();
      // Regression (fixed): Workers.close() calls shutdownNow() and drops the tasks it returns, so a loadAll that had not
      // started yet never calls its CompletionListener: a caller blocked in CompletionListenerFuture.get() waits
      // forever. Fix: keep loadAll tasks recognisable (a small Runnable class holding the listener) and call
      // listener.onException(new IllegalStateException("cache manager closed")) for each one that
      // shutdownNow() returns (or have the cache track its pending loadAll tasks and fail them on close()).
      assertThatCode(() -> {
        try {
          done.get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
          // Told of the failure: that is the point.
        }
      }).as("the CompletionListener of a queued loadAll is told when the manager closes")
          .doesNotThrowAnyException();
    } finally {
      listener.release.countDown();
    }
  }

  // -----------------------------------------------------------------------------------------------------------
  // Closeable parts

  /** Everything a cache creates from its configuration, each recording how often it was closed. */
  static final class Parts {
    final TimesTenLoader loader = new TimesTenLoader(false);
    final ClosingWriter writer = new ClosingWriter();
    final ClosingExpiry expiry = new ClosingExpiry();
    final ClosingListener syncListener = new ClosingListener();
    final ClosingListener asyncListener = new ClosingListener();
    final ClosingFilter filter = new ClosingFilter();
    final MutableCacheEntryListenerConfiguration<Integer, Integer> syncConfiguration =
        new MutableCacheEntryListenerConfiguration<>(
            new FactoryBuilder.SingletonFactory<CacheEntryListener<? super Integer, ? super Integer>>(syncListener),
            new FactoryBuilder.SingletonFactory<>(filter), false, true);

    MutableConfiguration<Integer, Integer> configuration() {
      return new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class)
          .setCacheLoaderFactory(new FactoryBuilder.SingletonFactory<>(loader)).setReadThrough(true)
          .setCacheWriterFactory(new FactoryBuilder.SingletonFactory<>(writer)).setWriteThrough(true)
          .setExpiryPolicyFactory(new FactoryBuilder.SingletonFactory<>(expiry))
          .addCacheEntryListenerConfiguration(syncConfiguration)
          .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
              new FactoryBuilder.SingletonFactory<CacheEntryListener<? super Integer, ? super Integer>>(
                  asyncListener), null, false, false));
    }

    void assertClosedOnce() {
      assertThat(loader.closed.get()).as("loader closed").isEqualTo(1);
      assertThat(writer.closed.get()).as("writer closed").isEqualTo(1);
      assertThat(expiry.closed.get()).as("expiry policy closed").isEqualTo(1);
      assertThat(syncListener.closed.get()).as("synchronous listener closed").isEqualTo(1);
      assertThat(asyncListener.closed.get()).as("asynchronous listener closed").isEqualTo(1);
      assertThat(filter.closed.get()).as("filter closed").isEqualTo(1);
    }

    void assertNoneClosed() {
      assertThat(List.of(loader.closed.get(), writer.closed.get(), expiry.closed.get(), syncListener.closed.get(),
          asyncListener.closed.get(), filter.closed.get())).containsOnly(0);
    }
  }

  static final class ClosingWriter implements CacheWriter<Integer, Integer>, Closeable, Serializable {
    private static final long serialVersionUID = 1L;
    final transient AtomicInteger closed = new AtomicInteger();

    @Override
    public void write(Cache.Entry<? extends Integer, ? extends Integer> entry) {}

    @Override
    public void writeAll(java.util.Collection<Cache.Entry<? extends Integer, ? extends Integer>> entries) {
      entries.clear();
    }

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(java.util.Collection<?> keys) {
      keys.clear();
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  static final class ClosingExpiry implements ExpiryPolicy, Closeable, Serializable {
    private static final long serialVersionUID = 1L;
    final transient AtomicInteger closed = new AtomicInteger();

    @Override
    public javax.cache.expiry.Duration getExpiryForCreation() {
      return javax.cache.expiry.Duration.ETERNAL;
    }

    @Override
    public javax.cache.expiry.Duration getExpiryForAccess() {
      return null;
    }

    @Override
    public javax.cache.expiry.Duration getExpiryForUpdate() {
      return null;
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  static final class ClosingListener implements CacheEntryCreatedListener<Integer, Integer>, Closeable,
      Serializable {
    private static final long serialVersionUID = 1L;
    final transient AtomicInteger closed = new AtomicInteger();

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends Integer>> events) {}

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  static final class ClosingFilter implements CacheEntryEventFilter<Integer, Integer>, Closeable, Serializable {
    private static final long serialVersionUID = 1L;
    final transient AtomicInteger closed = new AtomicInteger();

    @Override
    public boolean evaluate(CacheEntryEvent<? extends Integer, ? extends Integer> event) {
      return true;
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  @Test
  void closingTheManagerClosesEveryCloseablePartOnce() {
    CacheManager manager = managers.newManager("close-parts");
    Parts parts = new Parts();
    Cache<Integer, Integer> cache = manager.createCache("parts", parts.configuration());
    cache.put(1, 1);
    assertThat(cache.get(2)).isEqualTo(20);
    parts.assertNoneClosed();

    manager.close();
    manager.close();

    parts.assertClosedOnce();
    assertThat(cache.isClosed()).isTrue();
  }

  @Test
  void closingTheCacheClosesEveryCloseablePartOnceAndTheManagerDoesNotCloseThemAgain() {
    CacheManager manager = managers.newManager("close-cache-parts");
    Parts parts = new Parts();
    Cache<Integer, Integer> cache = manager.createCache("parts", parts.configuration());
    cache.put(1, 1);

    cache.close();
    cache.close();
    parts.assertClosedOnce();
    assertThat(manager.getCache("parts", Integer.class, Integer.class)).as("a closed cache is forgotten").isNull();

    manager.close();
    parts.assertClosedOnce();
  }

  @Test
  void destroyingTheCacheClosesEveryCloseablePartOnce() {
    CacheManager manager = managers.newManager("close-destroy-parts");
    Parts parts = new Parts();
    manager.createCache("parts", parts.configuration()).put(1, 1);

    manager.destroyCache("parts");

    parts.assertClosedOnce();
  }

  @Test
  void deregisteringAListenerClosesIt() {
    CacheManager manager = managers.newManager("close-deregister");
    Parts parts = new Parts();
    Cache<Integer, Integer> cache = manager.createCache("parts", parts.configuration());

    cache.deregisterCacheEntryListener(parts.syncConfiguration);

    assertThat(parts.syncListener.closed.get()).isEqualTo(1);
    assertThat(parts.filter.closed.get()).isEqualTo(1);
    assertThat(parts.asyncListener.closed.get()).isZero();
  }

  // -----------------------------------------------------------------------------------------------------------
  // A closed cache refuses operations

  @Test
  void operationsOnAClosedCacheThrowIllegalStateException() {
    CacheManager manager = managers.newManager("close-ops");
    Cache<Integer, Integer> cache = manager.createCache("ops",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class));
    cache.put(1, 1);
    manager.close();
    assertThat(cache.isClosed()).isTrue();

    Map<String, Consumer<Cache<Integer, Integer>>> operations = new LinkedHashMap<>();
    operations.put("get", c -> c.get(1));
    operations.put("getAll", c -> c.getAll(Set.of(1)));
    operations.put("containsKey", c -> c.containsKey(1));
    operations.put("loadAll", c -> c.loadAll(Set.of(1), true, null));
    operations.put("put", c -> c.put(1, 2));
    operations.put("getAndPut", c -> c.getAndPut(1, 2));
    operations.put("putAll", c -> c.putAll(Map.of(1, 2)));
    operations.put("putIfAbsent", c -> c.putIfAbsent(2, 2));
    operations.put("remove", c -> c.remove(1));
    operations.put("remove(k,v)", c -> c.remove(1, 1));
    operations.put("getAndRemove", c -> c.getAndRemove(1));
    operations.put("replace(k,o,n)", c -> c.replace(1, 1, 2));
    operations.put("replace", c -> c.replace(1, 2));
    operations.put("getAndReplace", c -> c.getAndReplace(1, 2));
    operations.put("removeAll(keys)", c -> c.removeAll(Set.of(1)));
    operations.put("removeAll", Cache::removeAll);
    operations.put("clear", Cache::clear);
    operations.put("invoke", c -> c.invoke(1, (entry, args) -> null));
    operations.put("invokeAll", c -> c.invokeAll(Set.of(1), (entry, args) -> null));
    operations.put("iterator", Cache::iterator);
    operations.put("registerCacheEntryListener", c -> c.registerCacheEntryListener(
        async(new CountingListener(false))));
    for (Map.Entry<String, Consumer<Cache<Integer, Integer>>> operation : operations.entrySet()) {
      assertThatThrownBy(() -> operation.getValue().accept(cache)).as(operation.getKey())
          .isInstanceOf(IllegalStateException.class);
    }

    // These still answer on a closed cache.
    assertThat(cache.getName()).isEqualTo("ops");
    assertThat(cache.getCacheManager()).isSameAs(manager);
    assertThat(cache.unwrap(GoldyloxCache.class)).isNotNull();
    assertThatThrownBy(() -> manager.getCache("ops")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> manager.createCache("other", new MutableConfiguration<>()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anIteratorTakenBeforeCloseRefusesRemoveAfterIt() {
    CacheManager manager = managers.newManager("close-iterator");
    Cache<Integer, Integer> cache = manager.createCache("it",
        new MutableConfiguration<Integer, Integer>().setTypes(Integer.class, Integer.class));
    cache.put(1, 1);
    var iterator = cache.iterator();
    iterator.next();

    cache.close();

    assertThatThrownBy(iterator::remove).isInstanceOf(IllegalStateException.class);
  }
}

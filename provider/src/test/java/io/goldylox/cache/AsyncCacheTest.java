package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.spi.GoldyloxCachingProvider;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.integration.CacheLoader;
import javax.cache.processor.EntryProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The asynchronous view of a local cache: hits and changes complete on the caller before the method returns, a
 * load runs on the manager's async threads while the caller goes on, and arguments are checked at once.
 */
class AsyncCacheTest {

  private final CacheManager manager = new GoldyloxCachingProvider().getCacheManager(
      URI.create("urn:goldylox:async-test"), getClass().getClassLoader());

  @AfterEach
  void close() {
    manager.close();
  }

  /** A loader that waits for the test to let it go, and says on which thread it ran. */
  public static final class GatedLoader implements CacheLoader<String, String> {
    static final CountDownLatch GATE = new CountDownLatch(1);
    static final AtomicReference<String> THREAD = new AtomicReference<>();

    @Override
    public String load(String key) {
      THREAD.set(Thread.currentThread().getName());
      try {
        GATE.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "loaded-" + key;
    }

    @Override
    public java.util.Map<String, String> loadAll(Iterable<? extends String> keys) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void hitsAndLocalChangesCompleteOnTheCaller() throws Exception {
    Cache<String, Long> cache = manager.createCache("local",
        GoldyloxConfiguration.builder(String.class, Long.class).build());
    AsyncCache<String, Long> async = cache.unwrap(AsyncCache.class);

    CompletableFuture<Void> put = async.putAsync("k", 1L).toCompletableFuture();
    assertThat(put).isCompleted();
    assertThat(async.getAsync("k").toCompletableFuture()).isCompletedWithValue(1L);
    assertThat(async.getAsync("absent").toCompletableFuture()).isCompletedWithValue(null);
    EntryProcessor<String, Long, Long> increment = (entry, args) -> {
      entry.setValue(entry.getValue() + 1);
      return entry.getValue();
    };
    assertThat(async.invokeAsync("k", increment).toCompletableFuture()).isCompletedWithValue(2L);
    assertThat(async.removeAsync("k").toCompletableFuture()).isCompletedWithValue(true);
    assertThat(cache.get("k")).isNull();
    assertThat(cache.unwrap(AsyncCache.class)).isSameAs(async);

    assertThatThrownBy(() -> async.getAsync(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> async.putAsync("k", null)).isInstanceOf(NullPointerException.class);
    cache.close();
    assertThatThrownBy(() -> async.getAsync("k")).isInstanceOf(IllegalStateException.class);
  }

  /** An asynchronous get counts as a get in the statistics: its hit or miss and its time. */
  @Test
  void anAsynchronousGetIsTimedAsAGet() throws Exception {
    Cache<String, Long> cache = manager.createCache("timed",
        GoldyloxConfiguration.builder(String.class, Long.class).statistics(true).build());
    AsyncCache<String, Long> async = cache.unwrap(AsyncCache.class);
    cache.put("k", 1L);
    io.goldylox.stats.CacheStatistics statistics = cache.unwrap(GoldyloxCache.class).statistics();
    long before = statistics.getTimeNanos();

    for (int i = 0; i < 100; i++) {
      assertThat(async.getAsync("k").toCompletableFuture()).isCompletedWithValue(1L);
    }

    assertThat(statistics.hits()).isEqualTo(100);
    assertThat(statistics.getTimeNanos()).as("get time recorded by getAsync").isGreaterThan(before);
  }

  @Test
  void aLoadRunsOnTheAsyncThreadsWhileTheCallerGoesOn() throws Exception {
    Cache<String, String> cache = manager.createCache("loading",
        GoldyloxConfiguration.builder(String.class, String.class)
            .readThrough(FactoryBuilder.factoryOf(GatedLoader.class)).build());
    AsyncCache<String, String> async = cache.unwrap(AsyncCache.class);

    CompletableFuture<String> load = async.getAsync("x").toCompletableFuture();
    assertThat(load).as("the caller is not held by the loader").isNotDone();
    GatedLoader.GATE.countDown();
    assertThat(load.get(30, TimeUnit.SECONDS)).isEqualTo("loaded-x");
    assertThat(GatedLoader.THREAD.get()).startsWith("goldylox-").contains("-async-");
    assertThat(async.getAsync("x").toCompletableFuture()).isCompletedWithValue("loaded-x");
  }
}

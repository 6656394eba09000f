package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.WriteBehindConfig;
import io.goldylox.spi.GoldyloxCachingProvider;
import io.goldylox.testing.TestManagers;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CompletionListenerFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A loadAll does not replace a write still pending in the write-behind journal with the store's older value. */
class LoadAllPendingWriteTest {

  static final Map<String, String> STORE = new ConcurrentHashMap<>();
  static volatile CountDownLatch open = new CountDownLatch(1);

  @TempDir
  Path dir;

  private final GoldyloxCachingProvider provider = new GoldyloxCachingProvider();

  @AfterEach
  void close() {
    open.countDown();
    provider.close();
  }

  public static final class HeldWriter implements CacheWriter<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    private static void await() {
      try {
        open.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      await();
      STORE.put(entry.getKey(), entry.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      await();
      entries.forEach(e -> STORE.put(e.getKey(), e.getValue()));
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      await();
      STORE.remove(key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      await();
      keys.forEach(STORE::remove);
      keys.clear();
    }
  }

  public static final class StoreLoader implements CacheLoader<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public String load(String key) {
      return STORE.get(key);
    }

    @Override
    public Map<String, String> loadAll(Iterable<? extends String> keys) {
      Map<String, String> found = new HashMap<>();
      keys.forEach(k -> {
        if (STORE.containsKey(k)) {
          found.put(k, STORE.get(k));
        }
      });
      return found;
    }
  }

  @Test
  void loadAllDoesNotReplaceAPendingWriteWithTheStoresOlderValue() throws Exception {
    STORE.clear();
    open = new CountDownLatch(1);
    STORE.put("k", "old");
    GoldyloxConfiguration<String, String> configuration = new GoldyloxConfiguration<>();
    configuration.setTypes(String.class, String.class);
    configuration.setCacheLoaderFactory(FactoryBuilder.factoryOf(StoreLoader.class)).setReadThrough(true);
    configuration.setWriteBehind(WriteBehindConfig.builder()
        .writer(FactoryBuilder.factoryOf(HeldWriter.class))
        .journal(dir.resolve("journal"))
        .batchSize(100)
        .maxDelay(Duration.ofMillis(20))
        .closeTimeout(Duration.ofSeconds(5))
        .build());
    CacheManager manager = provider.getCacheManager(TestManagers.uniqueUri("loadall-pending"), getClass().getClassLoader());
    Cache<String, String> cache = manager.createCache("wb", configuration);

    cache.put("k", "new"); // pending: the writer is held
    CompletionListenerFuture done = new CompletionListenerFuture();
    cache.loadAll(Set.of("k"), true, done);
    done.get(5, TimeUnit.SECONDS);

    assertThat(cache.get("k")).as("read-your-writes: the pending put is newer than the store").isEqualTo("new");
  }
}

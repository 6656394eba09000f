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
import java.util.LinkedHashSet;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * loadAll(replace=true) with write-behind: a put journaled after loadAll's pending check but before its window
 * opened is not counted (no window open) and the store does not have it yet, so the loaded (older) value
 * replaces it: read-your-writes lost, and cache and store disagree once the journal flushes.
 */
@Timeout(30)
class LoadAllWriteBehindWindowTest {

  static final Map<Object, String> STORE = new ConcurrentHashMap<>();
  static volatile CountDownLatch writerOpen = new CountDownLatch(1);
  static volatile CountDownLatch gateEntered = new CountDownLatch(1);
  static volatile CountDownLatch gateRelease = new CountDownLatch(1);
  static volatile Thread testThread;

  @TempDir
  Path dir;

  private final GoldyloxCachingProvider provider = new GoldyloxCachingProvider();

  @AfterEach
  void close() {
    writerOpen.countDown();
    gateRelease.countDown();
    provider.close();
  }

  /** A key whose hashCode, once, on a thread other than the test's, waits at the gate (the loader thread). */
  public static final class Key implements Serializable {
    private static final long serialVersionUID = 1L;
    final String name;
    final boolean gated;
    transient volatile boolean passed;

    Key(String name, boolean gated) {
      this.name = name;
      this.gated = gated;
    }

    @Override
    public int hashCode() {
      if (gated && !passed && Thread.currentThread() != testThread) {
        passed = true;
        gateEntered.countDown();
        try {
          gateRelease.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return name.hashCode();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key && ((Key) o).name.equals(name);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  public static final class HeldWriter implements CacheWriter<Object, String>, Serializable {
    private static final long serialVersionUID = 1L;

    private static void await() {
      try {
        writerOpen.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void write(Cache.Entry<? extends Object, ? extends String> entry) {
      await();
      STORE.put(entry.getKey(), entry.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends Object, ? extends String>> entries) {
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

  public static final class StoreLoader implements CacheLoader<Object, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public String load(Object key) {
      return STORE.get(key);
    }

    @Override
    public Map<Object, String> loadAll(Iterable<? extends Object> keys) {
      Map<Object, String> found = new HashMap<>();
      for (Object k : keys) {
        String v = STORE.get(k);
        if (v != null) {
          found.put(k, v);
        }
      }
      return found;
    }
  }

  @Test
  void aPutJournaledJustBeforeLoadAllsWindowIsNotReplacedByTheStoresOlderValue() throws Exception {
    testThread = Thread.currentThread();
    STORE.clear();
    Key k = new Key("k", false);
    Key gate = new Key("gate", true);
    STORE.put(k, "old");
    GoldyloxConfiguration<Object, String> configuration = new GoldyloxConfiguration<>();
    configuration.setTypes(Object.class, String.class);
    configuration.setCacheLoaderFactory(FactoryBuilder.factoryOf(StoreLoader.class)).setReadThrough(true);
    configuration.setWriteBehind(WriteBehindConfig.builder()
        .writer(FactoryBuilder.factoryOf(HeldWriter.class))
        .journal(dir.resolve("journal"))
        .batchSize(100)
        .maxDelay(Duration.ofMillis(20))
        .closeTimeout(Duration.ofSeconds(5))
        .build());
    CacheManager manager = provider.getCacheManager(TestManagers.uniqueUri("loadall-window"), getClass().getClassLoader());
    Cache<Object, String> cache = manager.createCache("wb", configuration);

    Set<Object> keys = new LinkedHashSet<>();
    keys.add(k);
    keys.add(gate);
    CompletionListenerFuture done = new CompletionListenerFuture();
    cache.loadAll(keys, true, done);
    // The loader thread checked k's pending write (none) and waits in the gate key's check, before its window.
    assertThat(gateEntered.await(5, TimeUnit.SECONDS)).isTrue();
    cache.put(k, "new"); // journaled (the writer is held): pending, not in the store
    gateRelease.countDown();
    done.get(5, TimeUnit.SECONDS);

    assertThat(cache.get(k)).as("read-your-writes: the pending put is newer than the store's value").isEqualTo("new");
  }
}

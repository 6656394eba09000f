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
 * A {@code loadAll(replace = true)} does not replace a write still pending in the write-behind journal with the
 * store's older value (read-your-writes; once the journal flushed, cache and store would disagree for good): not
 * one journaled before the loadAll began, nor one journaled while it checks its keys for pending writes.
 */
@Timeout(30)
class LoadAllPendingWriteTest {

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

  /** Writes the store once {@link #writerOpen} opens (so the cache's writes stay pending until then). */
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
      for (Object key : keys) {
        String value = STORE.get(key);
        if (value != null) {
          found.put(key, value);
        }
      }
      return found;
    }
  }

  /** A key whose hashCode, once, on a thread other than the test's (the loader thread), waits at the gate. */
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

  private Cache<Object, String> cache(String purpose) {
    testThread = Thread.currentThread();
    STORE.clear();
    writerOpen = new CountDownLatch(1);
    gateEntered = new CountDownLatch(1);
    gateRelease = new CountDownLatch(1);
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
    CacheManager manager = provider.getCacheManager(TestManagers.uniqueUri(purpose), getClass().getClassLoader());
    return manager.createCache("wb", configuration);
  }

  @Test
  void loadAllDoesNotReplaceAPendingWriteWithTheStoresOlderValue() throws Exception {
    Cache<Object, String> cache = cache("loadall-pending");
    STORE.put("k", "old");

    cache.put("k", "new"); // pending: the writer is held
    CompletionListenerFuture done = new CompletionListenerFuture();
    cache.loadAll(Set.of("k"), true, done);
    done.get(5, TimeUnit.SECONDS);

    assertThat(cache.get("k")).as("read-your-writes: the pending put is newer than the store").isEqualTo("new");
  }

  @Test
  void aPutJournaledWhileLoadAllChecksItsKeysIsNotReplacedByTheStoresOlderValue() throws Exception {
    Cache<Object, String> cache = cache("loadall-window");
    Key k = new Key("k", false);
    STORE.put(k, "old");

    Set<Object> keys = new LinkedHashSet<>();
    keys.add(k);
    keys.add(new Key("gate", true));
    CompletionListenerFuture done = new CompletionListenerFuture();
    cache.loadAll(keys, true, done);
    // The loader thread checked k for a pending write (none) and waits in the gate key's check.
    assertThat(gateEntered.await(5, TimeUnit.SECONDS)).isTrue();
    cache.put(k, "new"); // journaled (the writer is held): pending, not in the store
    gateRelease.countDown();
    done.get(5, TimeUnit.SECONDS);

    assertThat(cache.get(k)).as("read-your-writes: the pending put is newer than the store's value").isEqualTo("new");
  }
}

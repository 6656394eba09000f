package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.TestManagers;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CompletionListenerFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bulk operations that talk to the store outside the keys' steps ({@code getAll} with read-through, {@code loadAll},
 * {@code putAll} with write-through) against single-key changes of the same keys made meanwhile: cache and store
 * agree afterwards, and a bulk load stores only the keys asked for. Races are made exact with a store that holds
 * the loader or writer at a gate after it read or wrote (only that thread waits; the cache's callers never do).
 */
class BulkStoreRacesTest {

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void close() {
    managers.close();
  }

  /** A store behind a loader and a writer; loadAll/writeAll can be held at a gate. */
  static final class GatedStore implements CacheLoader<String, String>, CacheWriter<String, String> {
    final Map<String, String> rows = new ConcurrentHashMap<>();
    final Map<String, String> extra = new ConcurrentHashMap<>();
    volatile CountDownLatch entered;
    volatile CountDownLatch release;

    private void gate() {
      CountDownLatch in = entered;
      CountDownLatch out = release;
      if (in != null && out != null) {
        in.countDown();
        try {
          out.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public String load(String key) {
      return rows.get(key);
    }

    @Override
    public Map<String, String> loadAll(Iterable<? extends String> keys) {
      Map<String, String> found = new HashMap<>(extra);
      for (String key : keys) {
        String value = rows.get(key);
        if (value != null) {
          found.put(key, value);
        }
      }
      gate(); // the store was read; a concurrent change may happen now
      return found;
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      rows.put(entry.getKey(), entry.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      for (Cache.Entry<? extends String, ? extends String> entry : entries) {
        rows.put(entry.getKey(), entry.getValue());
      }
      gate(); // written; the cache is not updated yet
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      rows.remove(key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      for (Object key : keys) {
        rows.remove(key);
      }
      gate(); // deleted; the cache is not updated yet
      keys.clear();
    }
  }

  private Cache<String, String> cache(GatedStore store) {
    return managers.newManager("bulk-races").createCache("c", new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class)
        .setCacheLoaderFactory(new FactoryBuilder.SingletonFactory<CacheLoader<String, String>>(store))
        .setReadThrough(true)
        .setCacheWriterFactory(new FactoryBuilder.SingletonFactory<CacheWriter<String, String>>(store))
        .setWriteThrough(true));
  }

  /** Cache.getAll returns "the values associated with the set of keys requested": not other keys. */
  @Test
  void getAllReturnsOnlyRequestedKeysWhenTheLoaderReturnsMore() {
    GatedStore store = new GatedStore();
    store.rows.put("a", "A");
    store.extra.put("unasked", "U");
    Cache<String, String> cache = cache(store);

    Map<String, String> result = cache.getAll(Set.of("a"));

    assertThat(result).containsOnlyKeys("a");
  }

  /** loadAll stores what the loader returned for the keys asked for, not other keys it returned. */
  @Test
  void loadAllStoresOnlyTheKeysAskedFor() throws Exception {
    GatedStore store = new GatedStore();
    store.rows.put("a", "A");
    store.extra.put("unasked", "U");
    Cache<String, String> cache = cache(store);
    CompletionListenerFuture done = new CompletionListenerFuture();
    cache.loadAll(Set.of("a"), true, done);
    done.get(5, TimeUnit.SECONDS);

    assertThat(cache.containsKey("a")).isTrue();
    assertThat(cache.containsKey("unasked")).as("a key the loader returned unasked").isFalse();
  }

  /** removeAll (write-through) racing a put of the same key: cache and store must agree afterwards. */
  @Test
  void removeAllRacingPutLeavesCacheAndStoreAgreeing() throws Exception {
    GatedStore store = new GatedStore();
    store.rows.put("k", "old");
    Cache<String, String> cache = cache(store);
    cache.put("k", "old");
    store.entered = new CountDownLatch(1);
    store.release = new CountDownLatch(1);
    Thread bulk = new Thread(() -> cache.removeAll(Set.of("k")));
    bulk.start();
    assertThat(store.entered.await(5, TimeUnit.SECONDS)).isTrue();
    store.entered = null;
    cache.put("k", "fromPut"); // does not wait: the deleteAll runs outside the key's step
    store.release.countDown();
    bulk.join(5_000);

    assertThat(cache.containsKey("k")).as("cache holds k vs store (%s)", store.rows)
        .isEqualTo(store.rows.containsKey("k"));
  }

  /** putAll (write-through) racing a put of the same key: cache and store must agree afterwards. */
  @Test
  void putAllRacingPutLeavesCacheAndStoreAgreeing() throws Exception {
    GatedStore store = new GatedStore();
    Cache<String, String> cache = cache(store);
    store.entered = new CountDownLatch(1);
    store.release = new CountDownLatch(1);
    Thread bulk = new Thread(() -> cache.putAll(Map.of("k", "fromPutAll")));
    bulk.start();
    assertThat(store.entered.await(5, TimeUnit.SECONDS)).isTrue();
    store.entered = null;
    cache.put("k", "fromPut"); // does not wait: the writeAll runs outside the key's step
    store.release.countDown();
    bulk.join(5_000);

    assertThat(cache.get("k")).as("cache vs store (%s)", store.rows).isEqualTo(store.rows.get("k"));
  }

  /** getAll (read-through) racing a remove: the removed key must not come back into the cache. */
  @Test
  void getAllRacingRemoveDoesNotResurrectTheKey() throws Exception {
    GatedStore store = new GatedStore();
    store.rows.put("k", "old");
    Cache<String, String> cache = cache(store);
    store.entered = new CountDownLatch(1);
    store.release = new CountDownLatch(1);
    AtomicReference<Map<String, String>> got = new AtomicReference<>();
    Thread reader = new Thread(() -> got.set(cache.getAll(Set.of("k"))));
    reader.start();
    assertThat(store.entered.await(5, TimeUnit.SECONDS)).isTrue();
    store.entered = null;
    assertThat(cache.remove("k")).isFalse(); // deletes "k" from the store (write-through)
    store.release.countDown();
    reader.join(5_000);

    assertThat(store.rows).doesNotContainKey("k");
    assertThat(cache.containsKey("k")).as("removed key back in the cache, store has none").isFalse();
  }

  /** loadAll racing a remove: the removed key must not come back into the cache. */
  @Test
  void loadAllRacingRemoveDoesNotResurrectTheKey() throws Exception {
    GatedStore store = new GatedStore();
    store.rows.put("k", "old");
    Cache<String, String> cache = cache(store);
    store.entered = new CountDownLatch(1);
    store.release = new CountDownLatch(1);
    CompletionListenerFuture done = new CompletionListenerFuture();
    cache.loadAll(Set.of("k"), false, done);
    assertThat(store.entered.await(5, TimeUnit.SECONDS)).isTrue();
    store.entered = null;
    cache.remove("k");
    store.release.countDown();
    done.get(5, TimeUnit.SECONDS);

    assertThat(store.rows).doesNotContainKey("k");
    assertThat(cache.containsKey("k")).as("removed key back in the cache, store has none").isFalse();
  }
}

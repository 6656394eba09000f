package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.stats.CacheStatistics;
import io.goldylox.testing.MapStore;
import io.goldylox.testing.TestManagers;
import java.io.Serializable;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CacheWriterException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Write-through and read-through against a store: a failing writer leaves the cache exactly as it was (no
 * change, no event, no statistics), a partly failing writeAll/deleteAll leaves exactly the failed entries out,
 * and read-through loads count as misses and are not written back.
 *
 * <p>The store is {@link MapStore}, an in-memory stand-in: these tests should run against H2 once the provider
 * module has {@code com.h2database:h2} as a test dependency.
 */
class WriteThroughTest {

  private final TestManagers managers = new TestManagers();
  private final MapStore<String, String> store = new MapStore<>();
  private final EventLog events = new EventLog();
  private GoldyloxCache<String, String> cache;

  @BeforeEach
  void createCache() {
    cache = managers.newManager("write-through").createCache("through",
        new MutableConfiguration<String, String>().setTypes(String.class, String.class)
            .setCacheWriterFactory(store.writerFactory()).setWriteThrough(true)
            .setCacheLoaderFactory(store.loaderFactory()).setReadThrough(true)
            .setStatisticsEnabled(true)
            .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
                new FactoryBuilder.SingletonFactory<CacheEntryListener<? super String, ? super String>>(events),
                null, false, true)))
        .unwrap(GoldyloxCache.class);
  }

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  /** Synchronous listener recording "TYPE key" strings. */
  static final class EventLog implements CacheEntryCreatedListener<String, String>,
      CacheEntryUpdatedListener<String, String>, CacheEntryRemovedListener<String, String>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();

    private void log(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
      batch.forEach(e -> seen.add(e.getEventType() + " " + e.getKey()));
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
      log(batch);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
      log(batch);
    }

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends String, ? extends String>> batch) {
      log(batch);
    }
  }

  private Set<String> cachedKeys() {
    Set<String> keys = new HashSet<>();
    // containsKey counts no statistics (iterating would count hits).
    for (String key : Set.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "present", "absent")) {
      if (cache.containsKey(key)) {
        keys.add(key);
      }
    }
    return keys;
  }

  private static Map<String, String> tenEntries() {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < 10; i++) {
      values.put("k" + i, "v" + i);
    }
    return values;
  }

  // -----------------------------------------------------------------------------------------------------------
  // A failing writer changes nothing

  @Test
  void aWriteThatFailsLeavesTheCacheUnchanged() {
    cache.put("present", "old");
    store.failing.add("present");
    store.failing.add("absent");
    cache.statistics().clear();
    events.seen.clear();

    Map<String, Consumer<Cache<String, String>>> operations = new LinkedHashMap<>();
    operations.put("put existing", c -> c.put("present", "new"));
    operations.put("put absent", c -> c.put("absent", "new"));
    operations.put("getAndPut", c -> c.getAndPut("present", "new"));
    operations.put("putIfAbsent", c -> c.putIfAbsent("absent", "new"));
    operations.put("replace", c -> c.replace("present", "new"));
    operations.put("replace(k,o,n)", c -> c.replace("present", "old", "new"));
    operations.put("getAndReplace", c -> c.getAndReplace("present", "new"));
    operations.put("remove", c -> c.remove("present"));
    operations.put("remove(k,v)", c -> c.remove("present", "old"));
    operations.put("getAndRemove", c -> c.getAndRemove("present"));
    operations.put("invoke setValue", c -> c.invoke("present", (entry, args) -> {
      entry.setValue("new");
      return null;
    }));
    operations.put("invoke remove", c -> c.invoke("present", (entry, args) -> {
      entry.remove();
      return null;
    }));
    operations.put("invoke create", c -> c.invoke("absent", (entry, args) -> {
      entry.setValue("new");
      return null;
    }));
    for (Map.Entry<String, Consumer<Cache<String, String>>> operation : operations.entrySet()) {
      assertThatThrownBy(() -> operation.getValue().accept(cache)).as(operation.getKey())
          .isInstanceOf(CacheException.class)
          .satisfies(e -> assertThat(causes(e)).as("%s: the writer's exception is reported", operation.getKey())
              .anyMatch(CacheWriterException.class::isInstance));
      assertThat(cache.containsKey("absent")).as(operation.getKey()).isFalse();
    }

    CacheStatistics statistics = cache.statistics();
    assertThat(statistics.puts()).as("no failed write counted as a put").isZero();
    assertThat(statistics.removals()).as("no failed delete counted as a removal").isZero();
    assertThat(events.seen).as("no event for a failed write").isEmpty();
    assertThat(cache.get("present")).isEqualTo("old");
    assertThat(store.rows).containsOnly(Map.entry("present", "old"));
  }

  private static Set<Throwable> causes(Throwable e) {
    Set<Throwable> chain = new LinkedHashSet<>();
    for (Throwable t = e; t != null && chain.add(t); t = t.getCause()) {
      // collect
    }
    return chain;
  }

  @Test
  void successfulWritesReachTheStore() {
    cache.put("k0", "v0");
    cache.putAll(Map.of("k1", "v1", "k2", "v2"));
    cache.invoke("k3", (entry, args) -> {
      entry.setValue("v3");
      return null;
    });
    cache.remove("k1");
    assertThat(store.rows).containsOnly(Map.entry("k0", "v0"), Map.entry("k2", "v2"), Map.entry("k3", "v3"));
    assertThat(cachedKeys()).containsExactlyInAnyOrder("k0", "k2", "k3");
  }

  // -----------------------------------------------------------------------------------------------------------
  // Partial failures of batches

  @Test
  void writeAllThatFailsForSomeEntriesLeavesExactlyThoseOut() {
    cache.put("k3", "before"); // an existing entry whose update fails keeps its old value
    cache.statistics().clear();
    events.seen.clear();
    store.failing.addAll(Set.of("k3", "k7"));

    assertThatThrownBy(() -> cache.putAll(tenEntries())).isInstanceOf(CacheWriterException.class);

    assertThat(cachedKeys()).containsExactlyInAnyOrder("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k8", "k9");
    assertThat(cache.get("k3")).isEqualTo("before");
    assertThat(cache.get("k5")).isEqualTo("v5");
    assertThat(store.rows.keySet()).containsExactlyInAnyOrder("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k8", "k9");
    assertThat(cache.statistics().puts()).isEqualTo(8);
    assertThat(events.seen).hasSize(8).doesNotContain("UPDATED k3", "CREATED k7");
  }

  @Test
  void writeAllThatStopsAtTheFirstFailureLeavesEverythingUnwrittenOut() {
    store.stopAtFirstFailure = true;
    store.failing.add("k3");

    assertThatThrownBy(() -> cache.putAll(tenEntries())).isInstanceOf(CacheWriterException.class);

    assertThat(store.rows.keySet()).containsExactlyInAnyOrder("k0", "k1", "k2");
    assertThat(cachedKeys()).isEqualTo(store.rows.keySet());
  }

  @Test
  void deleteAllThatFailsForSomeKeysLeavesExactlyThoseIn() {
    cache.putAll(tenEntries());
    cache.statistics().clear();
    store.failing.addAll(Set.of("k2", "k5"));

    assertThatThrownBy(() -> cache.removeAll(tenEntries().keySet())).isInstanceOf(CacheWriterException.class);

    assertThat(cachedKeys()).containsExactlyInAnyOrder("k2", "k5");
    assertThat(store.rows.keySet()).containsExactlyInAnyOrder("k2", "k5");
    assertThat(cache.statistics().removals()).isEqualTo(8);
  }

  @Test
  void removeAllWithoutKeysThatFailsForSomeKeysLeavesExactlyThoseIn() {
    cache.putAll(tenEntries());
    store.failing.add("k9");

    assertThatThrownBy(() -> cache.removeAll()).isInstanceOf(CacheWriterException.class);

    assertThat(cachedKeys()).containsExactly("k9");
    assertThat(store.rows.keySet()).containsExactly("k9");
  }

  // -----------------------------------------------------------------------------------------------------------
  // Read-through

  @Test
  void getLoadsAMissCountsItAndDoesNotWriteItBack() {
    store.rows.put("k1", "stored");
    int writes = store.writes.get();

    assertThat(cache.get("k1")).isEqualTo("stored");
    assertThat(cache.statistics().misses()).isEqualTo(1);
    assertThat(cache.statistics().hits()).isZero();
    assertThat(store.loads.get()).isEqualTo(1);
    assertThat(store.writes.get()).as("a loaded value is not written back").isEqualTo(writes);
    assertThat(events.seen).containsExactly("CREATED k1");

    assertThat(cache.get("k1")).isEqualTo("stored");
    assertThat(cache.statistics().hits()).isEqualTo(1);
    assertThat(store.loads.get()).as("the second get is a hit").isEqualTo(1);

    assertThat(cache.get("nowhere")).isNull();
    assertThat(cache.statistics().misses()).isEqualTo(2);
    assertThat(cache.containsKey("nowhere")).isFalse();
  }

  @Test
  void getAllLoadsWhatIsMissingAndCountsEachKey() {
    cache.put("k0", "cached");
    store.rows.put("k1", "stored1");
    store.rows.put("k2", "stored2");
    int writes = store.writes.get();
    cache.statistics().clear();

    Map<String, String> got = cache.getAll(Set.of("k0", "k1", "k2", "k3"));

    assertThat(got).containsOnly(Map.entry("k0", "cached"), Map.entry("k1", "stored1"), Map.entry("k2", "stored2"));
    assertThat(cache.statistics().hits()).isEqualTo(1);
    assertThat(cache.statistics().misses()).isEqualTo(3);
    assertThat(store.writes.get()).isEqualTo(writes);
    assertThat(cachedKeys()).containsExactlyInAnyOrder("k0", "k1", "k2");
  }

  @Test
  void aLoaderThatFailsStoresNothing() {
    GoldyloxCache<String, String> failing = managers.newManager("read-through-failing").createCache("failing",
        new MutableConfiguration<String, String>().setTypes(String.class, String.class)
            .setCacheLoaderFactory(new FactoryBuilder.SingletonFactory<>(new FailingLoader()))
            .setReadThrough(true))
        .unwrap(GoldyloxCache.class);

    assertThatThrownBy(() -> failing.get("k")).isInstanceOf(CacheLoaderException.class);
    assertThatThrownBy(() -> failing.getAll(Set.of("k", "l"))).isInstanceOf(CacheLoaderException.class);
    assertThat(failing.size()).isZero();
  }

  static final class FailingLoader implements javax.cache.integration.CacheLoader<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public String load(String key) {
      throw new IllegalStateException("database down (expected by the test)");
    }

    @Override
    public Map<String, String> loadAll(Iterable<? extends String> keys) {
      throw new IllegalStateException("database down (expected by the test)");
    }
  }
}

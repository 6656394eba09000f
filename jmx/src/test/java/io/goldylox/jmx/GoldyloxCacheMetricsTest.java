package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.spi.GoldyloxCacheManager;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GoldyloxCacheMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private CacheManager manager;

  @AfterEach
  void closeManager() {
    if (manager != null) {
      manager.close();
    }
  }

  private Cache<String, String> newCache(String name, boolean statistics) {
    if (manager == null) {
      manager = TestCaches.newManager();
    }
    return manager.createCache(name, new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class).setStatisticsEnabled(statistics));
  }

  private double counter(String meter, Cache<?, ?> cache, String... tags) {
    return registry.get(meter).tag("cache", cache.getName()).tags(tags).functionCounter().count();
  }

  private double gauge(String meter, Cache<?, ?> cache) {
    return registry.get(meter).tag("cache", cache.getName()).gauge().value();
  }

  @Test
  void countsEveryOperationWhenStatisticsAreOnFromTheStart() {
    Cache<String, String> cache = newCache("orders", true);
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.of("app", "test"));

    cache.put("a", "1");
    cache.put("b", "2");
    cache.put("c", "3");
    cache.get("a");
    cache.get("b");
    cache.get("nope");
    cache.remove("c");
    cache.remove("never-there");

    assertThat(counter("cache.gets", cache, "result", "hit")).isEqualTo(2);
    assertThat(counter("cache.gets", cache, "result", "miss")).isEqualTo(1);
    assertThat(counter("cache.puts", cache)).isEqualTo(3);
    assertThat(counter("cache.evictions", cache)).isZero();
    assertThat(counter("goldylox.cache.removals", cache)).isEqualTo(1);
    assertThat(gauge("cache.size", cache)).isEqualTo(2);
    assertThat(gauge("goldylox.listener.events.pending", cache)).isZero();
    assertThat(counter("goldylox.listener.events.dropped", cache)).isZero();
    assertThat(counter("goldylox.listener.events.failed", cache)).isZero();
  }

  @Test
  void registersExactlyTheDocumentedMetersWithCacheAndManagerTags() {
    Cache<String, String> cache = newCache("tagged", true);
    GoldyloxCacheMetrics.monitor(registry, cache, "app", "test");

    Set<String> names = registry.getMeters().stream().map(m -> m.getId().getName()).collect(Collectors.toSet());
    assertThat(names).containsExactlyInAnyOrder("cache.size", "cache.gets", "cache.puts", "cache.evictions",
        "goldylox.cache.removals", "goldylox.listener.events.pending", "goldylox.listener.events.dropped",
        "goldylox.listener.events.failed", "goldylox.expiry.expired", "goldylox.expiry.sweeps",
        "goldylox.expiry.sweep.overdue");
    assertThat(registry.getMeters()).hasSize(12); // cache.gets twice: result=hit and result=miss
    for (Meter meter : registry.getMeters()) {
      assertThat(meter.getId().getTags()).as(meter.getId().toString()).contains(
          Tag.of("cache", "tagged"),
          Tag.of("cacheManager", cache.getCacheManager().getURI().toString()),
          Tag.of("app", "test"));
    }
  }

  @Test
  void followsStatisticsTurnedOnAndOffAtRuntimeAndAlwaysReportsTheRealSize() {
    Cache<String, String> cache = newCache("runtime", false);
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());

    cache.put("a", "1");
    cache.put("b", "2");
    cache.get("a");
    cache.remove("b");
    assertThat(counter("cache.puts", cache)).isZero();
    assertThat(counter("cache.gets", cache, "result", "hit")).isZero();
    assertThat(counter("goldylox.cache.removals", cache)).isZero();
    assertThat(gauge("cache.size", cache)).isEqualTo(1); // real, statistics or not

    manager.enableStatistics("runtime", true);
    cache.put("c", "3");
    cache.put("d", "4");
    cache.get("a");
    cache.get("c");
    cache.get("b"); // removed above: a miss
    cache.remove("a");
    assertThat(counter("cache.puts", cache)).isEqualTo(2);
    assertThat(counter("cache.gets", cache, "result", "hit")).isEqualTo(2);
    assertThat(counter("cache.gets", cache, "result", "miss")).isEqualTo(1);
    assertThat(counter("goldylox.cache.removals", cache)).isEqualTo(1);
    assertThat(gauge("cache.size", cache)).isEqualTo(2);

    manager.enableStatistics("runtime", false);
    cache.put("e", "5");
    cache.get("e");
    assertThat(counter("cache.puts", cache)).isEqualTo(2);
    assertThat(counter("cache.gets", cache, "result", "hit")).isEqualTo(2);
    assertThat(gauge("cache.size", cache)).isEqualTo(3);
  }

  @Test
  void reportsPendingDroppedAndFailedAsynchronousEvents() throws Exception {
    Properties properties = new Properties();
    properties.setProperty(GoldyloxCacheManager.MAX_PENDING_EVENTS_PROPERTY, "3");
    manager = TestCaches.newManager(properties);
    Cache<String, String> cache = newCache("events", false);
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());
    BlockingListener listener = new BlockingListener();
    cache.registerCacheEntryListener(listener.asyncConfiguration());
    try {
      for (int i = 0; i < 5; i++) {
        cache.put("k" + i, "v"); // every delivery blocks until release(): none completes, so none is unqueued
      }
      assertThat(gauge("goldylox.listener.events.pending", cache)).isEqualTo(3);
      assertThat(counter("goldylox.listener.events.dropped", cache)).isEqualTo(2);
      assertThat(counter("goldylox.listener.events.failed", cache)).isZero();
    } finally {
      listener.release();
    }
    TestCaches.await("the listener has drained its events",
        () -> gauge("goldylox.listener.events.pending", cache) == 0, Duration.ofSeconds(10));
    assertThat(counter("goldylox.listener.events.failed", cache)).isEqualTo(3);
    assertThat(counter("goldylox.listener.events.dropped", cache)).isEqualTo(2);
  }

  @Test
  void monitorReturnsTheCacheItWasGiven() {
    Cache<String, String> cache = newCache("chained", true);
    assertThat(GoldyloxCacheMetrics.monitor(registry, cache)).isSameAs(cache);
    cache.put("a", "1");
    assertThat(counter("cache.puts", cache)).isEqualTo(1);
  }

  @Test
  void refusesACacheOfAnotherProviderByName() {
    @SuppressWarnings("unchecked")
    Cache<String, String> foreign = (Cache<String, String>) Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {Cache.class}, (proxy, method, args) -> {
          switch (method.getName()) {
            case "getName":
              return "foreign";
            case "unwrap":
              throw new IllegalArgumentException("cannot unwrap");
            default:
              throw new UnsupportedOperationException(method.getName());
          }
        });
    assertThatThrownBy(() -> GoldyloxCacheMetrics.monitor(registry, foreign, Tags.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("foreign")
        .hasMessageContaining("not a Goldylox cache");
  }
}

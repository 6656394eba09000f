package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.management.MBeanRegistrar;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * A {@code clear()} of the standard statistics bean starts the bean's figures from zero, as the JCache
 * {@code CacheStatisticsMXBean} says, but never takes a Micrometer counter back: a function counter that goes
 * down reads as a counter reset (or a negative rate) to every monitoring system behind Micrometer.
 */
class CountersAcrossClearTest {

  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

  @Test
  void countersKeepCountingAcrossAStatisticsClear() throws Exception {
    CacheManager manager = TestCaches.newManager();
    try {
      Cache<String, String> cache = manager.createCache("clearing",
          GoldyloxConfiguration.builder(String.class, String.class).statistics(true).build());
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      GoldyloxCacheMetrics.monitor(registry, cache);
      for (int i = 0; i < 20; i++) {
        cache.put("k" + i, "v" + i);
      }
      cache.put("k19", "again");
      cache.get("k19");
      cache.get("absent");
      cache.remove("k19");
      Map<String, Double> before = counters(registry);
      assertThat(before).containsEntry("puts", 21.0).containsEntry("hits", 1.0).containsEntry("misses", 1.0)
          .containsEntry("removals", 1.0);

      ObjectName statistics = MBeanRegistrar.objectName(MBeanRegistrar.Kind.STATISTICS, manager.getURI(), "clearing");
      assertThat((Long) server.getAttribute(statistics, "CachePuts")).isEqualTo(21L);
      server.invoke(statistics, "clear", null, null);

      for (String attribute : new String[] {"CachePuts", "CacheHits", "CacheMisses", "CacheRemovals",
          "CacheGets"}) {
        assertThat((Long) server.getAttribute(statistics, attribute)).as(attribute + " after clear()").isZero();
      }
      Map<String, Double> afterClear = counters(registry);
      for (Map.Entry<String, Double> counter : before.entrySet()) {
        assertThat(afterClear.get(counter.getKey())).as(counter.getKey() + " after clear()")
            .isGreaterThanOrEqualTo(counter.getValue());
      }

      cache.put("k100", "v");
      cache.get("k100"); // a hit or, if the 4-entry heap turned the new key away, a miss
      assertThat((Long) server.getAttribute(statistics, "CachePuts")).as("CachePuts after one more put").isOne();
      assertThat((Long) server.getAttribute(statistics, "CacheGets")).as("CacheGets after one more get").isOne();
      Map<String, Double> after = counters(registry);
      assertThat(after.get("puts")).as("cache.puts after one more put").isEqualTo(afterClear.get("puts") + 1);
      assertThat(after.get("hits") + after.get("misses")).as("cache.gets after one more get")
          .isEqualTo(afterClear.get("hits") + afterClear.get("misses") + 1);
    } finally {
      manager.close();
    }
  }

  @Test
  void evictionsKeepCountingAcrossAStatisticsClear() throws Exception {
    CacheManager manager = TestCaches.newManager();
    try {
      Cache<String, String> cache = manager.createCache("evicting",
          GoldyloxConfiguration.builder(String.class, String.class).statistics(true).heapMaxEntries(4).build());
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      GoldyloxCacheMetrics.monitor(registry, cache);
      for (int i = 0; i < 20; i++) {
        cache.put("k" + i, "v" + i);
      }
      TestCaches.await("evictions from the 4-entry heap",
          () -> registry.get("cache.evictions").functionCounter().count() > 0, Duration.ofSeconds(20));
      double before = registry.get("cache.evictions").functionCounter().count();

      ObjectName statistics = MBeanRegistrar.objectName(MBeanRegistrar.Kind.STATISTICS, manager.getURI(), "evicting");
      server.invoke(statistics, "clear", null, null);
      // The heap may still be evicting: the bean counts only what came after clear(), the counter everything.
      long bean = (Long) server.getAttribute(statistics, "CacheEvictions");
      double after = registry.get("cache.evictions").functionCounter().count();
      assertThat(after).as("cache.evictions after clear()").isGreaterThanOrEqualTo(before);
      assertThat((double) bean).as("CacheEvictions after clear() (evictions since)").isLessThanOrEqualTo(after - before);
    } finally {
      manager.close();
    }
  }

  private static Map<String, Double> counters(SimpleMeterRegistry registry) {
    Map<String, Double> counters = new TreeMap<>();
    counters.put("hits", registry.get("cache.gets").tag("result", "hit").functionCounter().count());
    counters.put("misses", registry.get("cache.gets").tag("result", "miss").functionCounter().count());
    counters.put("puts", registry.get("cache.puts").functionCounter().count());
    counters.put("removals", registry.get("goldylox.cache.removals").functionCounter().count());
    return counters;
  }
}

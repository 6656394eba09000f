package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import io.goldylox.management.MBeanRegistrar;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * JCache statistics, evictions included, are collected only while statistics are enabled (the binder's doc:
 * "The hit, miss, put, removal and eviction counters advance only while statistics are enabled").
 */
class EvictionsWhileDisabledTest {

  @Test
  void evictionsDoNotAdvanceWhileStatisticsAreDisabled() throws Exception {
    CacheManager manager = TestCaches.newManager();
    try {
      Cache<String, String> cache = manager.createCache("evicting",
          GoldyloxConfiguration.builder(String.class, String.class)
              .statistics(false)
              .heapMaxEntries(4)
              .offHeap(1, MemoryUnit.MB)
              .build());
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      GoldyloxCacheMetrics.monitor(registry, cache);
      GoldyloxCache<?, ?> goldylox = cache.unwrap(GoldyloxCache.class);
      String value = "x".repeat(16 * 1024);
      for (int i = 0; i < 400; i++) {
        cache.put("k" + i, value);
      }
      // Let the mover push the overflow out of the 1 MiB off-heap tier.
      TestCaches.await("the cache to evict", () -> goldylox.size() < 400, Duration.ofSeconds(20));
      // And to be done evicting (the mover goes on after the first evictions): the size stays put for 300 ms.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      for (long before = -1; before != goldylox.size() && System.nanoTime() < deadline; ) {
        before = goldylox.size();
        Thread.sleep(300);
      }

      assertThat(registry.get("cache.evictions").functionCounter().count())
          .as("cache.evictions while statistics are disabled").isZero();

      manager.enableStatistics("evicting", true);
      ObjectName stats = MBeanRegistrar.objectName(MBeanRegistrar.Kind.STATISTICS, manager.getURI(), "evicting");
      assertThat((Long) ManagementFactory.getPlatformMBeanServer().getAttribute(stats, "CacheEvictions"))
          .as("CacheEvictions right after statistics were enabled (no operation since)").isZero();
    } finally {
      manager.close();
    }
  }
}

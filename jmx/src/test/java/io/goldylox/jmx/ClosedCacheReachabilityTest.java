package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry (and the platform MBeanServer) must not keep a closed cache reachable. */
class ClosedCacheReachabilityTest {

  @TempDir
  Path dir;

  @Test
  void closedCachesAreCollectable() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CacheManager manager = TestCaches.newManager();
    try {
      WeakReference<?> plain = bindAndClose(registry, manager, manager.createCache("plain",
          new MutableConfiguration<String, String>().setTypes(String.class, String.class)
              .setStatisticsEnabled(true).setManagementEnabled(true)));
      WeakReference<?> tiered = bindAndClose(registry, manager, manager.createCache("tiered",
          GoldyloxConfiguration.builder(String.class, String.class).statistics(true).heapMaxEntries(4)
              .offHeap(1, MemoryUnit.MB).disk(dir.resolve("t"), 16, MemoryUnit.MB).build()));
      for (int i = 0; i < 20 && (plain.get() != null || tiered.get() != null); i++) {
        System.gc();
        Thread.sleep(50);
      }
      assertThat(plain.get()).as("closed plain cache still reachable").isNull();
      assertThat(tiered.get()).as("closed tiered cache still reachable").isNull();
      registry.getMeters().forEach(m -> m.measure().forEach(x -> { }));
    } finally {
      manager.close();
    }
  }

  private static WeakReference<?> bindAndClose(SimpleMeterRegistry registry, CacheManager manager,
      Cache<String, String> cache) {
    GoldyloxCacheMetrics.monitor(registry, cache);
    for (int i = 0; i < 20; i++) {
      cache.put("k" + i, "v" + i);
      cache.get("k" + i);
    }
    cache.close();
    return new WeakReference<>(cache.unwrap(io.goldylox.cache.GoldyloxCache.class));
  }
}

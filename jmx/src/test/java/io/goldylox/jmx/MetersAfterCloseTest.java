package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.cache.Cache;
import javax.cache.CacheManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** After close, every bound meter must still be readable: no exception, no NaN, no garbage from freed tiers. */
class MetersAfterCloseTest {

  @TempDir
  Path dir;

  @Test
  void everyMeterOfAClosedTieredCacheIsReadable() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CacheManager manager = TestCaches.newManager();
    try {
      Cache<String, String> cache = manager.createCache("closing",
          GoldyloxConfiguration.builder(String.class, String.class)
              .statistics(true).heapMaxEntries(4).offHeap(1, MemoryUnit.MB)
              .disk(dir.resolve("closing"), 16, MemoryUnit.MB).build());
      GoldyloxCacheMetrics.monitor(registry, cache);
      for (int i = 0; i < 50; i++) {
        cache.put("k" + i, "v" + i);
      }
      cache.close();
      List<String> bad = new ArrayList<>();
      for (Meter meter : registry.getMeters()) {
        try {
          for (Measurement m : meter.measure()) {
            if (Double.isNaN(m.getValue()) || m.getValue() < 0) {
              bad.add(meter.getId() + " " + m.getStatistic() + "=" + m.getValue());
            }
          }
        } catch (RuntimeException e) {
          bad.add(meter.getId() + " threw " + e);
        }
      }
      assertThat(bad).as("meters unreadable after close").isEmpty();
    } finally {
      manager.close();
    }
  }
}

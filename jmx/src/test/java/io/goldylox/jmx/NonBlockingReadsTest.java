package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every meter and bean attribute can be read while the cache is as locked as it ever gets: a key inside its atomic
 * step, the listener registry's, the configuration's and the manager's monitors all held by another thread.
 */
class NonBlockingReadsTest {

  private final CacheManager manager = TestCaches.newManager();

  @AfterEach
  void close() {
    for (String name : manager.getCacheNames()) {
      GoldyloxMBeans.unregister(manager.getCache(name));
    }
    manager.close();
  }

  @Test
  void readsNeverWaitForTheCache() throws Exception {
    Cache<String, String> cache = manager.createCache("locked", new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class).setStatisticsEnabled(true));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());
    GoldyloxMBeans.register(cache);
    cache.put("other", "1");
    GoldyloxCache<?, ?> goldylox = cache.unwrap(GoldyloxCache.class);

    List<Object> values = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      try {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (Meter meter : registry.getMeters()) {
          values.add(meter instanceof Gauge ? ((Gauge) meter).value() : ((FunctionCounter) meter).count());
        }
        for (ObjectName name : GoldyloxMBeans.objectNames(cache)) {
          for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
            values.add(server.getAttribute(name, attribute.getName()));
          }
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "metrics-reader");

    boolean finished = cache.invoke("k", (entry, args) -> {
      entry.setValue("held");
      synchronized (goldylox.events()) {
        synchronized (goldylox.configuration()) {
          synchronized (manager) {
            reader.start();
            try {
              reader.join(10_000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return !reader.isAlive();
          }
        }
      }
    });

    assertThat(finished).as("the reader finished while the cache was locked").isTrue();
    assertThat(failure.get()).isNull();
    assertThat(values).hasSize(9 + 8 + 3); // 9 meters, 8 Cache attributes, 3 Listeners attributes
    assertThat(registry.get("cache.size").gauge().value()).isEqualTo(2);
  }
}

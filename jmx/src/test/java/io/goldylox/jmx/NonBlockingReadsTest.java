package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import io.goldylox.config.WriteBehindConfig;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every meter and bean attribute can be read while the cache is as locked as it ever gets: a key inside its atomic
 * step, the listener registry's, the configuration's and the manager's monitors all held by another thread; and,
 * for a tiered write-behind cache, while its writer holds the flusher thread.
 */
class NonBlockingReadsTest {

  @TempDir
  Path dir;

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

    List<Object> values = readEverythingWhileLocked(cache, registry);

    assertThat(values).hasSize(12 + 8 + 3 + 4); // 12 meters; Cache, Listeners and Expiry attributes
    assertThat(registry.get("cache.size").gauge().value()).isEqualTo(2);
  }

  @Test
  void tierAndWriteBehindReadsNeverWaitForTheCacheNorTheWriter() throws Exception {
    HeldWriter writer = HeldWriter.held();
    Cache<String, String> cache = manager.createCache("tiered", GoldyloxConfiguration.builder(String.class, String.class)
        .heapMaxEntries(4)
        .offHeap(1, MemoryUnit.MB)
        .disk(dir.resolve("disk"), 4, MemoryUnit.MB)
        .writeBehind(WriteBehindConfig.builder()
            .writer(FactoryBuilder.factoryOf(writer))
            .journal(dir.resolve("journal"))
            .maxDelay(Duration.ofMillis(1))
            .closeTimeout(Duration.ofSeconds(5))
            .build())
        .build());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());
    try {
      for (int i = 0; i < 20; i++) {
        cache.put("k" + i, "v" + i);
      }
      // The flusher is inside the held writer (a batch was handed over): it cannot answer anybody now.
      TestCaches.await("the flusher is stuck in the writer",
          () -> registry.get("goldylox.writebehind.batches").functionCounter().count() > 0, Duration.ofSeconds(10));

      List<Object> values = readEverythingWhileLocked(cache, registry);

      List<String> types = GoldyloxMBeans.objectNames(cache).stream().map(n -> n.getKeyProperty("type")).toList();
      assertThat(types).containsExactly("Cache", "Listeners", "Expiry", "Tiers", "WriteBehind");
      int attributes = 8 + 3 + ExpiryMXBean.class.getMethods().length + TiersMXBean.class.getMethods().length
          + WriteBehindMXBean.class.getMethods().length;
      assertThat(values).hasSize(registry.getMeters().size() + attributes);
      assertThat(registry.get("goldylox.writebehind.lag").gauge().value()).isEqualTo(21); // 20 puts and invoke's
    } finally {
      writer.release();
    }
  }

  /**
   * Reads every meter and every attribute of every Goldylox bean of {@code cache} on another thread while this one
   * holds key {@code k} inside its atomic step and the cache's monitors; returns one value per meter and attribute.
   */
  private List<Object> readEverythingWhileLocked(Cache<String, String> cache, SimpleMeterRegistry registry) {
    GoldyloxCache<?, ?> goldylox = cache.unwrap(GoldyloxCache.class);
    List<Object> values = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      try {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (Meter meter : registry.getMeters()) {
          List<Double> measured = new ArrayList<>();
          for (Measurement measurement : meter.measure()) {
            measured.add(measurement.getValue());
          }
          values.add(measured);
        }
        for (ObjectName name : GoldyloxMBeans.objectNames(cache)) {
          for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
            values.add(String.valueOf(server.getAttribute(name, attribute.getName())));
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
    return values;
  }
}

package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.spi.GoldyloxCachingProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** Expired entries and sweeps, through the Expiry bean and the goldylox.expiry meters. */
class ExpiryMetricsTest {

  @Test
  void countsEntriesTheSweeperReclaimsAndThoseAReadFindsExpired() throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try (CacheManager manager = new GoldyloxCachingProvider().getCacheManager(
        URI.create("urn:goldylox:expiry-metrics-test"), getClass().getClassLoader())) {
      Cache<Integer, String> cache = manager.createCache("expiring", new MutableConfiguration<Integer, String>()
          .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 100))));
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      GoldyloxCacheMetrics.monitor(registry, cache);
      ObjectName bean = GoldyloxMBeans.objectName(cache, "Expiry");
      assertThat(server.getAttribute(bean, "NextSweepInMillis")).isEqualTo(-1L);

      for (int i = 0; i < 50; i++) {
        cache.put(i, "v" + i);
      }
      assertThat((Long) server.getAttribute(bean, "NextSweepInMillis")).isBetween(0L, 100L);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while ((Long) server.getAttribute(bean, "Expired") < 50) {
        assertThat(System.nanoTime()).as("sweeper reclaimed all 50 in time").isLessThan(deadline);
        Thread.sleep(20);
      }
      assertThat(server.getAttribute(bean, "Expired")).isEqualTo(50L);
      assertThat((Long) server.getAttribute(bean, "Sweeps")).isPositive();
      assertThat(registry.get("goldylox.expiry.expired").functionCounter().count()).isEqualTo(50.0);
      assertThat(registry.get("goldylox.expiry.sweeps").functionCounter().count()).isPositive();

      // A read that finds an entry expired before any sweep counts it too.
      cache.put(99, "late");
      Thread.sleep(150);
      cache.get(99); // either the read or a sweep that beat it removes the entry; it is counted once
      while ((Long) server.getAttribute(bean, "Expired") < 51) {
        assertThat(System.nanoTime()).isLessThan(deadline + TimeUnit.SECONDS.toNanos(5));
        Thread.sleep(20);
      }
      assertThat(server.getAttribute(bean, "Expired")).isEqualTo(51L);
    }
  }
}

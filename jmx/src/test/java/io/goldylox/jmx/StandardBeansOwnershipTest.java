package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.management.MBeanRegistrar;
import io.goldylox.spi.GoldyloxCachingProvider;
import java.lang.management.ManagementFactory;
import java.net.URI;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * The standard JCache beans (CacheStatistics, CacheConfiguration) of one cache must not be taken away by the close
 * of another cache that merely has the same object name (same manager URI, another class loader: e.g. two web apps
 * both using the default URI).
 */
class StandardBeansOwnershipTest {

  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

  @Test
  void closingTwinCacheLeavesTheOpenCachesStandardBeansRegistered() throws Exception {
    URI uri = URI.create("urn:goldylox:standard-beans-ownership");
    javax.cache.spi.CachingProvider provider = Caching.getCachingProvider(GoldyloxCachingProvider.class.getName());
    CacheManager first = provider.getCacheManager(uri, getClass().getClassLoader());
    CacheManager twin = provider.getCacheManager(uri, new ClassLoader(getClass().getClassLoader()) {});
    try {
      MutableConfiguration<String, String> config = new MutableConfiguration<String, String>()
          .setTypes(String.class, String.class).setStatisticsEnabled(true).setManagementEnabled(true);
      Cache<String, String> mine = first.createCache("shared", config);
      Cache<String, String> theirs = twin.createCache("shared", config);
      ObjectName stats = MBeanRegistrar.objectName(MBeanRegistrar.Kind.STATISTICS, uri, "shared");
      ObjectName conf = MBeanRegistrar.objectName(MBeanRegistrar.Kind.CONFIGURATION, uri, "shared");

      mine.put("k", "v");
      mine.get("k");
      theirs.close();

      assertThat(mine.isClosed()).isFalse();
      assertThat(server.isRegistered(stats))
          .as("CacheStatistics bean of the still open cache after its twin (other class loader) closed")
          .isTrue();
      assertThat(server.isRegistered(conf))
          .as("CacheConfiguration bean of the still open cache after its twin (other class loader) closed")
          .isTrue();
      assertThat((Long) server.getAttribute(stats, "CacheHits")).isEqualTo(1L);
    } finally {
      twin.close();
      first.close();
    }
  }

  @Test
  void closingACacheWhoseNameSanitisesAlikeLeavesTheOtherCachesBeanRegistered() throws Exception {
    CacheManager manager = TestCaches.newManager();
    try {
      MutableConfiguration<String, String> config = new MutableConfiguration<String, String>()
          .setTypes(String.class, String.class).setStatisticsEnabled(true);
      Cache<String, String> colon = manager.createCache("orders:eu", config);
      Cache<String, String> dot = manager.createCache("orders.eu", config);
      ObjectName stats = MBeanRegistrar.objectName(MBeanRegistrar.Kind.STATISTICS, manager.getURI(), "orders:eu");
      assertThat(stats).isEqualTo(MBeanRegistrar.objectName(MBeanRegistrar.Kind.STATISTICS, manager.getURI(),
          "orders.eu"));
      dot.close();
      assertThat(server.isRegistered(stats))
          .as("CacheStatistics bean of open cache orders:eu after cache orders.eu closed").isTrue();
    } finally {
      manager.close();
    }
  }
}

package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.spi.GoldyloxCachingProvider;
import java.lang.management.ManagementFactory;
import java.net.URI;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** With this module on the class path, every cache gets its Goldylox MBeans on creation and loses them on close. */
class LifecycleRegistrationTest {

  @Test
  void beansFollowTheCacheLifecycleWithoutExplicitCalls() throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    GoldyloxCachingProvider provider = new GoldyloxCachingProvider();
    try (CacheManager manager = provider.getCacheManager(
        URI.create("urn:goldylox:lifecycle-test"), getClass().getClassLoader())) {
      Cache<Long, String> cache = manager.createCache("auto", new MutableConfiguration<Long, String>());
      ObjectName cacheBean = GoldyloxMBeans.objectName(cache, "Cache");
      ObjectName listenersBean = GoldyloxMBeans.objectName(cache, "Listeners");
      assertThat(server.isRegistered(cacheBean)).isTrue();
      assertThat(server.isRegistered(listenersBean)).isTrue();

      cache.put(1L, "one");
      assertThat(server.getAttribute(cacheBean, "Size")).isEqualTo(1L);

      cache.close();
      assertThat(server.isRegistered(cacheBean)).isFalse();
      assertThat(server.isRegistered(listenersBean)).isFalse();

      Cache<Long, String> destroyed = manager.createCache("destroyed", new MutableConfiguration<Long, String>());
      ObjectName destroyedBean = GoldyloxMBeans.objectName(destroyed, "Cache");
      assertThat(server.isRegistered(destroyedBean)).isTrue();
      manager.destroyCache("destroyed");
      assertThat(server.isRegistered(destroyedBean)).isFalse();
    }
  }
}

package io.goldylox.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.testing.TestManagers;
import java.lang.management.ManagementFactory;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A statistics or management switch that reaches a cache after it closed (a manager's {@code enableStatistics}
 * that found the cache just before its close) registers no MBean: nothing would ever unregister it, and it would
 * hold the closed cache and its statistics for the life of the JVM.
 */
class SwitchesAfterCloseTest {

  private final TestManagers managers = new TestManagers();
  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  @Test
  void enablingStatisticsOrManagementOfAClosedCacheRegistersNoBean() {
    CacheManager manager = managers.newManager("switches-after-close");
    Cache<String, String> cache = manager.createCache("closing", new MutableConfiguration<String, String>()
        .setStatisticsEnabled(true).setManagementEnabled(true));
    ObjectName statistics = MBeanRegistrar.objectName(MBeanRegistrar.Kind.STATISTICS, manager.getURI(), "closing");
    ObjectName configuration =
        MBeanRegistrar.objectName(MBeanRegistrar.Kind.CONFIGURATION, manager.getURI(), "closing");
    assertThat(server.isRegistered(statistics)).as("statistics bean while open").isTrue();
    assertThat(server.isRegistered(configuration)).as("configuration bean while open").isTrue();
    GoldyloxCache<?, ?> goldylox = cache.unwrap(GoldyloxCache.class);

    cache.close();
    assertThat(server.isRegistered(statistics)).as("statistics bean after close").isFalse();
    assertThat(server.isRegistered(configuration)).as("configuration bean after close").isFalse();

    goldylox.setStatisticsEnabled(false);
    goldylox.setStatisticsEnabled(true);
    goldylox.setManagementEnabled(false);
    goldylox.setManagementEnabled(true);
    assertThat(server.isRegistered(statistics)).as("statistics bean after a switch that came after close")
        .isFalse();
    assertThat(server.isRegistered(configuration)).as("configuration bean after a switch that came after close")
        .isFalse();
  }
}

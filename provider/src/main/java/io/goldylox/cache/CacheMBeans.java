package io.goldylox.cache;

import io.goldylox.management.CacheConfigurationBean;
import io.goldylox.management.CacheStatisticsBean;
import io.goldylox.management.MBeanRegistrar;
import io.goldylox.stats.CacheStatistics;
import java.net.URI;
import java.util.function.Supplier;
import javax.cache.configuration.CompleteConfiguration;
import javax.management.ObjectName;

/**
 * The two standard MBeans of one {@link GoldyloxCache}, {@code CacheStatistics} and {@code CacheConfiguration}:
 * registered while statistics or management is enabled, unregistered when it is disabled and at close. Called by
 * the constructing thread, by management calls (which the cache serialises on its configuration's monitor) and by
 * {@code close}; holds no mutable state (the platform MBean server does).
 */
final class CacheMBeans {

  private final CacheStatisticsBean statisticsBean;
  private final CacheConfigurationBean configurationBean;
  private final ObjectName statisticsName;
  private final ObjectName configurationName;

  CacheMBeans(URI managerUri, String cacheName, CacheStatistics statistics,
      Supplier<CompleteConfiguration<?, ?>> configuration) {
    this.statisticsBean = new CacheStatisticsBean(statistics);
    this.configurationBean = new CacheConfigurationBean(configuration);
    this.statisticsName = MBeanRegistrar.objectName(MBeanRegistrar.Kind.STATISTICS, managerUri, cacheName);
    this.configurationName = MBeanRegistrar.objectName(MBeanRegistrar.Kind.CONFIGURATION, managerUri, cacheName);
  }

  /** Registers the statistics MBean, or unregisters it. */
  void statistics(boolean enabled) {
    if (enabled) {
      MBeanRegistrar.register(statisticsBean, statisticsName);
    } else {
      MBeanRegistrar.unregister(statisticsName, statisticsBean);
    }
  }

  /** Registers the configuration MBean, or unregisters it. */
  void management(boolean enabled) {
    if (enabled) {
      MBeanRegistrar.register(configurationBean, configurationName);
    } else {
      MBeanRegistrar.unregister(configurationName, configurationBean);
    }
  }

  /** Unregisters both (at close). */
  void unregister() {
    MBeanRegistrar.unregister(statisticsName, statisticsBean);
    MBeanRegistrar.unregister(configurationName, configurationBean);
  }
}

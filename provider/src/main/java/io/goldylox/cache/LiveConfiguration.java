package io.goldylox.cache;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.event.EventDispatcher;
import io.goldylox.stats.CacheStatistics;
import java.net.URI;
import java.util.Objects;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Configuration;

/**
 * The configuration of one {@link GoldyloxCache} and what changes it while the cache is open: listener
 * registrations, the statistics and management switches with their MBeans ({@link CacheMBeans}, registered here
 * at construction as configured, unregistered at close), and the copies that {@code getConfiguration} hands out.
 * Every change and every copy holds the configuration's monitor, so that a copy never shows half a change and the
 * listeners registered are the ones the configuration lists.
 *
 * <p>Threads: the thread that constructs the cache; then any caller of the cache's listener, configuration and
 * management methods, serialised on the configuration's monitor; and the thread that closes the cache. The
 * configuration MBean and the manager read the configuration without the monitor ({@link #configuration}).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class LiveConfiguration<K, V> {

  /** The cache's name, for messages. */
  private final String name;
  private final GoldyloxConfiguration<K, V> configuration;
  private final EventDispatcher<K, V> events;
  private final CacheStatistics statistics;
  private final CacheMBeans mbeans;
  /** Set at close, under the configuration's monitor: from then on no switch registers an MBean. */
  private boolean closed;

  /**
   * Takes over {@code configuration} and registers the MBeans it enables. The listeners it lists are registered
   * with {@code events} already.
   */
  LiveConfiguration(URI managerUri, String name, GoldyloxConfiguration<K, V> configuration,
      EventDispatcher<K, V> events, CacheStatistics statistics) {
    this.name = name;
    this.configuration = configuration;
    this.events = events;
    this.statistics = statistics;
    this.mbeans = new CacheMBeans(managerUri, name, statistics, () -> this.configuration);
    if (configuration.isStatisticsEnabled()) {
      mbeans.statistics(true);
    }
    if (configuration.isManagementEnabled()) {
      mbeans.management(true);
    }
  }

  /** {@code Cache.registerCacheEntryListener}, the cache open: starts delivering to the listener and lists it. */
  void register(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    Objects.requireNonNull(listenerConfiguration, "cacheEntryListenerConfiguration");
    synchronized (configuration) {
      events.register(listenerConfiguration);
      configuration.addCacheEntryListenerConfiguration(listenerConfiguration);
    }
  }

  /** {@code Cache.deregisterCacheEntryListener}, the cache open: stops delivering to the listener, unlists it. */
  void deregister(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    Objects.requireNonNull(listenerConfiguration, "cacheEntryListenerConfiguration");
    synchronized (configuration) {
      events.deregister(listenerConfiguration);
      configuration.removeCacheEntryListenerConfiguration(listenerConfiguration);
    }
  }

  /** {@code Cache.getConfiguration}: a copy, as a {@code clazz}. */
  <C extends Configuration<K, V>> C copy(Class<C> clazz) {
    GoldyloxConfiguration<K, V> copy;
    synchronized (configuration) {
      copy = new GoldyloxConfiguration<>(configuration);
    }
    if (clazz.isInstance(copy)) {
      return clazz.cast(copy);
    }
    throw new IllegalArgumentException("The configuration of cache " + name + " is a "
        + GoldyloxConfiguration.class.getName() + ", not a " + clazz.getName());
  }

  /** The configuration itself (not a copy), as JMX and the manager read it. */
  GoldyloxConfiguration<K, V> configuration() {
    return configuration;
  }

  /** Turns statistics on or off, registering or unregistering the statistics MBean (until close). */
  void setStatisticsEnabled(boolean enabled) {
    synchronized (configuration) {
      configuration.setStatisticsEnabled(enabled);
      statistics.setEnabled(enabled);
      if (!closed) {
        mbeans.statistics(enabled);
      }
    }
  }

  /** Turns management on or off, registering or unregistering the configuration MBean (until close). */
  void setManagementEnabled(boolean enabled) {
    synchronized (configuration) {
      configuration.setManagementEnabled(enabled);
      if (!closed) {
        mbeans.management(enabled);
      }
    }
  }

  /**
   * Unregisters both MBeans (at close), for good: a switch that comes later (a manager's {@code enableStatistics}
   * that found the cache just before it closed) changes the configuration but registers nothing, since nothing
   * would unregister it.
   */
  void unregisterMBeans() {
    synchronized (configuration) {
      closed = true;
      mbeans.unregister();
    }
  }
}

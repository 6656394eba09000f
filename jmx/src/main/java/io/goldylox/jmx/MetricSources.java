package io.goldylox.jmx;

import java.util.List;

/**
 * The one place that lists what a Goldylox cache reports beyond the standard JCache beans. Both
 * {@link GoldyloxCacheMetrics} (Micrometer) and {@link GoldyloxMBeans} (JMX) walk this list:
 * <ul>
 *   <li>{@link CacheMetricSource}: bean {@code type=Cache}; meter {@code goldylox.cache.removals}.</li>
 *   <li>{@link ListenerMetricSource}: bean {@code type=Listeners}; meters {@code goldylox.listener.*}.</li>
 *   <li>{@link ExpiryMetricSource}: bean {@code type=Expiry}; meters {@code goldylox.expiry.*}.</li>
 *   <li>{@link TierMetricSource}: bean {@code type=Tiers}; meters {@code goldylox.tier.*} (tiered caches
 *       only).</li>
 *   <li>{@link WriteBehindMetricSource}: bean {@code type=WriteBehind}; meters {@code goldylox.writebehind.*}
 *       (caches with write-behind only).</li>
 *   <li>{@link RemoteMetricSource}: bean {@code type=Remote}; meters {@code goldylox.remote.*} (caches with a
 *       remote store only).</li>
 * </ul>
 * A source whose part a cache does not have returns no beans and binds no meters for it.
 *
 * <p>Not exposed by the provider yet, so not reported (do not report zeros in their place): entries in transit
 * between off-heap and disk (counted in {@code cache.size} but in no tier's entries).
 */
final class MetricSources {

  static final List<MetricSource> ALL = List.of(CacheMetricSource.INSTANCE, ListenerMetricSource.INSTANCE,
      ExpiryMetricSource.INSTANCE, TierMetricSource.INSTANCE, WriteBehindMetricSource.INSTANCE,
      RemoteMetricSource.INSTANCE);

  private MetricSources() {}
}

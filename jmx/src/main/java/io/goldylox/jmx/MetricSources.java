package io.goldylox.jmx;

import java.util.List;

/**
 * The one place that lists what a Goldylox cache reports beyond the standard JCache beans. Both
 * {@link GoldyloxCacheMetrics} (Micrometer) and {@link GoldyloxMBeans} (JMX) walk this list.
 *
 * <p>TODO(tiers, write-behind): add these sources when the provider exposes their counters (none exists yet; do not
 * report zeros in their place):
 * <ul>
 *   <li>{@code TierMetricSource}, one per tier ({@code tier=heap|offheap|disk} tag; bean
 *       {@code io.goldylox:type=Tier,CacheManager=…,Cache=…,Tier=<tier>}): gauges
 *       {@code goldylox.tier.entries}, {@code goldylox.tier.bytes.used}, {@code goldylox.tier.bytes.capacity};
 *       counters {@code goldylox.tier.gets{result=hit|miss}}, {@code goldylox.tier.promotions},
 *       {@code goldylox.tier.demotions}, {@code goldylox.tier.evictions},
 *       {@code goldylox.tier.rejected.oversize}.</li>
 *   <li>{@code WriteBehindMetricSource} (bean {@code io.goldylox:type=WriteBehind,…}): gauges
 *       {@code goldylox.writebehind.lag.operations}, {@code goldylox.writebehind.lag.oldest} (age of the oldest
 *       unwritten operation, seconds); counters {@code goldylox.writebehind.batches},
 *       {@code goldylox.writebehind.retries}, {@code goldylox.writebehind.failures},
 *       {@code goldylox.writebehind.dead.letters}; a {@code FunctionTimer} or {@code Timer}
 *       {@code goldylox.writebehind.writer.latency} (needs a count and a total time, or a histogram snapshot,
 *       from the provider). Bound only for caches that have a write-behind writer.</li>
 *   <li>{@code ExpiryMetricSource} (bean {@code io.goldylox:type=Expiry,…}): counter
 *       {@code goldylox.expiry.expired}, gauge {@code goldylox.expiry.timer.backlog}.</li>
 * </ul>
 * A source whose part a cache does not have (a cache with no disk tier, no write-behind) should return no beans and
 * bind no meters for it; {@code MetricSource} methods get the cache and can decide.
 */
final class MetricSources {

  static final List<MetricSource> ALL = List.of(CacheMetricSource.INSTANCE, ListenerMetricSource.INSTANCE);

  private MetricSources() {}
}

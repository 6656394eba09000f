package io.goldylox.jmx;

import io.goldylox.cache.GoldyloxCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import java.util.Objects;
import javax.cache.Cache;

/**
 * Micrometer meters for one Goldylox cache, in the conventions of Micrometer's own cache binders
 * ({@link CacheMeterBinder}): {@code cache.size} (gauge), {@code cache.gets{result=hit|miss}},
 * {@code cache.puts}, {@code cache.evictions} (function counters), plus Goldylox's own meters from
 * {@link MetricSources} ({@code goldylox.cache.removals}, {@code goldylox.listener.events.pending|dropped|failed},
 * and for a cache that has them the {@code goldylox.tier.*} meters of {@link TierMetricSource} and the
 * {@code goldylox.writebehind.*} meters of {@link WriteBehindMetricSource}).
 * Every meter is tagged {@code cache=<name>} and {@code cacheManager=<manager URI>}, plus the caller's tags.
 *
 * <p>Unlike Micrometer's {@code JCacheMetrics}, which reads the standard statistics MBean and so reports
 * {@code cache.size} 0 and nothing at all while that bean is unregistered, this binder reads the cache's striped
 * counters directly: it keeps working when statistics are turned on (or off) at runtime, and the size is the
 * number of mappings the cache holds. The hit, miss, put, removal and eviction counters advance only while
 * statistics are enabled (they count what the JCache statistics count); the size, listener, tier and write-behind
 * meters always do. They are the statistics' totals since the cache opened
 * ({@link io.goldylox.stats.CacheStatistics#totalHits()}, ...): a {@code clear()} of the statistics MBean starts
 * its own figures again from zero but never takes a counter back (Micrometer's {@code JCacheMetrics}, reading the
 * MBean, does).
 *
 * <p>Reads are sums of {@code LongAdder}s, volatile fields and concurrent maps' counts: a scrape never locks or
 * waits on the cache, its tiers or its write-behind flusher.
 * The cache is held weakly, as by every {@code CacheMeterBinder}: a registry never keeps a cache alive. Meters are
 * not removed when the cache closes (Micrometer binders have no unbind); a closed cache keeps reporting its last
 * values.
 */
public final class GoldyloxCacheMetrics extends CacheMeterBinder<GoldyloxCache<?, ?>> {

  /** The tag naming the cache's manager, by its URI. */
  public static final String CACHE_MANAGER_TAG = "cacheManager";

  /**
   * Creates a binder for {@code cache}, which must be a Goldylox cache.
   *
   * @param tags extra tags for every meter (may be empty)
   * @throws IllegalArgumentException if {@code cache} is not a Goldylox cache
   */
  public GoldyloxCacheMetrics(Cache<?, ?> cache, Iterable<Tag> tags) {
    this(goldylox(cache), tags);
  }

  private GoldyloxCacheMetrics(GoldyloxCache<?, ?> cache, Iterable<Tag> tags) {
    super(cache, cache.getName(), Tags.concat(Objects.requireNonNull(tags, "tags"),
        CACHE_MANAGER_TAG, cache.getCacheManager().getURI().toString()));
  }

  /**
   * Binds meters for {@code cache} to {@code registry}, like Micrometer's {@code JCacheMetrics.monitor}.
   *
   * @return {@code cache}, for chaining
   */
  public static <C extends Cache<?, ?>> C monitor(MeterRegistry registry, C cache, Iterable<Tag> tags) {
    Objects.requireNonNull(registry, "registry");
    new GoldyloxCacheMetrics(cache, tags).bindTo(registry);
    return cache;
  }

  /** As {@link #monitor(MeterRegistry, Cache, Iterable)}, with tags as key/value pairs. */
  public static <C extends Cache<?, ?>> C monitor(MeterRegistry registry, C cache, String... tags) {
    return monitor(registry, cache, Tags.of(tags));
  }

  @Override
  protected Long size() {
    GoldyloxCache<?, ?> cache = getCache();
    return cache == null ? null : cache.size();
  }

  @Override
  protected long hitCount() {
    GoldyloxCache<?, ?> cache = getCache();
    return cache == null ? 0L : cache.statistics().totalHits();
  }

  @Override
  protected Long missCount() {
    GoldyloxCache<?, ?> cache = getCache();
    return cache == null ? null : cache.statistics().totalMisses();
  }

  @Override
  protected Long evictionCount() {
    GoldyloxCache<?, ?> cache = getCache();
    return cache == null ? null : cache.statistics().totalEvictions();
  }

  @Override
  protected long putCount() {
    GoldyloxCache<?, ?> cache = getCache();
    return cache == null ? 0L : cache.statistics().totalPuts();
  }

  @Override
  protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
    GoldyloxCache<?, ?> cache = getCache();
    if (cache == null) {
      return;
    }
    Iterable<Tag> tags = getTagsWithCacheName();
    for (MetricSource source : MetricSources.ALL) {
      source.bindTo(cache, registry, tags);
    }
  }

  /** {@code cache} as a Goldylox cache, or a clear error. */
  static GoldyloxCache<?, ?> goldylox(Cache<?, ?> cache) {
    Objects.requireNonNull(cache, "cache");
    try {
      return cache.unwrap(GoldyloxCache.class);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Cache " + cache.getName() + " is a " + cache.getClass().getName()
          + ", not a Goldylox cache (" + GoldyloxCache.class.getName() + ")", e);
    }
  }
}

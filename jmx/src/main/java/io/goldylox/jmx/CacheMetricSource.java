package io.goldylox.jmx;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.stats.CacheStatistics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.List;

/**
 * The cache as a whole: the {@code io.goldylox:type=Cache} bean and the one counter Micrometer's
 * {@code CacheMeterBinder} conventions leave out, {@code goldylox.cache.removals}. (Size, gets, puts and
 * evictions are bound by {@link GoldyloxCacheMetrics} itself, under the conventional {@code cache.*} names.)
 */
enum CacheMetricSource implements MetricSource {
  INSTANCE;

  @Override
  public void bindTo(GoldyloxCache<?, ?> cache, MeterRegistry registry, Iterable<Tag> tags) {
    FunctionCounter.builder("goldylox.cache.removals", cache, c -> c.statistics().totalRemovals())
        .tags(tags)
        .description("Entries removed from the cache by remove calls and entry processors"
            + " (counted while statistics are enabled; never reset)")
        .register(registry);
  }

  @Override
  public List<NamedBean> mxBeans(GoldyloxCache<?, ?> cache) {
    return List.of(new NamedBean("Cache", new Bean(cache)));
  }

  /** The MXBean; holds the cache (the bean lives exactly as long as its registration). */
  static final class Bean implements GoldyloxCacheMXBean {
    private final GoldyloxCache<?, ?> cache;
    private final CacheStatistics statistics;

    Bean(GoldyloxCache<?, ?> cache) {
      this.cache = cache;
      this.statistics = cache.statistics();
    }

    @Override
    public long getSize() {
      return cache.size();
    }

    @Override
    public boolean isStatisticsEnabled() {
      return statistics.isEnabled();
    }

    @Override
    public long getHits() {
      return statistics.hits();
    }

    @Override
    public long getMisses() {
      return statistics.misses();
    }

    @Override
    public long getGets() {
      return statistics.gets();
    }

    @Override
    public long getPuts() {
      return statistics.puts();
    }

    @Override
    public long getRemovals() {
      return statistics.removals();
    }

    @Override
    public long getEvictions() {
      return statistics.evictions();
    }
  }
}

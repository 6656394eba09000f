package io.goldylox.jmx;

import io.goldylox.cache.GoldyloxCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.List;

/**
 * One part of a cache that reports metrics (its statistics, its listeners; later its tiers and its write-behind),
 * rendered both as Micrometer meters and as MXBeans, from the same counters. {@link MetricSources#ALL} lists them:
 * adding a part there is all it takes for {@link GoldyloxCacheMetrics} and {@link GoldyloxMBeans} to show it.
 *
 * <p>Implementations are stateless. Meters take the cache as their (weakly held) state object and read it through
 * non-capturing functions, as Micrometer's own binders do, so a registry never keeps a cache alive. Every read is a
 * sum of striped counters or a snapshot; none locks or waits on the cache. Called by whichever thread binds or
 * scrapes a registry, or reads a bean.
 */
interface MetricSource {

  /**
   * Registers this part's meters for {@code cache} in {@code registry}. {@code tags} already hold
   * {@code cache=<name>} and {@code cacheManager=<uri>}.
   */
  void bindTo(GoldyloxCache<?, ?> cache, MeterRegistry registry, Iterable<Tag> tags);

  /** This part's MXBeans for {@code cache}, each with the {@code type} (and any extra keys) of its name. */
  List<NamedBean> mxBeans(GoldyloxCache<?, ?> cache);

  /**
   * An MXBean and its place in the name {@code io.goldylox:type=<type>,CacheManager=<uri>,Cache=<name><extraKeys>}.
   *
   * @param extraKeys empty, or further key properties starting with a comma (e.g. {@code ",Tier=heap"}),
   *     values already sanitised
   */
  record NamedBean(String type, String extraKeys, Object bean) {
    NamedBean(String type, Object bean) {
      this(type, "", bean);
    }
  }
}

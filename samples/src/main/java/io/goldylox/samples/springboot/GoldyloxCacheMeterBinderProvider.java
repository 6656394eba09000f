package io.goldylox.samples.springboot;

import io.goldylox.jmx.GoldyloxCacheMetrics;
import io.goldylox.spi.GoldyloxCacheManager;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import javax.cache.CacheManager;
import org.springframework.boot.actuate.metrics.cache.CacheMeterBinderProvider;
import org.springframework.cache.jcache.JCacheCache;

/**
 * Gives Actuator's cache metrics Goldylox's own binder for Spring's JCache caches, in place of Micrometer's
 * {@code JCacheMetrics}: the counters are read directly rather than through JMX, and {@code cache.size} is the real
 * size (JCacheMetrics reports 0). For a JCache cache of another provider it returns null, so Actuator falls back
 * to its own binder. Called once per cache by Actuator's {@code CacheMetricsRegistrar}.
 */
public final class GoldyloxCacheMeterBinderProvider implements CacheMeterBinderProvider<JCacheCache> {

  @Override
  public MeterBinder getMeterBinder(JCacheCache cache, Iterable<Tag> tags) {
    CacheManager manager = cache.getNativeCache().getCacheManager();
    if (!(manager instanceof GoldyloxCacheManager)) {
      return null;
    }
    return new GoldyloxCacheMetrics(cache.getNativeCache(), tags);
  }
}

package io.goldylox.spi;

import io.goldylox.cache.GoldyloxCache;

/**
 * Told when Goldylox caches are created and closed, so modules such as {@code goldylox-jmx} can register their
 * own MBeans without the provider depending on them. Implementations are found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.goldylox.spi.CacheLifecycleListener}) through the manager's class loader, once
 * per manager. Called on the thread that creates or closes the cache; an exception is logged and ignored, so a
 * monitoring problem never stops a cache from being created or closed.
 */
public interface CacheLifecycleListener {

  /** The cache was created and is registered in its manager. */
  void cacheCreated(GoldyloxCache<?, ?> cache);

  /** The cache was closed (or destroyed). */
  void cacheClosed(GoldyloxCache<?, ?> cache);
}

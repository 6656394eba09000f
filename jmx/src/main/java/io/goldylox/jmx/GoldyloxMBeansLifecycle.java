package io.goldylox.jmx;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.spi.CacheLifecycleListener;

/**
 * Registers Goldylox's own MBeans ({@link GoldyloxMBeans}) for every cache created while this module is on the
 * class path, and unregisters them when the cache closes. Found by the provider through
 * {@code META-INF/services/io.goldylox.spi.CacheLifecycleListener}; called on the creating or closing thread.
 */
public final class GoldyloxMBeansLifecycle implements CacheLifecycleListener {

  @Override
  public void cacheCreated(GoldyloxCache<?, ?> cache) {
    GoldyloxMBeans.register(cache);
  }

  @Override
  public void cacheClosed(GoldyloxCache<?, ?> cache) {
    GoldyloxMBeans.unregister(cache);
  }
}

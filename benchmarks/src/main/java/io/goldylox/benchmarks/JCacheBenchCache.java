package io.goldylox.benchmarks;

import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.CacheManager;

/** A JCache {@link Cache} of one provider, with the manager it was created in (closed with it). */
public final class JCacheBenchCache implements BenchCache {

  private final CacheManager manager;
  private final Cache<Long, Payload> cache;

  public JCacheBenchCache(CacheManager manager, Cache<Long, Payload> cache) {
    this.manager = manager;
    this.cache = cache;
  }

  public Cache<Long, Payload> cache() {
    return cache;
  }

  @Override
  public Payload get(Long key) {
    return cache.get(key);
  }

  @Override
  public void put(Long key, Payload value) {
    cache.put(key, value);
  }

  @Override
  public Map<Long, Payload> getAll(Set<Long> keys) {
    return cache.getAll(keys);
  }

  @Override
  public void putAll(Map<Long, Payload> entries) {
    cache.putAll(entries);
  }

  @Override
  public Object increment(Long key) {
    return cache.invoke(key, Increment.INSTANCE);
  }

  @Override
  public void close() {
    try {
      manager.destroyCache(cache.getName());
    } finally {
      manager.close();
    }
  }
}

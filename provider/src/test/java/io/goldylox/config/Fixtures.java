package io.goldylox.config;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import javax.cache.Cache;
import javax.cache.configuration.Factory;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryListener;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;

/** Small real classes that configuration files in the tests name (loaders, writers, listeners, policies). */
public final class Fixtures {

  private Fixtures() {}

  /** A CacheLoader named directly. */
  public static final class OrderLoader implements CacheLoader<Long, String> {
    @Override
    public String load(Long key) {
      return "order-" + key;
    }

    @Override
    public Map<Long, String> loadAll(Iterable<? extends Long> keys) {
      Map<Long, String> loaded = new HashMap<>();
      keys.forEach(key -> loaded.put(key, load(key)));
      return loaded;
    }
  }

  /** A Factory of CacheLoader named instead of the loader. */
  public static final class CustomerLoaderFactory implements Factory<CacheLoader<String, String>> {
    private static final long serialVersionUID = 1L;

    @Override
    public CacheLoader<String, String> create() {
      return new CacheLoader<>() {
        @Override
        public String load(String key) {
          return "customer-" + key;
        }

        @Override
        public Map<String, String> loadAll(Iterable<? extends String> keys) {
          Map<String, String> loaded = new HashMap<>();
          keys.forEach(key -> loaded.put(key, load(key)));
          return loaded;
        }
      };
    }
  }

  /** A CacheWriter that writes into nothing. */
  public static final class OrderWriter implements CacheWriter<Long, String> {
    @Override
    public void write(Cache.Entry<? extends Long, ? extends String> entry) {}

    @Override
    public void writeAll(Collection<Cache.Entry<? extends Long, ? extends String>> entries) {
      entries.clear();
    }

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(Collection<?> keys) {
      keys.clear();
    }
  }

  /** A created-listener. */
  public static final class Audit implements CacheEntryCreatedListener<Object, Object> {
    @Override
    public void onCreated(Iterable<CacheEntryEvent<?, ?>> events) {}
  }

  /** A filter for listeners. */
  public static final class OnlyOrders implements CacheEntryEventFilter<Object, Object> {
    @Override
    public boolean evaluate(CacheEntryEvent<?, ?> event) {
      return true;
    }
  }

  /** An ExpiryPolicy named directly: everything lives one hour. */
  public static final class OneHour implements ExpiryPolicy {
    @Override
    public Duration getExpiryForCreation() {
      return Duration.ONE_HOUR;
    }

    @Override
    public Duration getExpiryForAccess() {
      return null;
    }

    @Override
    public Duration getExpiryForUpdate() {
      return null;
    }
  }

  /** Implements only the CacheEntryListener marker: a cache could never call it. */
  public static final class MarkerOnlyListener implements CacheEntryListener<Object, Object> {}

  /** A CacheLoader without a public no-argument constructor. */
  public static final class NeedsArgumentLoader implements CacheLoader<Object, Object> {
    public NeedsArgumentLoader(String unused) {}

    @Override
    public Object load(Object key) {
      return null;
    }

    @Override
    public Map<Object, Object> loadAll(Iterable<?> keys) {
      return Map.of();
    }
  }
}

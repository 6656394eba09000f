package io.goldylox.spi;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;
import javax.cache.CacheManager;
import javax.cache.configuration.OptionalFeature;
import javax.cache.spi.CachingProvider;

/**
 * The Goldylox {@link CachingProvider}, found by {@code Caching.getCachingProvider()} through
 * {@code META-INF/services/javax.cache.spi.CachingProvider}.
 *
 * <p>Keeps this provider's cache managers per class loader (held weakly, so an undeployed application's loader
 * can be collected once its managers are closed) and per URI. All methods take this provider's monitor; they
 * are lifecycle calls, never on a cache operation's path.
 */
public final class GoldyloxCachingProvider implements CachingProvider {

  /** The URI of the default cache manager: caches configured from the spec's defaults. */
  public static final URI DEFAULT_URI = URI.create("urn:goldylox:default");

  private final Map<ClassLoader, Map<URI, GoldyloxCacheManager>> managers = new WeakHashMap<>();

  /** Public no-argument constructor, for {@link java.util.ServiceLoader}. */
  public GoldyloxCachingProvider() {}

  @Override
  public synchronized CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties) {
    URI managerUri = uri == null ? getDefaultURI() : uri;
    ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
    Map<URI, GoldyloxCacheManager> byUri = managers.computeIfAbsent(loader, any -> new HashMap<>());
    GoldyloxCacheManager manager = byUri.get(managerUri);
    if (manager == null || manager.isClosed()) {
      manager = new GoldyloxCacheManager(this, managerUri, loader, properties);
      byUri.put(managerUri, manager);
    }
    return manager;
  }

  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader) {
    return getCacheManager(uri, classLoader, getDefaultProperties());
  }

  @Override
  public CacheManager getCacheManager() {
    return getCacheManager(getDefaultURI(), getDefaultClassLoader());
  }

  @Override
  public ClassLoader getDefaultClassLoader() {
    return GoldyloxCachingProvider.class.getClassLoader();
  }

  @Override
  public URI getDefaultURI() {
    return DEFAULT_URI;
  }

  @Override
  public Properties getDefaultProperties() {
    return new Properties();
  }

  @Override
  public void close() {
    List<GoldyloxCacheManager> all = new ArrayList<>();
    synchronized (this) {
      for (Map<URI, GoldyloxCacheManager> byUri : managers.values()) {
        all.addAll(byUri.values());
      }
      managers.clear();
    }
    all.forEach(GoldyloxCacheManager::close);
  }

  @Override
  public void close(ClassLoader classLoader) {
    ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
    Map<URI, GoldyloxCacheManager> byUri;
    synchronized (this) {
      byUri = managers.remove(loader);
    }
    if (byUri != null) {
      new ArrayList<>(byUri.values()).forEach(GoldyloxCacheManager::close);
    }
  }

  @Override
  public void close(URI uri, ClassLoader classLoader) {
    URI managerUri = uri == null ? getDefaultURI() : uri;
    ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
    GoldyloxCacheManager manager = null;
    synchronized (this) {
      Map<URI, GoldyloxCacheManager> byUri = managers.get(loader);
      if (byUri != null) {
        manager = byUri.remove(managerUri);
        if (byUri.isEmpty()) {
          managers.remove(loader);
        }
      }
    }
    if (manager != null) {
      manager.close();
    }
  }

  /** Forgets a manager that closed itself. */
  synchronized void release(GoldyloxCacheManager manager) {
    ClassLoader loader = manager.getClassLoader();
    if (loader == null) {
      return;
    }
    Map<URI, GoldyloxCacheManager> byUri = managers.get(loader);
    if (byUri != null && byUri.get(manager.getURI()) == manager) {
      byUri.remove(manager.getURI());
      if (byUri.isEmpty()) {
        managers.remove(loader);
      }
    }
  }

  @Override
  public boolean isSupported(OptionalFeature optionalFeature) {
    return optionalFeature == OptionalFeature.STORE_BY_REFERENCE;
  }
}

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
 * can be collected once its managers are closed) and per URI. A manager stays here until its close has finished
 * (it then calls {@link #release}), so a new manager for the same URI never opens the disk directories of one
 * that is still closing. The methods run on the callers' threads and take this provider's monitor; they are
 * lifecycle calls, never on a cache operation's path. Only {@link #getCacheManager} may wait, outside the
 * monitor, for a manager of its URI that is closing.
 */
public final class GoldyloxCachingProvider implements CachingProvider {

  /** The URI of the default cache manager: caches configured from the spec's defaults. */
  public static final URI DEFAULT_URI = URI.create("urn:goldylox:default");

  private final Map<ClassLoader, Map<URI, GoldyloxCacheManager>> managers = new WeakHashMap<>();

  /** Public no-argument constructor, for {@link java.util.ServiceLoader}. */
  public GoldyloxCachingProvider() {}

  /**
   * The open manager of {@code (uri, classLoader)}, made if there is none. A manager that is still closing keeps
   * its caches' disk directories: this waits (outside this provider's monitor, which the close takes last to
   * release the manager) until that close has finished, then makes the new one.
   */
  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties) {
    URI managerUri = uri == null ? getDefaultURI() : uri;
    ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
    while (true) {
      GoldyloxCacheManager closing;
      synchronized (this) {
        Map<URI, GoldyloxCacheManager> byUri = managers.computeIfAbsent(loader, any -> new HashMap<>());
        GoldyloxCacheManager manager = byUri.get(managerUri);
        if (manager != null && !manager.isClosed()) {
          return manager;
        }
        if (manager == null || manager.isTerminated()) {
          manager = new GoldyloxCacheManager(this, managerUri, loader, properties);
          byUri.put(managerUri, manager);
          return manager;
        }
        closing = manager;
      }
      closing.awaitTermination();
    }
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
    }
    all.forEach(GoldyloxCacheManager::close); // each forgets itself (release) once closed
  }

  @Override
  public void close(ClassLoader classLoader) {
    ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
    List<GoldyloxCacheManager> all = new ArrayList<>();
    synchronized (this) {
      Map<URI, GoldyloxCacheManager> byUri = managers.get(loader);
      if (byUri != null) {
        all.addAll(byUri.values());
      }
    }
    all.forEach(GoldyloxCacheManager::close); // each forgets itself (release) once closed
  }

  @Override
  public void close(URI uri, ClassLoader classLoader) {
    URI managerUri = uri == null ? getDefaultURI() : uri;
    ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
    GoldyloxCacheManager manager = null;
    synchronized (this) {
      Map<URI, GoldyloxCacheManager> byUri = managers.get(loader);
      if (byUri != null) {
        manager = byUri.get(managerUri); // it forgets itself (release) once closed
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

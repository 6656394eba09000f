package io.goldylox.remote;

import io.goldylox.config.RemoteConfig;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds the {@link RemoteStoreFactory} for a remote block's URI scheme and opens the store. Lifecycle calls only. */
public final class RemoteStores {

  private RemoteStores() {}

  /**
   * Opens the store of {@code config} for cache {@code cacheName} of {@code owner} (its cache manager, with whose
   * other stores it may share connections; null for none), with a factory found through {@code loader} (or this
   * class's loader).
   *
   * @throws RemoteStoreException when no module on the class path handles the scheme, or the store cannot be
   *     reached
   */
  public static RemoteStore open(RemoteConfig config, String cacheName, ClassLoader loader, Object owner) {
    String scheme = config.uri().getScheme();
    java.util.Set<String> found = new java.util.LinkedHashSet<>();
    try {
      for (ClassLoader candidate : new ClassLoader[] {loader, RemoteStores.class.getClassLoader()}) {
        if (candidate == null) {
          continue;
        }
        for (RemoteStoreFactory factory : ServiceLoader.load(RemoteStoreFactory.class, candidate)) {
          if (factory.supports(scheme)) {
            return factory.open(config, cacheName, owner);
          }
          found.add(factory.getClass().getName());
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new RemoteStoreException("Cache '" + cacheName + "': cannot load a remote store factory for "
          + config.maskedUri() + ": " + e.getMessage(), e);
    }
    if (!found.isEmpty()) {
      throw new RemoteStoreException("Cache '" + cacheName + "' has a remote store " + config.maskedUri()
          + ", and no remote store on the class path handles the scheme '" + scheme + "' (found " + found
          + "; goldylox-redis handles redis:// and rediss://)");
    }
    throw new RemoteStoreException("Cache '" + cacheName + "' has a remote store " + config.maskedUri()
        + ", and no module on the class path handles '" + scheme + "': add io.goldylox:goldylox-redis");
  }
}

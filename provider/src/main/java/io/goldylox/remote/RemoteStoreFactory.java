package io.goldylox.remote;

import io.goldylox.config.RemoteConfig;

/**
 * Opens {@link RemoteStore}s for a URI scheme; found with {@link java.util.ServiceLoader} (a module such as
 * {@code goldylox-redis} lists its factory in {@code META-INF/services/io.goldylox.remote.RemoteStoreFactory}),
 * so the provider itself depends on no network client.
 */
public interface RemoteStoreFactory {

  /** Whether this factory opens URIs of {@code scheme} ({@code redis}, {@code rediss}). */
  boolean supports(String scheme);

  /**
   * Connects to the store of {@code config} for cache {@code cacheName}, checking that it answers.
   *
   * @throws RemoteStoreException naming the URI (password masked) when it cannot connect or authenticate
   */
  RemoteStore open(RemoteConfig config, String cacheName);

  /**
   * {@link #open(RemoteConfig, String)} for a cache of {@code owner} (its cache manager): a factory may share
   * connections among the stores of one owner (compared by identity) that name the same server the same way.
   */
  default RemoteStore open(RemoteConfig config, String cacheName, Object owner) {
    return open(config, cacheName);
  }
}

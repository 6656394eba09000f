package io.goldylox.redis;

import io.goldylox.config.RemoteConfig;
import io.goldylox.remote.RemoteStore;
import io.goldylox.remote.RemoteStoreFactory;

/**
 * Opens {@link RedisRemoteStore}s for {@code redis://} and {@code rediss://} (TLS) URIs; found by the provider
 * through {@link java.util.ServiceLoader}. Stateless; any thread.
 */
public final class RedisRemoteStoreFactory implements RemoteStoreFactory {

  @Override
  public boolean supports(String scheme) {
    return "redis".equalsIgnoreCase(scheme) || "rediss".equalsIgnoreCase(scheme);
  }

  @Override
  public RemoteStore open(RemoteConfig config, String cacheName) {
    return RedisRemoteStore.open(config, cacheName);
  }
}

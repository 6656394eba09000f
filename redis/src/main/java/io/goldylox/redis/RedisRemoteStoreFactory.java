package io.goldylox.redis;

import io.goldylox.config.RemoteConfig;
import io.goldylox.remote.RemoteStore;
import io.goldylox.remote.RemoteStoreException;
import io.goldylox.remote.RemoteStoreFactory;

/**
 * Opens {@link RedisRemoteStore}s for {@code redis://} and {@code rediss://} (TLS) URIs, or, under
 * {@code on-failure = local} when Redis cannot be reached yet, a {@link DeferredRedisStore} that keeps trying; found
 * by the provider through {@link java.util.ServiceLoader}. Stateless; any thread.
 */
public final class RedisRemoteStoreFactory implements RemoteStoreFactory {

  @Override
  public boolean supports(String scheme) {
    return "redis".equalsIgnoreCase(scheme) || "rediss".equalsIgnoreCase(scheme);
  }

  @Override
  public RemoteStore open(RemoteConfig config, String cacheName) {
    return open(config, cacheName, null);
  }

  @Override
  public RemoteStore open(RemoteConfig config, String cacheName, Object owner) {
    try {
      return RedisRemoteStore.open(config, cacheName, owner);
    } catch (RemoteStoreException e) {
      // Under on-failure = local a Redis that is down (not misconfigured) does not keep the cache from opening.
      if (config.onFailure() != RemoteConfig.OnFailure.LOCAL || !RedisFailures.mayConnectLater(e)) {
        throw e;
      }
      return DeferredRedisStore.start(config, cacheName, owner, e);
    }
  }
}

package io.goldylox.redis.cache;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.RemoteConfig;
import io.goldylox.redis.testing.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Test helper: "nodes" of a fleet inside one JVM. Each node is a cache manager of its own (its own URI), so its
 * caches have their own local tiers, their own Redis connections and their own node id, exactly as in separate
 * JVMs; they share one real {@code redis-server}. Closes every manager it opened.
 */
final class Nodes implements AutoCloseable, BeforeEachCallback, AfterEachCallback {

  static final String PROVIDER = "io.goldylox.spi.GoldyloxCachingProvider";

  private final String uri;
  private final List<CacheManager> managers = new ArrayList<>();
  /** The server a test's fleet runs on, emptied before the test ({@link #fleetOn}); else null. */
  private final RedisServer server;

  Nodes(String redisUri) {
    this.uri = redisUri;
    this.server = null;
  }

  private Nodes(RedisServer server) {
    this.uri = server.uri();
    this.server = server;
  }

  /**
   * One test's fleet on a class's {@code server}, as a JUnit extension of an instance field: the server is emptied
   * before the test and the nodes' managers are closed after it.
   *
   * <pre>{@code
   * @RegisterExtension
   * final Nodes nodes = Nodes.fleetOn(server);
   * }</pre>
   */
  static Nodes fleetOn(RedisServer server) {
    return new Nodes(server);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (server != null) {
      server.flushAll();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  RemoteConfig.Builder remote(String prefix) {
    return RemoteConfig.builder(uri).keyPrefix(prefix).timeout(Duration.ofSeconds(2)).lockWait(Duration.ofSeconds(10));
  }

  /** Node {@code node}'s cache {@code name} over the shared prefix {@code prefix}. */
  <K, V> Cache<K, V> cache(String node, String name, GoldyloxConfiguration<K, V> configuration) {
    CachingProvider provider = Caching.getCachingProvider(PROVIDER);
    CacheManager manager = provider.getCacheManager(URI.create("urn:goldylox:test-node-" + node),
        getClass().getClassLoader());
    managers.add(manager);
    Cache<K, V> existing = manager.getCache(name);
    return existing != null ? existing : manager.createCache(name, configuration);
  }

  <K, V> Cache<K, V> cache(String node, String prefix, Class<K> keyType, Class<V> valueType) {
    return cache(node, prefix, GoldyloxConfiguration.builder(keyType, valueType).remote(remote(prefix).build())
        .build());
  }

  /** The near-cache tier of a Redis-tier cache. */
  static io.goldylox.remote.NearCacheTier<?> near(Cache<?, ?> cache) {
    return (io.goldylox.remote.NearCacheTier<?>) cache.unwrap(io.goldylox.cache.GoldyloxCache.class).tier();
  }

  /** Waits until {@code condition} holds; fails the test naming {@code what} after 20 s. */
  static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(2);
    }
  }

  @Override
  public void close() {
    for (CacheManager manager : managers) {
      manager.close();
    }
  }
}

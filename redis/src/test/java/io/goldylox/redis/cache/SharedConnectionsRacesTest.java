package io.goldylox.redis.cache;

import static io.goldylox.redis.cache.Nodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.RemoteConfig;
import io.goldylox.redis.RedisRemoteStore;
import io.goldylox.redis.testing.DelayingProxy;
import io.goldylox.redis.testing.RecordingListener;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connections shared by the caches of one manager (from a review): caches on one channel do not disturb each other,
 * a close racing a subscribe of the same channel leaves it subscribed, a silent shared link is not handed to new
 * caches, and every cache recovers from a restart. A real redis-server, and a TCP proxy that freezes a connection.
 */
class SharedConnectionsRacesTest {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  @RegisterExtension
  final Nodes nodes = Nodes.fleetOn(server);

  /**
   * Two caches of one manager with the same explicit key prefix share a channel, and Lettuce tells every listener of
   * the shared pub/sub connection of every SUBSCRIBE confirmation: opening the second must not drop the first one's
   * near cache.
   */
  @Test
  void openingASecondCacheOnTheSamePrefixDoesNotDropTheFirstOnesNearCache() throws Exception {
    Cache<String, String> first = nodes.cache("a", "same-1", GoldyloxConfiguration.builder(String.class, String.class)
        .remote(nodes.remote("same:").build()).build());
    first.put("k", "v");
    await(() -> Nodes.near(first).coherent(), "first trusted");
    long drops = Nodes.near(first).metrics().nearCacheDrops();
    Cache<String, String> second = nodes.cache("a", "same-2", GoldyloxConfiguration.builder(String.class, String.class)
        .remote(nodes.remote("same:").build()).build());
    assertThat(second.get("k")).isEqualTo("v");
    Thread.sleep(300);
    assertThat(Nodes.near(first).metrics().nearCacheDrops())
        .as("the first cache's near cache was dropped by another cache's SUBSCRIBE").isEqualTo(drops);
  }

  /**
   * The last store of a channel closes while a new store of the same channel (same prefix) subscribes: the commands
   * must reach Redis in the order of the counts, or the UNSUBSCRIBE lands after the SUBSCRIBE and the new store,
   * confirmed, trusts its near cache while Redis sends it nothing.
   */
  @Test
  void aStoreClosingWhileAnotherOfItsChannelSubscribesLeavesTheChannelSubscribed() throws Exception {
    Object owner = new Object();
    RemoteConfig config = nodes.remote("race:").build();
    RedisRemoteStore keeper = RedisRemoteStore.open(nodes.remote("keeper:").build(), "keeper", owner);
    RedisRemoteStore current = RedisRemoteStore.open(config, "race", owner);
    current.listen(new RecordingListener());
    try {
      for (int i = 0; i < 500; i++) {
        RedisRemoteStore next = RedisRemoteStore.open(config, "race", owner);
        CyclicBarrier barrier = new CyclicBarrier(2);
        RedisRemoteStore closing = current;
        Thread closer = new Thread(() -> {
          try {
            barrier.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          closing.close();
        });
        closer.start();
        barrier.await();
        long spin = System.nanoTime() + ThreadLocalRandom.current().nextLong(60_000);
        while (System.nanoTime() < spin) {
          Thread.onSpinWait();
        }
        next.listen(new RecordingListener());
        closer.join();
        current = next;
        Thread.sleep(3);
        String channels = server.command("PUBSUB CHANNELS race:inv");
        assertThat(channels).as("trial " + i + ": the open store's channel is subscribed in Redis").isEqualTo("*1");
      }
    } finally {
      current.close();
      keeper.close();
    }
  }

  /**
   * A manager's shared pub/sub connection goes silent (half-open: the heartbeat's case) while Redis is healthy: a
   * new cache of that manager gets connections of its own, and opens.
   */
  @Test
  void aNewCacheOfAManagerWhosePubSubLinkIsSilentStillOpens() throws Exception {
    try (DelayingProxy proxy = new DelayingProxy(server.port())) {
      CacheManager manager = Caching.getCachingProvider(Nodes.PROVIDER)
          .getCacheManager(URI.create("urn:goldylox:test-node-frozen"), getClass().getClassLoader());
      try {
        RemoteConfig.Builder remote = RemoteConfig.builder(proxy.uri()).timeout(Duration.ofMillis(500))
            .onFailure(RemoteConfig.OnFailure.LOCAL);
        manager.createCache("frozen-1", GoldyloxConfiguration.builder(String.class, String.class)
            .remote(remote.keyPrefix("frozen-1:").build()).build());
        assertThat(proxy.connections()).isEqualTo(3); // data, pub/sub, timers'
        proxy.freeze(1); // the pub/sub connection stops delivering, without closing
        Cache<String, String> second = manager.createCache("frozen-2",
            GoldyloxConfiguration.builder(String.class, String.class)
                .remote(remote.keyPrefix("frozen-2:").build()).build());
        second.put("k", "v");
        assertThat(second.get("k")).isEqualTo("v");
      } finally {
        manager.close();
      }
    }
  }

  /** Restart: every cache of the manager recovers (near caches dropped and trusted again, invalidations heard). */
  @Test
  void everyCacheOfTheManagerRecoversAfterARestart() throws Exception {
    Cache<String, String> a1 = nodes.cache("a", "restart-1", String.class, String.class);
    Cache<String, String> a2 = nodes.cache("a", "restart-2", String.class, String.class);
    Cache<String, String> b1 = nodes.cache("b", "restart-1", String.class, String.class);
    Cache<String, String> b2 = nodes.cache("b", "restart-2", String.class, String.class);
    a1.put("k", "1");
    a2.put("k", "2");
    server.kill9();
    await(() -> !Nodes.near(a1).coherent() && !Nodes.near(a2).coherent(), "a's caches bypass their near caches");
    server.start();
    await(() -> Nodes.near(a1).coherent() && Nodes.near(a2).coherent() && Nodes.near(b1).coherent()
        && Nodes.near(b2).coherent(), "all trusted again");
    // Trusted means the pub/sub link is back; b's data connection reconnects on its own schedule, and until it
    // has, a put fails at once (on-failure = fail): wait for it.
    await(() -> puts(b1, "k", "b1") && puts(b2, "k", "b2"), "b's data connection back");
    // a's data connection too reconnects on its own schedule; until it has, a read of the shared copy fails.
    await(() -> "b1".equals(readOrNull(a1, "k")) && "b2".equals(readOrNull(a2, "k")), "a reads b's puts");
    b1.put("k", "b1-2");
    b2.put("k", "b2-2");
    await(() -> "b1-2".equals(a1.get("k")) && "b2-2".equals(a2.get("k")), "a hears b after the restart");
    assertThat(server.command("CLIENT LIST").lines().count() - 1).isEqualTo(6);
    nodes.close();
    await(() -> server.command("CLIENT LIST").lines().count() - 1 == 0, "no connection left");
  }

  /** The cache's value of {@code key}, or null while the node's data connection is down. */
  private static String readOrNull(Cache<String, String> cache, String key) {
    try {
      return cache.get(key);
    } catch (javax.cache.CacheException e) {
      return null;
    }
  }

  /** Whether a put went through (false while the node's data connection is down). */
  private static boolean puts(Cache<String, String> cache, String key, String value) {
    try {
      cache.put(key, value);
      return true;
    } catch (javax.cache.CacheException e) {
      return false;
    }
  }

  /** Control: close then recreate in sequence (no overlap) keeps the channel subscribed. */
  @Test
  void closeThenRecreateInSequenceKeepsTheChannelSubscribed() throws Exception {
    Object owner = new Object();
    RemoteConfig config = nodes.remote("seq:").build();
    RedisRemoteStore keeper = RedisRemoteStore.open(nodes.remote("keeper:").build(), "keeper", owner);
    try {
      for (int i = 0; i < 300; i++) {
        RedisRemoteStore store = RedisRemoteStore.open(config, "seq", owner);
        store.listen(new RecordingListener());
        Thread.sleep(3);
        assertThat(server.command("PUBSUB CHANNELS seq:inv")).as("trial " + i).isEqualTo("*1");
        store.close();
      }
    } finally {
      keeper.close();
    }
  }
}

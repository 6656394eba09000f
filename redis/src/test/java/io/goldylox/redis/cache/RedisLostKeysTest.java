package io.goldylox.redis.cache;

import static io.goldylox.redis.cache.Nodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keys Redis loses behind the nodes' backs (maxmemory eviction, an operator's FLUSHALL, its own expiry): nothing
 * tells the nodes, so every change of such a key, also one that finds nothing to change, must end the near copies
 * on every node; and announcing it must not take an EXPIRED event away from a node whose copy expired. Two nodes
 * over one real {@code redis-server}.
 */
class RedisLostKeysTest {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  @RegisterExtension
  final Nodes nodes = Nodes.fleetOn(server);

  /** Whether {@code cache} answers {@code key} with {@code value} from its near cache, without a round trip. */
  private static boolean nearHit(Cache<String, String> cache, String key, String value) {
    NearCacheTier<?> near = Nodes.near(cache);
    long before = near.metrics().roundTrips();
    return near.invalidationBacklog() == 0 && value.equals(cache.get(key)) && near.metrics().roundTrips() == before;
  }

  @Test
  void aNoOpChangeOfAKeyRedisLostStillDropsTheOtherNodesCopies() throws Exception {
    Cache<String, String> a = nodes.cache("a", "lost", String.class, String.class);
    Cache<String, String> b = nodes.cache("b", "lost", String.class, String.class);
    a.put("k", "v");
    a.put("r", "v");
    await(() -> nearHit(b, "k", "v") && nearHit(b, "r", "v"), "b holds k and r in its near cache");

    server.flushAll(); // Redis loses both keys behind the nodes' backs
    assertThat(b.get("k")).as("nothing told b: its near copy still answers").isEqualTo("v");

    assertThat(a.remove("k")).as("Redis held no k: nothing to remove").isFalse();
    assertThat(a.replace("r", "w")).as("Redis held no r: nothing to replace").isFalse();
    await(() -> b.get("k") == null && b.get("r") == null, "b dropped its copies after a's no-op remove and replace");
    assertThat(a.get("k")).isNull();
    assertThat(a.get("r")).isNull();
  }

  /** removeAll() visits the keys Redis holds (a SCAN) and, over Redis, every near copy of the node too. */
  @Test
  void removeAllEndsTheNearCopiesOfKeysRedisLostOnEveryNode() throws Exception {
    Cache<String, String> a = nodes.cache("a", "lostall", String.class, String.class);
    Cache<String, String> b = nodes.cache("b", "lostall", String.class, String.class);
    a.put("k", "v");
    await(() -> nearHit(a, "k", "v") && nearHit(b, "k", "v"), "a and b hold k in their near caches");

    server.flushAll();
    a.removeAll();

    assertThat(a.get("k")).as("a removed all its entries").isNull();
    await(() -> b.get("k") == null, "b dropped its copy after a's removeAll()");
  }

  /**
   * README: EXPIRED fires on each node that held a near copy when it expired. Node a's remove of a key Redis had
   * already expired announces the key; b's copy, past its deadline, is left to b's sweep, which fires EXPIRED.
   */
  @Test
  void aNoOpRemoveAfterTheDeadlineLeavesTheOtherNodesExpiredEvent() throws Exception {
    GoldyloxConfiguration<String, String> configuration = GoldyloxConfiguration.builder(String.class, String.class)
        .remote(nodes.remote("lostexp").build()).build();
    configuration.setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(
        new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 400)));
    Cache<String, String> a = nodes.cache("a", "lostexp", configuration);
    Cache<String, String> b = nodes.cache("b", "lostexp", configuration);
    NearCacheExpiryTest.ExpiredKeys listener = new NearCacheExpiryTest.ExpiredKeys();
    b.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
        FactoryBuilder.factoryOf(listener), null, true, true));
    List<String> expiredOnB = listener.keys;

    b.put("early", "x"); // b's sweep runs at its deadline, so the next one is at least 50 ms later
    long putAt = System.currentTimeMillis();
    a.put("k", "v");
    assertThat(b.get("k")).isEqualTo("v"); // b's near copy, deadline about putAt + 400
    Thread.sleep(Math.max(0, putAt + 400 + 15 - System.currentTimeMillis()));
    assertThat(a.remove("k")).as("Redis expired k: nothing to remove").isFalse();

    await(() -> expiredOnB.contains("early") && expiredOnB.contains("k"),
        "EXPIRED on b for early and for k, whose near copy b held when it expired");
  }
}

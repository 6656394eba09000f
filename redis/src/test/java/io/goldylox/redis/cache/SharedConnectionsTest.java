package io.goldylox.redis.cache;

import static io.goldylox.redis.cache.Nodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.time.Duration;
import javax.cache.Cache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The caches of one cache manager over one Redis share three connections (data, pub/sub, timers'), counted by the
 * server itself ({@code CLIENT LIST}); each cache still hears only its own invalidations, closing one cache leaves
 * the others' subscriptions working, and the last one closes the connections.
 */
class SharedConnectionsTest {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  @RegisterExtension
  final Nodes nodes = Nodes.fleetOn(server);

  /** Connections the server has, this command's own left out. */
  private static long connections() {
    return server.command("CLIENT LIST").lines().count() - 1;
  }

  @Test
  void theCachesOfOneManagerShareThreeConnectionsAndKeepTheirOwnInvalidations() throws Exception {
    Cache<String, String> a1 = nodes.cache("a", "shared-1", String.class, String.class);
    Cache<String, String> a2 = nodes.cache("a", "shared-2", String.class, String.class);
    Cache<String, String> a3 = nodes.cache("a", "shared-3", String.class, String.class);
    assertThat(connections()).as("three caches of one manager").isEqualTo(3);
    Cache<String, String> b1 = nodes.cache("b", "shared-1", String.class, String.class);
    Cache<String, String> b2 = nodes.cache("b", "shared-2", String.class, String.class);
    assertThat(connections()).as("another manager has its own").isEqualTo(6);

    a1.put("k", "a1");
    a2.put("k", "a2");
    assertThat(b1.get("k")).isEqualTo("a1");
    assertThat(b2.get("k")).isEqualTo("a2");
    b1.put("k", "b1");
    b2.put("k", "b2");
    await(() -> "b1".equals(a1.get("k")) && "b2".equals(a2.get("k")), "a's caches hear b's changes, each its own");
    assertThat(a3.get("k")).as("a change of another cache is not this cache's").isNull();

    a1.close();
    assertThat(connections()).as("a's other caches still use the connections").isEqualTo(6);
    b2.put("k", "b2-again");
    await(() -> "b2-again".equals(a2.get("k")), "a2 still hears b2 after a1, on the same connection, closed");
    b1.put("k", "b1-again"); // nobody on a listens to shared-1 now: no harm

    a2.close();
    a3.close();
    await(() -> connections() == 3, "a's last cache closed the connections");
    assertThat(b1.get("k")).isEqualTo("b1-again");
  }

  @Test
  void aCacheWithAnotherTimeoutHasConnectionsOfItsOwn() {
    nodes.cache("a", "timeout-1", String.class, String.class);
    nodes.cache("a", "timeout-2", GoldyloxConfiguration.builder(String.class, String.class)
        .remote(nodes.remote("timeout-2").timeout(Duration.ofSeconds(3)).build()).build());
    assertThat(connections()).isEqualTo(6);
  }
}

package io.goldylox.redis.cache;

import static io.goldylox.redis.cache.Nodes.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.RemoteConfig;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.redis.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import javax.cache.Cache;
import javax.cache.CacheException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cache whose Redis is down when it opens: under {@code on-failure = local} it opens and runs on its local tiers
 * alone, connects once Redis is up, then drops what it changed alone and shares Redis's copy; under
 * {@code on-failure = fail}, or when the configuration is wrong (a password Redis refuses), opening fails as before.
 * A real {@code redis-server}, started in the middle of the test on the port the cache was given.
 */
class StartWithoutRedisTest {

  private static final String PASSWORD = "start-pw";

  private final RedisServer server = new RedisServer(); // not started: the port is free
  private final Nodes nodes = new Nodes(server.uri());

  @AfterEach
  void close() {
    nodes.close();
    server.close();
  }

  private GoldyloxConfiguration<String, String> configuration(String uri, RemoteConfig.OnFailure onFailure,
      String password) {
    RemoteConfig.Builder remote = RemoteConfig.builder(uri).keyPrefix("start:").timeout(Duration.ofMillis(200))
        .lockWait(Duration.ofSeconds(5)).onFailure(onFailure);
    if (password != null) {
      remote.password(password);
    }
    return GoldyloxConfiguration.builder(String.class, String.class).remote(remote.build()).build();
  }

  @Test
  void onFailureLocalOpensWithoutRedisAndSharesOnceItIsUp() throws Exception {
    Cache<String, String> a = nodes.cache("a", "start", configuration(server.uri(), RemoteConfig.OnFailure.LOCAL,
        null));
    NearCacheTier<?> nearA = Nodes.near(a);
    assertThat(nearA.coherent()).as("nothing to be coherent with").isFalse();
    a.put("k", "alone");
    a.put("only-a", "alone");
    assertThat(a.get("k")).as("the local tiers serve alone").isEqualTo("alone");
    assertThat(nearA.metrics().localFallbacks()).isGreaterThanOrEqualTo(2);
    assertThat(connectorThreads()).as("a thread keeps trying to connect").hasSize(1);

    server.start();
    Cache<String, String> b = nodes.cache("b", "start", configuration(server.uri(), RemoteConfig.OnFailure.LOCAL,
        null));
    b.put("k", "shared");
    await(nearA::coherent, "a connected, dropped what it changed alone and trusts its near cache");
    await(() -> connectorThreads().isEmpty(), "the connecting thread stopped once connected");
    assertThat(a.get("k")).as("the shared copy wins over the change a made alone").isEqualTo("shared");
    assertThat(a.get("only-a")).as("a's change made alone was never shared, and is dropped").isNull();

    b.put("k", "v2");
    await(() -> "v2".equals(a.get("k")), "a hears b's change");
    a.put("k", "v3");
    await(() -> "v3".equals(b.get("k")), "b hears a's change: a writes to Redis");
  }

  @Test
  void closingACacheThatNeverConnectedStopsItsConnectingThread() throws Exception {
    Cache<String, String> a = nodes.cache("a", "start", configuration(server.uri(), RemoteConfig.OnFailure.LOCAL,
        null));
    assertThat(connectorThreads()).hasSize(1);
    a.close();
    await(() -> connectorThreads().isEmpty(), "the connecting thread stopped with the cache");
    server.start();
    Thread.sleep(1_500); // more than one attempt period: nothing connects after the close
    assertThat(server.command("CLIENT LIST").lines().count()).as("no connection but this command's own")
        .isEqualTo(1);
  }

  @Test
  void onFailureFailStillRefusesToOpenWithoutRedis() {
    assertThatThrownBy(() -> nodes.cache("a", "start", configuration(server.uri(), RemoteConfig.OnFailure.FAIL,
        null))).isInstanceOf(CacheException.class).hasMessageContaining(server.uri()).hasMessageContaining(
        "cannot connect");
    assertThat(connectorThreads()).isEmpty();
  }

  @Test
  void aPasswordRedisRefusesFailsTheOpenAlsoUnderOnFailureLocal() {
    try (RedisServer guarded = new RedisServer(PASSWORD).start()) {
      assertThatThrownBy(() -> nodes.cache("a", "start", configuration(guarded.uri(), RemoteConfig.OnFailure.LOCAL,
          "wrong-" + PASSWORD))).isInstanceOf(CacheException.class).hasMessageContaining("authentication failed");
      assertThat(connectorThreads()).isEmpty();
    }
  }

  private static List<String> connectorThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(name -> name.startsWith("goldylox-redis-connect-")).collect(Collectors.toList());
  }

  @Test
  void anUnknownHostOrADatabaseRedisLacksFailsTheOpenAlsoUnderOnFailureLocal() {
    assertThatThrownBy(() -> nodes.cache("a", "start", configuration("redis://no-such-host.invalid:6379",
        RemoteConfig.OnFailure.LOCAL, null))).isInstanceOf(CacheException.class);
    server.start();
    assertThatThrownBy(() -> nodes.cache("a", "start", configuration(server.uri().replaceFirst("/0$", "/99"),
        RemoteConfig.OnFailure.LOCAL, null))).isInstanceOf(CacheException.class).hasMessageContaining("database");
    assertThat(connectorThreads()).isEmpty();
  }

  @Test
  void aCacheThatNeverConnectedReportsNoLostConnection() {
    Cache<String, String> a = nodes.cache("a", "start", configuration(server.uri(), RemoteConfig.OnFailure.LOCAL,
        null));
    assertThat(Nodes.near(a).metrics().disconnects()).as("no outage after a good start: no start at all").isZero();
  }
}

package io.goldylox.redis.cache;

import static io.goldylox.redis.cache.Nodes.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.RemoteConfig;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.remote.RemoteMetrics;
import io.goldylox.redis.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an outage does, on a real redis-server that stops answering ({@code CLIENT PAUSE}) or dies
 * ({@code kill -9}): the circuit breaker spares callers the timeout after the first failure; with
 * {@code on-failure = local} the near cache serves and takes writes alone, and is dropped once Redis is back, so a
 * value written during the outage is never served against the shared copy.
 */
class OutagePolicyTest {

  private RedisServer server;
  private Nodes nodes;

  @BeforeEach
  void start() {
    server = new RedisServer().start();
    nodes = new Nodes(server.uri());
  }

  @AfterEach
  void stop() {
    nodes.close();
    server.close();
  }

  private static RemoteMetrics metrics(Cache<?, ?> cache) {
    return ((NearCacheTier<?>) cache.unwrap(GoldyloxCache.class).tier()).metrics();
  }


  private Cache<String, String> cache(String node, String name, RemoteConfig.OnFailure onFailure) {
    RemoteConfig remote = RemoteConfig.builder(server.uri()).keyPrefix(name + ":").timeout(Duration.ofMillis(300))
        .lockWait(Duration.ofSeconds(5)).onFailure(onFailure).build();
    return nodes.cache(node, name, GoldyloxConfiguration.builder(String.class, String.class).remote(remote).build());
  }

  private static long millis(Runnable call) {
    long start = System.nanoTime();
    try {
      call.run();
    } catch (CacheException expected) {
      // timed either way
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Test
  void afterTheFirstTimeoutTheBreakerFailsCallersAtOnceUntilRedisAnswers() throws Exception {
    Cache<String, String> cache = cache("paused", "paused", RemoteConfig.OnFailure.FAIL);
    cache.put("k", "v");
    assertThat(server.command("CLIENT PAUSE 4000 ALL")).isEqualTo("+OK");
    long first = millis(() -> cache.put("k", "w"));
    assertThatThrownBy(() -> cache.put("k", "w")).isInstanceOf(CacheException.class)
        .hasMessageContaining("circuit breaker is open");
    long slowest = 0;
    for (int i = 0; i < 20; i++) {
      slowest = Math.max(slowest, millis(() -> cache.put("k" , "w")));
    }
    assertThat(first).as("the first call waited for the timeout, not longer").isLessThan(3_000);
    assertThat(slowest).as("later calls did not wait for the timeout again").isLessThan(250);
    assertThat(metrics(cache).failures()).as("every failed call counts, not only the one that opened the breaker"
        + " (new-user trial: 10 failed gets counted 1)").isGreaterThanOrEqualTo(22);
    await(() -> {
      try {
        cache.put("k", "after");
        return true;
      } catch (CacheException e) {
        return false;
      }
    }, "puts work again after the pause");
    assertThat(cache.get("k")).isEqualTo("after");
  }

  @Test
  void onFailureLocalServesTheNearCacheThenDropsItWhenRedisIsBack() throws Exception {
    // a fails while Redis is down, so that its put below is known to have reached Redis.
    Cache<String, String> a = cache("local-a", "local", RemoteConfig.OnFailure.FAIL);
    Cache<String, String> b = cache("local-b", "local", RemoteConfig.OnFailure.LOCAL);
    a.put("k", "shared");
    await(() -> metrics(b).invalidationsReceived() >= 1, "b was told of the put");
    assertThat(b.get("k")).isEqualTo("shared");
    // The invalidation of a's put may still be on b's worker and remove the first fill: wait for a near hit.
    NearCacheTier<?> nearB = (NearCacheTier<?>) b.unwrap(GoldyloxCache.class).tier();
    await(() -> {
      long trips = metrics(b).roundTrips();
      return nearB.invalidationBacklog() == 0 && "shared".equals(b.get("k")) && metrics(b).roundTrips() == trips;
    }, "b holds k in its near cache, with no invalidation left to apply");

    server.kill9();
    assertThat(b.get("k")).as("served from b's near cache").isEqualTo("shared");
    b.put("k", "only-on-b");
    b.put("other", "only-on-b");
    assertThat(b.get("k")).isEqualTo("only-on-b");
    assertThat(metrics(b).localFallbacks()).as("the two puts at least (reads may still be near hits)")
        .isGreaterThanOrEqualTo(2);

    server.start(); // empty
    await(() -> {
      try {
        a.put("k", "after");
        return true;
      } catch (CacheException e) {
        return false;
      }
    }, "a writes to Redis again");
    await(() -> "after".equals(b.get("k")) && b.get("other") == null,
        "b dropped what it wrote alone and reads the shared copy");
  }

  /**
   * A slow Redis (writes paused) under on-failure = local: a node's changes made alone while the breaker was open
   * are dropped once Redis answers, also on a node whose reads are all near hits (new-user trial: the node kept
   * serving its own value for good, since no read of it ever reached Redis to see it answer again).
   */
  @Test
  void onFailureLocalDropsChangesMadeAloneAfterASlowRedisAlsoWhenEveryReadIsANearHit() throws Exception {
    Cache<String, String> a = cache("slow-a", "slow", RemoteConfig.OnFailure.LOCAL);
    Cache<String, String> b = cache("slow-b", "slow", RemoteConfig.OnFailure.FAIL);
    a.put("p", "v1");
    assertThat(b.get("p")).isEqualTo("v1");
    assertThat(server.command("CLIENT PAUSE 1500 WRITE")).isEqualTo("+OK");
    a.put("q", "times out"); // waits for the timeout, opens the breaker, and is made on a alone
    a.put("p", "v2-alone"); // the breaker is open: on a alone at once
    assertThat(a.get("p")).as("served by a's near cache during the outage").isEqualTo("v2-alone");
    assertThat(metrics(a).localFallbacks()).isGreaterThanOrEqualTo(2);
    await(() -> "v1".equals(a.get("p")), "a dropped what it changed alone and reads the shared copy again");
    assertThat(b.get("p")).isEqualTo("v1");
    assertThat(a.get("p")).as("and then reads its near cache again").isEqualTo("v1");
  }

  /**
   * During an outage in which Redis does not answer, a near hit stays a local lookup under on-failure = local:
   * no read of a key the near cache holds calls Redis (a review found every reader waiting for the timeout at
   * each half-open moment of the breaker, when reads were sent to find out whether Redis answers again; the
   * node's heartbeat finds that out now).
   */
  @Test
  void nearHitsStayLocalDuringAnOutageUnderOnFailureLocal() throws Exception {
    Cache<String, String> a = cache("hung-a", "hung", RemoteConfig.OnFailure.LOCAL);
    a.put("hot", "v");
    assertThat(a.get("hot")).isEqualTo("v");
    assertThat(server.command("CLIENT PAUSE 4000 ALL")).isEqualTo("+OK");
    a.put("other", "x"); // times out: the breaker trips
    long roundTrips = metrics(a).roundTrips();
    long failures = metrics(a).failures();
    long reads = readFor(a, "hot", "v", 3); // at least two heartbeats or breaker windows
    assertThat(metrics(a).roundTrips() - roundTrips).as(reads + " near hits made no call to Redis").isZero();
    assertThat(metrics(a).failures() - failures).isZero();
    assertThat(server.command("CLIENT UNPAUSE")).isEqualTo("+OK");
  }

  /**
   * A brownout (Redis answers, later than the timeout) under on-failure = local: the node's heartbeat comes back
   * late, which is no sign that Redis takes commands again, so it neither closes the breaker nor drops the near
   * cache; near hits keep answering (a review's probe: late heartbeats dropped the near cache four times in 8 s,
   * and reads of a key Redis held returned null).
   */
  @Test
  void aLateHeartbeatInABrownoutDoesNotDropTheNearCache() throws Exception {
    try (io.goldylox.redis.testing.DelayingProxy proxy = new io.goldylox.redis.testing.DelayingProxy(server.port())) {
      RemoteConfig remote = RemoteConfig.builder(proxy.uri()).keyPrefix("brown:").timeout(Duration.ofMillis(300))
          .lockWait(Duration.ofSeconds(5)).onFailure(RemoteConfig.OnFailure.LOCAL).build();
      Cache<String, String> a = nodes.cache("brown-a", "brown",
          GoldyloxConfiguration.builder(String.class, String.class).remote(remote).build());
      a.put("k", "v");
      assertThat(a.get("k")).isEqualTo("v");
      proxy.delayMillis(400); // every reply comes after the 300-ms timeout
      a.put("x", "y"); // times out: the breaker trips
      long drops = metrics(a).nearCacheDrops();
      readFor(a, "k", "v", 4); // at least two heartbeats or breaker windows
      assertThat(metrics(a).nearCacheDrops()).as("no drop: Redis never answered in time").isEqualTo(drops);
      proxy.delayMillis(0);
      await(() -> metrics(a).nearCacheDrops() > drops,
          "once Redis answers in time, the near cache is dropped, as after an outage");
    }
  }

  /**
   * A Redis that answers PUBLISH but refuses every data command (MASTERDOWN here; LOADING after a restart alike):
   * no sign that it serves data again, so the near cache is not dropped and near hits answer (a review: a
   * heartbeat answered in time dropped it, and reads of a key Redis held returned null).
   */
  @Test
  void aRedisThatAnswersPublishButRefusesDataDoesNotEndTheOutage() throws Exception {
    Cache<String, String> a = cache("md-a", "md", RemoteConfig.OnFailure.LOCAL);
    a.put("k", "v");
    assertThat(a.get("k")).isEqualTo("v");
    assertThat(server.command("CONFIG SET replica-serve-stale-data no")).isEqualTo("+OK");
    assertThat(server.command("REPLICAOF 127.0.0.1 1")).isEqualTo("+OK"); // a replica of a master that is down
    long drops;
    try {
      a.put("x", "y"); // MASTERDOWN: the breaker trips; made on a alone
      drops = metrics(a).nearCacheDrops();
      readFor(a, "k", "v", 4); // at least two heartbeats or breaker windows
      assertThat(metrics(a).nearCacheDrops()).isEqualTo(drops);
    } finally {
      assertThat(server.command("REPLICAOF NO ONE")).isEqualTo("+OK");
    }
    await(() -> metrics(a).nearCacheDrops() > drops, "once Redis serves data again, what a made alone is dropped");
    assertThat(a.get("x")).as("x was made on a alone; Redis never had it").isNull();
  }

  /**
   * Only the data connection is stuck (here: its commands are never flushed), while the timer's connection and Redis
   * are fine: the outage is not over for the callers, so nothing is dropped (a review: a probe on the timer's
   * connection ended it, and reads of a key Redis held returned null).
   */
  @Test
  void anOutageOfTheDataConnectionAloneIsNotEndedByTheTimer() throws Exception {
    Cache<String, String> a = cache("dc-a", "dc", RemoteConfig.OnFailure.LOCAL);
    a.put("k", "v");
    assertThat(a.get("k")).isEqualTo("v");
    io.lettuce.core.api.StatefulRedisConnection<?, ?> data = dataConnection(a);
    data.setAutoFlushCommands(false);
    long drops;
    try {
      a.put("x", "y"); // times out: the breaker trips; made on a alone
      drops = metrics(a).nearCacheDrops();
      readFor(a, "k", "v", 4); // at least two heartbeats or breaker windows
      assertThat(metrics(a).nearCacheDrops()).isEqualTo(drops);
    } finally {
      data.setAutoFlushCommands(true);
      data.flushCommands();
    }
    await(() -> metrics(a).nearCacheDrops() > drops, "once the data connection serves again, the outage ends");
  }

  /** Reads {@code key} for {@code seconds}, each read expected to give {@code value}; returns how many reads. */
  private static long readFor(Cache<String, String> cache, String key, String value, int seconds) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long reads = 0;
    while (System.nanoTime() < end) {
      assertThat(cache.get(key)).as("read " + reads).isEqualTo(value);
      reads++;
    }
    return reads;
  }

  /** The store's data connection, reached by reflection: the test stops it alone. */
  private static io.lettuce.core.api.StatefulRedisConnection<?, ?> dataConnection(Cache<?, ?> cache)
      throws ReflectiveOperationException {
    Object store = field(cache.unwrap(GoldyloxCache.class).tier(), "remote");
    return (io.lettuce.core.api.StatefulRedisConnection<?, ?>) field(field(store, "connections"), "data");
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    for (Class<?> type = owner.getClass(); type != null; type = type.getSuperclass()) {
      try {
        java.lang.reflect.Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field.get(owner);
      } catch (NoSuchFieldException e) {
        // a superclass's
      }
    }
    throw new NoSuchFieldException(name);
  }

  /**
   * CLIENT PAUSE WRITE (as a failover makes): Redis serves reads, and holds back writes, PUBLISH among them. The
   * node's heartbeat goes on a connection of its own, so no read waits behind it (a review: reads on the data
   * connection timed out behind the paused heartbeat).
   */
  @Test
  void readsAreServedDuringAPauseOfWrites() throws Exception {
    Cache<String, String> a = cache("pw-a", "pw", RemoteConfig.OnFailure.FAIL);
    a.put("k", "v");
    assertThat(server.command("CLIENT PAUSE 3000 WRITE")).isEqualTo("+OK");
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500); // the heartbeat is sent every 1.5 s
    int reads = 0;
    while (System.nanoTime() < end) {
      assertThat(a.get("missing-" + reads)).isNull(); // never near: a GET, which Redis answers under the pause
      reads++;
    }
    assertThat(server.command("CLIENT UNPAUSE")).isEqualTo("+OK");
  }

  /**
   * An expiry sweep during an outage, when reads move deadlines (so an expired near copy is checked against the
   * shared one): the remote store fails for every expired entry, which is one WARN line a sweep with the count,
   * not one with a stack trace per entry that blamed an EXPIRED listener nobody registered (found by a new-user
   * trial: 20,764 log lines in a 2.5-s outage).
   */
  @Test
  void anExpirySweepDuringAnOutageLogsOneLineASweep() throws Exception {
    GoldyloxConfiguration<String, String> configuration = GoldyloxConfiguration.builder(String.class, String.class)
        .remote(RemoteConfig.builder(server.uri()).keyPrefix("sweep:").timeout(Duration.ofMillis(100))
            .onFailure(RemoteConfig.OnFailure.FAIL).build())
        .build();
    configuration.setExpiryPolicyFactory(javax.cache.expiry.TouchedExpiryPolicy.factoryOf(
        new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 300)));
    Cache<String, String> cache = nodes.cache("sweeper", "sweep", configuration);
    for (int i = 0; i < 50; i++) {
      cache.put("k" + i, "v" + i);
    }
    java.util.List<java.util.logging.LogRecord> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler handler = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
          warnings.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(GoldyloxCache.class.getName());
    logger.addHandler(handler);
    try {
      assertThat(server.command("CLIENT PAUSE 2500 ALL")).isEqualTo("+OK");
      await(() -> warnings.stream().anyMatch(r -> r.getMessage().contains("the remote store failed")),
          "a sweep meets the outage");
      Thread.sleep(2_000);
    } finally {
      logger.removeHandler(handler);
    }
    assertThat(warnings).noneMatch(r -> r.getMessage().contains("EXPIRED listener"));
    assertThat(warnings).allMatch(r -> r.getMessage().contains("the remote store failed for "));
    assertThat(warnings.size()).as("one line a sweep (a sweep a second at most while entries stay expired)")
        .isLessThanOrEqualTo(6);
  }

  /**
   * When reads do not move deadlines, a near copy expires with the shared one and is expired without the store:
   * an outage changes nothing (no failure, no log line), and the EXPIRED events fire on time.
   */
  @Test
  void nearCopiesExpireOnTimeDuringAnOutage() throws Exception {
    GoldyloxConfiguration<String, String> configuration = GoldyloxConfiguration.builder(String.class, String.class)
        .remote(RemoteConfig.builder(server.uri()).keyPrefix("sweep-created:").timeout(Duration.ofMillis(100))
            .onFailure(RemoteConfig.OnFailure.FAIL).build())
        .build();
    configuration.setExpiryPolicyFactory(javax.cache.expiry.CreatedExpiryPolicy.factoryOf(
        new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 300)));
    Cache<String, String> cache = nodes.cache("sweeper", "sweep-created", configuration);
    java.util.concurrent.atomic.AtomicInteger expired = new java.util.concurrent.atomic.AtomicInteger();
    cache.registerCacheEntryListener(new javax.cache.configuration.MutableCacheEntryListenerConfiguration<>(
        javax.cache.configuration.FactoryBuilder.factoryOf(new CountingExpiredListener(expired)), null, false,
        true));
    for (int i = 0; i < 50; i++) {
      cache.put("k" + i, "v" + i);
    }
    NearCacheTier<?> near = (NearCacheTier<?>) cache.unwrap(GoldyloxCache.class).tier();
    long failures = near.metrics().failures();
    assertThat(server.command("CLIENT PAUSE 5000 ALL")).isEqualTo("+OK");
    try {
      await(() -> expired.get() == 50, "the near copies expire during the outage");
      assertThat(near.local().size()).isZero();
      assertThat(near.metrics().failures()).as("the store was not asked").isEqualTo(failures);
    } finally {
      assertThat(server.command("CLIENT UNPAUSE")).isEqualTo("+OK");
    }
  }

  /** Counts EXPIRED events (synchronous). */
  public static final class CountingExpiredListener
      implements javax.cache.event.CacheEntryExpiredListener<String, String>, java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final transient java.util.concurrent.atomic.AtomicInteger count;

    CountingExpiredListener(java.util.concurrent.atomic.AtomicInteger count) {
      this.count = count;
    }

    @Override
    public void onExpired(
        Iterable<javax.cache.event.CacheEntryEvent<? extends String, ? extends String>> events) {
      events.forEach(event -> count.incrementAndGet());
    }
  }
}

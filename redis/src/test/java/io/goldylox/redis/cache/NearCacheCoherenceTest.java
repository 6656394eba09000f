package io.goldylox.redis.cache;

import static io.goldylox.redis.cache.Nodes.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.remote.RemoteMetrics;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.processor.EntryProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two and three nodes (cache managers with their own connections and near caches) over one real
 * {@code redis-server}: a change on one node is seen on the others, conditional operations and entry processors
 * are atomic across nodes, deadlines and clears act on the shared copy, a value of another class is a miss, and
 * the near cache is never trusted across a lost connection.
 */
class NearCacheCoherenceTest {

  /** A real redis-server: started before this class's first test, stopped after its last. */
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  /** This test's nodes on the class's server (emptied before each test), closed after it. */
  @RegisterExtension
  final Nodes nodes = Nodes.fleetOn(server);

  private static RemoteMetrics metrics(Cache<?, ?> cache) {
    return ((NearCacheTier<?>) cache.unwrap(GoldyloxCache.class).tier()).metrics();
  }


  @Test
  void aChangeOnOneNodeIsSeenOnTheOthersAndLocalHitsTouchNoNetwork() throws Exception {
    Cache<String, String> a = nodes.cache("a", "coherence", String.class, String.class);
    Cache<String, String> b = nodes.cache("b", "coherence", String.class, String.class);
    Cache<String, String> c = nodes.cache("c", "coherence", String.class, String.class);

    a.put("k", "v1");
    // The put's invalidation reaches b and c on their pub/sub connections; a read racing it rightly skips the fill.
    await(() -> metrics(b).invalidationsReceived() == 1 && metrics(c).invalidationsReceived() == 1,
        "b and c were told of the put");
    assertThat(b.get("k")).isEqualTo("v1"); // a remote hit that fills b's near cache
    assertThat(c.get("k")).isEqualTo("v1");
    // The put's invalidation may still wait on b's worker, whose removal can undo that first fill (a miss, not a
    // wrong value): wait until b answers from its near cache.
    NearCacheTier<?> nearB = (NearCacheTier<?>) b.unwrap(GoldyloxCache.class).tier();
    await(() -> {
      long before = metrics(b).roundTrips();
      return nearB.invalidationBacklog() == 0 && "v1".equals(b.get("k")) && metrics(b).roundTrips() == before;
    }, "b holds k in its near cache, with no invalidation left to apply");
    long trips = metrics(b).roundTrips();
    for (int i = 0; i < 100; i++) {
      assertThat(b.get("k")).isEqualTo("v1");
    }
    assertThat(metrics(b).roundTrips()).as("near-cache hits make no round trip").isEqualTo(trips);

    a.put("k", "v2");
    await(() -> "v2".equals(b.get("k")) && "v2".equals(c.get("k")), "b and c see v2");
    b.remove("k");
    await(() -> a.get("k") == null && c.get("k") == null, "a and c see the removal");
    assertThat(metrics(a).invalidationsReceived()).isGreaterThanOrEqualTo(1);
    assertThat(metrics(a).invalidationsSent()).isGreaterThanOrEqualTo(2);
  }

  /**
   * The backlog is the readiness condition a reader may wait for (the two-node sample does) before it relies on
   * its next fill staying: once an invalidation was received and the backlog reads 0, its removal is done. The
   * removal takes the key's local lock, which a caller may hold during a round trip; meanwhile the near copy is
   * still there, and the invalidation must still count.
   */
  @Test
  void anInvalidationCountsInTheBacklogUntilItsRemovalIsDone() throws Exception {
    Cache<String, String> a = nodes.cache("a", "backlog", String.class, String.class);
    Cache<String, String> b = nodes.cache("b", "backlog", String.class, String.class);
    @SuppressWarnings("unchecked")
    NearCacheTier<String> nearB = (NearCacheTier<String>) b.unwrap(GoldyloxCache.class).tier();
    a.put("k", "v1");
    await(() -> metrics(b).invalidationsReceived() == 1 && nearB.invalidationBacklog() == 0,
        "b received and applied the put's invalidation");
    assertThat(b.get("k")).isEqualTo("v1");
    assertThat(nearB.local().get("k")).as("b's read filled its near cache, and nothing undid it").isNotNull();

    // A caller of b holds k's local lock, as a fill or a change does during its round trip.
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder = new Thread(() -> nearB.local().compute("k", (key, current) -> {
      held.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return current;
    }), "holds-k");
    holder.start();
    held.await();
    try {
      a.put("k", "v2");
      await(() -> metrics(b).invalidationsReceived() == 2, "b was told of the second put");
      // Both nodes have a worker of that name; a's is idle.
      await(() -> Thread.getAllStackTraces().entrySet().stream()
          .filter(t -> t.getKey().getName().equals("goldylox-near-backlog"))
          .anyMatch(t -> t.getKey().getState() != Thread.State.RUNNABLE
              && Arrays.stream(t.getValue()).anyMatch(f -> f.getMethodName().equals("compute"))),
          "b's worker waits for k's local lock");
      assertThat(nearB.local().get("k")).as("the near copy is still there").isNotNull();
      assertThat(nearB.invalidationBacklog()).as("received, not yet applied").isEqualTo(1);
    } finally {
      release.countDown();
      holder.join();
    }
    await(() -> nearB.invalidationBacklog() == 0, "b's worker applied the invalidation");
    assertThat(nearB.local().get("k")).as("removed once the backlog reads 0").isNull();
    assertThat(b.get("k")).isEqualTo("v2");
  }

  @Test
  void putIfAbsentFromThreeNodesHasExactlyOneWinnerPerKey() throws Exception {
    List<Cache<Integer, String>> caches = List.of(
        nodes.cache("a", "race", Integer.class, String.class),
        nodes.cache("b", "race", Integer.class, String.class),
        nodes.cache("c", "race", Integer.class, String.class));
    int keys = 300;
    AtomicInteger wins = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      Cache<Integer, String> cache = caches.get(n);
      String node = "node" + n;
      done.add(pool.submit(() -> {
        start.await();
        for (int k = 0; k < keys; k++) {
          if (cache.putIfAbsent(k, node)) {
            wins.incrementAndGet();
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(wins.get()).isEqualTo(keys);
    for (int k = 0; k < keys; k++) {
      String winner = caches.get(0).get(k);
      assertThat(caches.get(1).get(k)).isEqualTo(winner);
      assertThat(caches.get(2).get(k)).isEqualTo(winner);
    }
  }

  /** An increment, as a class (not a lambda) so that it is the same on every node. */
  static final class Increment implements EntryProcessor<String, Long, Long>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Long process(javax.cache.processor.MutableEntry<String, Long> entry, Object... arguments) {
      long next = entry.exists() ? entry.getValue() + 1 : 1;
      entry.setValue(next);
      return next;
    }
  }

  @Test
  void invokeFromTwoNodesLosesNoUpdate() throws Exception {
    Cache<String, Long> a = nodes.cache("a", "counter", String.class, Long.class);
    Cache<String, Long> b = nodes.cache("b", "counter", String.class, Long.class);
    int each = 3_000;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    for (Cache<String, Long> cache : List.of(a, b, a, b)) {
      done.add(pool.submit(() -> {
        for (int i = 0; i < each; i++) {
          cache.invoke("hits", new Increment());
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(300, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(a.get("hits")).isEqualTo(4L * each);
    assertThat(b.get("hits")).isEqualTo(4L * each);
  }

  @Test
  void deadlinesAndClearsActOnTheSharedCopy() throws Exception {
    GoldyloxConfiguration<String, String> expiring = GoldyloxConfiguration.builder(String.class, String.class)
        .remote(nodes.remote("expiring").build()).expireAfterWrite(Duration.ofMillis(400)).build();
    Cache<String, String> a = nodes.cache("a", "expiring", expiring);
    Cache<String, String> b = nodes.cache("b", "expiring", expiring);
    a.put("short", "lived");
    assertThat(b.get("short")).isEqualTo("lived");
    await(() -> a.get("short") == null && b.get("short") == null, "the entry expires on both nodes");
    // Redis reclaims expired keys lazily or by sampling; DBSIZE counts them until then.
    await(() -> server.command("DBSIZE").equals(":0"), "Redis expired its copy too (no lock key is left)");

    Cache<String, String> c = nodes.cache("a", "cleared", String.class, String.class);
    Cache<String, String> d = nodes.cache("b", "cleared", String.class, String.class);
    @SuppressWarnings("unchecked")
    NearCacheTier<String> nearD = (NearCacheTier<String>) d.unwrap(GoldyloxCache.class).tier();
    for (int i = 0; i < 50; i++) {
      c.put("k" + i, "v" + i);
      assertThat(d.get("k" + i)).isEqualTo("v" + i);
    }
    // Each put's invalidation reaches d around d's first read of that key and may skip or undo its fill (a miss,
    // not a wrong value). Once all 50 are applied, a read fills d's near cache for good: d holds every key.
    await(() -> metrics(d).invalidationsReceived() == 50 && nearD.invalidationBacklog() == 0,
        "d received and applied the puts' invalidations");
    for (int i = 0; i < 50; i++) {
      assertThat(d.get("k" + i)).isEqualTo("v" + i);
      assertThat(nearD.local().get("k" + i)).as("k%d in d's near cache", i).isNotNull();
    }
    long drops = metrics(d).nearCacheDrops();
    c.clear();
    for (int i = 0; i < 50; i++) {
      assertThat(c.get("k" + i)).as("on the node that cleared, as soon as clear() returns").isNull();
    }
    // d learns of the clear from its one message, some time after clear() returned on c: until then its near copy
    // of k7 is served. From then on d serves none of its near copies: the whole near cache goes at once, not key
    // by key, so every other key is a miss too, without waiting.
    await(() -> d.get("k7") == null, "d's near cache dropped by the clear");
    for (int i = 0; i < 50; i++) {
      assertThat(d.get("k" + i)).as("k%d on d once it dropped k7", i).isNull();
    }
    await(() -> metrics(d).nearCacheDrops() > drops, "d's worker emptied its near cache");
    for (int i = 0; i < 50; i++) {
      assertThat(nearD.local().get("k" + i)).as("k%d in d's near cache after the drop", i).isNull();
    }
    d.put("k1", "again");
    List<String> seen = new ArrayList<>();
    c.forEach(entry -> seen.add(entry.getKey() + "=" + entry.getValue()));
    assertThat(seen).containsExactly("k1=again");
  }

  @Test
  void aValueOfAnotherClassIsAMissAndCounted() {
    Cache<String, String> strings = nodes.cache("a", "foreign", String.class, String.class);
    Cache<String, Integer> numbers = nodes.cache("b", "foreign", String.class, Integer.class);
    strings.put("k", "not a number");
    assertThat(numbers.get("k")).isNull();
    assertThat(metrics(numbers).foreignRecords()).isEqualTo(1);
  }

  @Test
  void aLostConnectionDropsTheNearCacheBeforeItIsServedAgain() throws Exception {
    Cache<String, String> a = nodes.cache("a", "outage", String.class, String.class);
    Cache<String, String> b = nodes.cache("b", "outage", String.class, String.class);
    a.put("k", "before");
    assertThat(b.get("k")).isEqualTo("before");

    server.kill9();
    long start = System.nanoTime();
    assertThatThrownBy(() -> a.put("k", "during")).isInstanceOf(CacheException.class)
        .hasMessageContaining("127.0.0.1:" + server.port());
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("a caller returns within the timeout")
        .isLessThan(5_000);
    await(() -> !((NearCacheTier<?>) b.unwrap(GoldyloxCache.class).tier()).coherent(),
        "b stops trusting its near cache");
    assertThatThrownBy(() -> b.get("k")).as("b does not serve its near copy while it cannot know it is current")
        .isInstanceOf(CacheException.class);

    server.start(); // empty: nothing was persisted
    await(() -> {
      try {
        a.put("k", "after");
        return true;
      } catch (CacheException e) {
        return false;
      }
    }, "a writes again once Redis is back");
    // From the moment a's put returned, b must never answer "before" again.
    await(() -> {
      try {
        String value = b.get("k");
        assertThat(value).isNotEqualTo("before");
        return "after".equals(value);
      } catch (CacheException e) {
        return false; // b's data connection may still be reconnecting
      }
    }, "b reads the value written after the outage");
    assertThat(metrics(b).disconnects()).isGreaterThanOrEqualTo(1);
    // Once resubscribed, b drops its near cache, then trusts it again.
    await(() -> metrics(b).nearCacheDrops() >= 1
        && ((NearCacheTier<?>) b.unwrap(GoldyloxCache.class).tier()).coherent(), "b's near cache dropped, trusted");
    assertThat(b.get("k")).isEqualTo("after");
  }
}

package io.goldylox.redis.cache;

import static io.goldylox.redis.cache.Nodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Expiry of near copies over one real {@code redis-server}: a node expires the copies it holds by itself (Redis
 * expires the shared copy at the same deadline), so expiring costs no round trip and no lock, fires EXPIRED on the
 * node that held the copy and counts in its expired meter; copies a node filled from reads are in its sweep's plan;
 * and when reads move deadlines, a near copy whose shared copy another node kept alive is not expired.
 */
class NearCacheExpiryTest {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  /** This test's nodes on the class's server (emptied before each test), closed after it. */
  @RegisterExtension
  final Nodes nodes = Nodes.fleetOn(server);

  private static long expiredEntries(Cache<?, ?> cache) {
    return cache.unwrap(GoldyloxCache.class).expiredEntries();
  }


  private static GoldyloxConfiguration<String, String> configuration(Nodes nodes, String prefix,
      javax.cache.configuration.Factory<? extends javax.cache.expiry.ExpiryPolicy> expiry) {
    GoldyloxConfiguration<String, String> configuration = GoldyloxConfiguration.builder(String.class, String.class)
        .remote(nodes.remote(prefix).build()).build();
    configuration.setExpiryPolicyFactory(expiry);
    return configuration;
  }

  /** How many scripts (locks, writes) Redis has run. */
  private static long scriptCalls() {
    java.util.regex.Matcher calls = java.util.regex.Pattern.compile("cmdstat_evalsha:calls=(\\d+)")
        .matcher(server.command("INFO commandstats"));
    return calls.find() ? Long.parseLong(calls.group(1)) : 0;
  }

  /** Registers a synchronous EXPIRED listener on {@code cache}; returns the keys it hears. */
  private static List<String> expiredKeys(Cache<String, String> cache) {
    ExpiredKeys listener = new ExpiredKeys();
    cache.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
        FactoryBuilder.factoryOf(listener), null, true, true));
    return listener.keys;
  }

  // Before: a node's sweep planned only for the deadlines of its own changes, so copies it filled from reads were
  // never swept (an unbounded near heap kept them until read), and expiring one took the key's Redis lock.
  @Test
  void copiesFilledFromReadsAreSweptWithoutARoundTripAndFireExpiredOnTheirNode() throws Exception {
    javax.cache.configuration.Factory<javax.cache.expiry.ExpiryPolicy> expiry =
        CreatedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 600));
    Cache<String, String> a = nodes.cache("a", "filled", configuration(nodes, "filled", expiry));
    Cache<String, String> b = nodes.cache("b", "filled", configuration(nodes, "filled", expiry));
    List<String> expiredOnB = expiredKeys(b);
    int keys = 300;
    for (int i = 0; i < keys; i++) {
      a.put("k" + i, "v" + i);
    }
    for (int i = 0; i < keys; i++) {
      assertThat(b.get("k" + i)).isEqualTo("v" + i);
    }
    assertThat(Nodes.near(b).local().size()).as("b filled its near cache").isEqualTo(keys);
    long roundTrips = Nodes.near(b).metrics().roundTrips();

    await(() -> Nodes.near(b).local().size() == 0, "b's sweep removes the copies it filled, with nobody reading them");
    assertThat(expiredOnB).as("EXPIRED on the node that held the copies").hasSize(keys);
    assertThat(expiredEntries(b)).isEqualTo(keys);
    assertThat(Nodes.near(b).metrics().roundTrips()).as("expiring near copies asks nothing of Redis")
        .isEqualTo(roundTrips);
    await(() -> server.command("DBSIZE").equals(":0"), "Redis expired the shared copies itself");
  }

  // Before: a read that found its near copy expired took the key's lock in Redis and wrote (two round trips, and a
  // wait of up to lock-wait behind another node's change), and no EXPIRED event fired: Redis had dropped its copy.
  @Test
  void aReadThatFindsItsNearCopyExpiredIsAMissWithoutARoundTrip() throws Exception {
    javax.cache.configuration.Factory<javax.cache.expiry.ExpiryPolicy> expiry =
        CreatedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(TimeUnit.SECONDS, 1));
    Cache<String, String> a = nodes.cache("a", "read", configuration(nodes, "read", expiry));
    List<String> expiredOnA = expiredKeys(a);
    a.put("k", "v");
    long scripts = scriptCalls();
    Thread.sleep(1_050); // past the deadline; the sweep may or may not have come yet

    // If the sweep came first, the read misses the near cache and reads Redis (GET); either way no lock is taken.
    assertThat(a.get("k")).isNull();
    assertThat(scriptCalls()).as("no lock, no write in Redis").isEqualTo(scripts);
    await(() -> expiredOnA.size() == 1, "EXPIRED, once, found by the read or by the sweep");
    assertThat(expiredEntries(a)).isEqualTo(1);
    a.put("k", "again");
    assertThat(a.get("k")).isEqualTo("again");
    assertThat(expiredOnA).as("a put after the expiry fires no second EXPIRED").containsExactly("k");
  }

  // With access expiry another node's reads move the shared deadline later without telling this node (no
  // invalidation for a later deadline): its near copy's deadline passes while the shared copy lives on. The sweep
  // then checks the shared copy (one read, no lock) and keeps it; the copy expires, once, when the shared one does.
  @Test
  void aNearCopyWhoseSharedCopyAnotherNodeKeptAliveIsKept() throws Exception {
    javax.cache.configuration.Factory<javax.cache.expiry.ExpiryPolicy> expiry =
        TouchedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 700));
    Cache<String, String> a = nodes.cache("a", "touched", configuration(nodes, "touched", expiry));
    Cache<String, String> b = nodes.cache("b", "touched", configuration(nodes, "touched", expiry));
    List<String> expiredOnB = expiredKeys(b);
    a.put("k", "v");
    // b's copy: deadline now + 700 ms (a read racing the put's invalidation rightly does not fill: read again)
    await(() -> "v".equals(b.get("k")) && Nodes.near(b).local().size() == 1, "b holds a near copy");
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_000);
    while (System.nanoTime() < until) {
      assertThat(a.get("k")).isEqualTo("v"); // moves the shared deadline (asynchronously) and a's own
      Thread.sleep(100);
    }
    assertThat(expiredOnB).as("b's copy passed its deadline while the shared copy lived on").isEmpty();
    assertThat(Nodes.near(b).local().size()).as("b kept its copy, with the shared deadline").isEqualTo(1);
    assertThat(b.get("k")).isEqualTo("v");

    await(() -> expiredOnB.size() == 1, "b's copy expires with the shared one, nobody reading it");
    assertThat(Nodes.near(b).local().size()).isZero();
    assertThat(b.get("k")).isNull();
    assertThat(expiredOnB).containsExactly("k");
  }

  /** Records the keys of EXPIRED events (synchronous). */
  public static final class ExpiredKeys implements CacheEntryExpiredListener<String, String>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient List<String> keys = new CopyOnWriteArrayList<>();

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      for (CacheEntryEvent<? extends String, ? extends String> event : events) {
        keys.add(event.getKey());
      }
    }
  }
}

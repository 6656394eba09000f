package io.goldylox.redis.cache;

import static io.goldylox.redis.cache.Nodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.AsyncCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.remote.RemoteStore;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Races of the expiry of near copies over a real {@code redis-server} (found by a review): a check of the shared
 * copy while another key of the stripe changes, a near copy whose invalidation is still queued, a late fill of an
 * already expired value, and the reads a read of an expired copy makes. To act in the middle of a round trip, two
 * tests wrap a node's real store (a delegating proxy with a hook after each GET); nothing is simulated.
 */
class NearCacheExpiryRacesTest {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  /** This test's nodes on the class's server (emptied before each test), closed after it. */
  @RegisterExtension
  final Nodes nodes = Nodes.fleetOn(server);
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }


  private static GoldyloxConfiguration<String, String> configuration(Nodes nodes, String prefix,
      javax.cache.configuration.Factory<? extends javax.cache.expiry.ExpiryPolicy> expiry) {
    GoldyloxConfiguration<String, String> configuration = GoldyloxConfiguration.builder(String.class, String.class)
        .remote(nodes.remote(prefix).build()).build();
    configuration.setExpiryPolicyFactory(expiry);
    return configuration;
  }

  private static List<String> expiredKeys(Cache<String, String> cache) {
    ExpiredKeys listener = new ExpiredKeys();
    cache.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
        FactoryBuilder.factoryOf(listener), null, true, true));
    return listener.keys;
  }

  // A node's store, wrapped so that a test can act in the middle of a round trip.

  interface GetHook {
    void after(byte[] key);
  }

  private static Object field(Object target, String name) throws Exception {
    Field f = target.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(target);
  }

  /** Wraps the RemoteStore of {@code cache}'s near tier; {@code hook} runs after each synchronous GET. */
  private static void wrapGets(Cache<?, ?> cache, GetHook hook) throws Exception {
    NearCacheTier<?> tier = Nodes.near(cache);
    Field f = NearCacheTier.class.getDeclaredField("remote");
    f.setAccessible(true);
    RemoteStore real = (RemoteStore) f.get(tier);
    RemoteStore wrapped = (RemoteStore) Proxy.newProxyInstance(RemoteStore.class.getClassLoader(),
        new Class<?>[] {RemoteStore.class}, (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (method.getName().equals("get") && args != null && args.length == 1) {
            hook.after((byte[]) args[0]);
          }
          return result;
        });
    f.set(tier, wrapped);
  }

  /** The stripe index the near tier of {@code cache} uses for {@code key} (as Invalidations.index). */
  private static int stripeOf(Cache<?, ?> cache, Object key) throws Exception {
    byte[] bytes = keyBytes(cache, key);
    int h = Arrays.hashCode(bytes);
    return (h ^ (h >>> 16)) & 1023;
  }

  private static byte[] keyBytes(Cache<?, ?> cache, Object key) throws Exception {
    Object codec = field(Nodes.near(cache), "codec");
    Method m = codec.getClass().getDeclaredMethod("key", Object.class);
    m.setAccessible(true);
    return (byte[]) m.invoke(codec, key);
  }

  // The "kept alive elsewhere" check fired EXPIRED for a live shared entry when an invalidation of another key of
  // the same stripe (1 in 1024) landed during its GET.
  @Test
  void anInvalidationOfAnotherKeyOfTheStripeDuringTheCheckDoesNotExpireALiveEntry() throws Exception {
    javax.cache.configuration.Factory<javax.cache.expiry.ExpiryPolicy> expiry =
        TouchedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 600));
    Cache<String, String> a = nodes.cache("a", "p1", configuration(nodes, "p1", expiry));
    Cache<String, String> b = nodes.cache("b", "p1", configuration(nodes, "p1", expiry));
    List<String> expiredOnB = expiredKeys(b);
    int stripe = stripeOf(b, "k");
    String other = null;
    for (int i = 0; other == null; i++) {
      if (stripeOf(b, "other" + i) == stripe) {
        other = "other" + i;
      }
    }
    String colliding = other;
    byte[] kBytes = keyBytes(b, "k");
    AtomicBoolean armed = new AtomicBoolean();
    AtomicInteger hookRuns = new AtomicInteger();
    wrapGets(b, key -> {
      if (Arrays.equals(key, kBytes) && armed.getAndSet(false)) {
        // Meanwhile node a changes an unrelated key that happens to share k's stripe; b hears of it.
        long before = Nodes.near(b).metrics().invalidationsReceived();
        a.put(colliding, "x");
        try {
          await(() -> Nodes.near(b).metrics().invalidationsReceived() > before, "b hears of the other key");
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        hookRuns.incrementAndGet();
      }
    });
    long heard = Nodes.near(b).metrics().invalidationsReceived();
    a.put("k", "v");
    // b must have heard of a's put first: an invalidation arriving during b's read keeps the read's fill out.
    await(() -> Nodes.near(b).metrics().invalidationsReceived() > heard && Nodes.near(b).invalidationBacklog() == 0,
        "b heard of a's put");
    assertThat(b.get("k")).isEqualTo("v"); // b's copy: deadline now + 600 ms
    assertThat(Nodes.near(b).local().get("k")).as("b holds a near copy of k").isNotNull();
    armed.set(true);
    // Until b's sweep has checked the shared copy (due 600 ms after b's read; later on a loaded machine), and
    // 500 ms more for what it does next.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    long after = Long.MAX_VALUE;
    while (System.nanoTime() < Math.min(until, after)) {
      assertThat(a.get("k")).isEqualTo("v"); // keeps the shared copy alive
      Thread.sleep(100);
      if (hookRuns.get() > 0 && after == Long.MAX_VALUE) {
        after = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
      }
    }
    assertThat(hookRuns.get()).as("b's sweep checked the shared copy").isEqualTo(1);
    assertThat(server.command("EXISTS p1d:k").equals(":1") || a.get("k") != null).as("k alive in Redis").isTrue();
    assertThat(expiredOnB).as("no EXPIRED on b for an entry alive in Redis").isEmpty();
  }

  // A near copy stale because its invalidation is still queued (the worker is busy) was expired with an EXPIRED
  // event although the entry was updated and lives on.
  @Test
  void aStaleNearCopyWhoseInvalidationIsQueuedIsNotExpiredWhileTheUpdateLives() throws Exception {
    javax.cache.configuration.Factory<javax.cache.expiry.ExpiryPolicy> expiry =
        ModifiedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 1_500));
    Cache<String, String> a = nodes.cache("a", "p2", configuration(nodes, "p2", expiry));
    Cache<String, String> b = nodes.cache("b", "p2", configuration(nodes, "p2", expiry));
    Cache<String, String> c = nodes.cache("c", "p2", configuration(nodes, "p2", expiry));
    List<String> expiredOnB = expiredKeys(b);
    long heard = Nodes.near(b).metrics().invalidationsReceived();
    a.put("x", "x0");
    a.put("k", "v1");
    await(() -> Nodes.near(b).metrics().invalidationsReceived() >= heard + 2
        && Nodes.near(b).invalidationBacklog() == 0, "b heard of a's puts (one during b's read keeps its fill out)");
    long t0 = System.currentTimeMillis();
    assertThat(b.get("k")).isEqualTo("v1"); // b's near copy of v1, deadline t0 + 1500

    // Node c holds x's Redis lock for 4 s (a slow entry processor); b's thread W waits for it, holding b's local
    // lock of x; an asynchronous read of x on b hands its fill to b's invalidation worker, which waits behind W.
    pool.submit(() -> c.invoke("x", (entry, args) -> {
      try {
        Thread.sleep(4_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }));
    Thread.sleep(150);
    pool.submit(() -> b.put("x", "w"));
    Thread.sleep(150);
    @SuppressWarnings("unchecked")
    AsyncCache<String, String> asyncB = b.unwrap(AsyncCache.class);
    assertThat(asyncB.getAsync("x").toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("x0");
    Thread.sleep(100);

    a.put("k", "v2"); // update: new deadline now + 1500, later than v1's; b's invalidation of k now waits
    long v2Deadline = System.currentTimeMillis() + 1_500;
    await(() -> !expiredOnB.isEmpty() || System.currentTimeMillis() > v2Deadline - 100, "b's sweep of v1");
    boolean aliveInRedis = server.command("EXISTS p2d:k").equals(":1") || a.get("k") != null;
    assertThat(aliveInRedis).isTrue();
    assertThat(expiredOnB).as("no EXPIRED on b for k, which was updated and lives on").isEmpty();
  }

  // A read that finds its near copy expired under access expiry, the shared copy gone, made two GETs on the
  // caller's thread (tier.get, then computeExpiry under the key's lock).
  @Test
  void aReadOfAnExpiredNearCopyMakesOneGet() throws Exception {
    javax.cache.configuration.Factory<javax.cache.expiry.ExpiryPolicy> expiry =
        TouchedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 300));
    Cache<String, String> b = nodes.cache("b", "p3", configuration(nodes, "p3", expiry));
    int keys = 200;
    java.util.Map<String, AtomicInteger> getsByCaller = new java.util.concurrent.ConcurrentHashMap<>();
    Thread caller = Thread.currentThread();
    AtomicBoolean counting = new AtomicBoolean();
    wrapGets(b, key -> {
      if (counting.get() && Thread.currentThread() == caller) {
        getsByCaller.computeIfAbsent(new String(key, java.nio.charset.StandardCharsets.ISO_8859_1),
            x -> new AtomicInteger()).incrementAndGet();
      }
    });
    for (int i = 0; i < keys; i++) {
      b.put("k" + i, "v");
    }
    Thread.sleep(310);
    counting.set(true);
    for (int i = 0; i < keys; i++) {
      assertThat(b.get("k" + i)).isNull();
    }
    counting.set(false);
    long twice = getsByCaller.values().stream().filter(n -> n.get() >= 2).count();
    assertThat(twice).as("reads that made two GETs").isZero();
  }

  // A fill that ran late (an asynchronous read's fill waits on the invalidation worker, which waits behind a key
  // lock) installed a copy that had expired meanwhile, and its node fired EXPIRED a second time.
  @Test
  void aLateFillOfAnExpiredValueInstallsNothingAndExpiredFiresOnce() throws Exception {
    javax.cache.configuration.Factory<javax.cache.expiry.ExpiryPolicy> expiry =
        ModifiedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, 1_000));
    Cache<String, String> a = nodes.cache("a", "p4", configuration(nodes, "p4", expiry));
    Cache<String, String> b = nodes.cache("b", "p4", configuration(nodes, "p4", expiry));
    Cache<String, String> c = nodes.cache("c", "p4", configuration(nodes, "p4", expiry));
    List<String> expiredOnB = expiredKeys(b);
    a.put("x", "x0");
    pool.submit(() -> c.invoke("x", (entry, args) -> {
      try {
        Thread.sleep(3_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }));
    Thread.sleep(150);
    pool.submit(() -> b.put("x", "w")); // holds b's local lock of x, waiting for x's Redis lock
    Thread.sleep(150);
    @SuppressWarnings("unchecked")
    AsyncCache<String, String> asyncB = b.unwrap(AsyncCache.class);
    assertThat(asyncB.getAsync("x").toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("x0"); // worker stuck
    long heard = Nodes.near(b).metrics().invalidationsReceived();
    a.put("k", "v"); // deadline now + 1000
    // b must have received a's invalidation of k first (its worker is stuck, so it stays queued): one arriving
    // during b's read below would keep that read's fill out, and b would hold no copy to expire.
    await(() -> Nodes.near(b).metrics().invalidationsReceived() > heard, "b received a's invalidation of k");
    assertThat(asyncB.getAsync("k").toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("v"); // fill queued
    assertThat(b.get("k")).isEqualTo("v"); // fills b's near copy at once
    await(() -> expiredOnB.contains("k"), "b's copy of k expires (first EXPIRED)"); // x may expire on b too
    // c lets x go after 3 s; the worker then runs the queued fill of k, long past k's deadline.
    long until = System.currentTimeMillis() + 6_000;
    while (System.currentTimeMillis() < until && expiredOnB.stream().filter("k"::equals).count() < 2) {
      Thread.sleep(50);
    }
    assertThat(expiredOnB.stream().filter("k"::equals).count()).as("EXPIRED events on b for k (one entry)")
        .isEqualTo(1);
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

package io.goldylox.redis.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.RemoteConfig;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.processor.EntryProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review of the near cache over Redis: races that leave a node serving a value the shared store no longer holds,
 * and an interrupt that trips the circuit breaker. Each node is its own cache manager over one real redis-server.
 * A value's deserialization can be paused on one chosen thread ({@link Gate}) to pin the interleaving exactly:
 * the reader is stopped after its GET returned and before it fills the near cache.
 */
class NearCacheReviewTest {

  /** A real redis-server: started before this class's first test, stopped after its last. */
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  private final List<CacheManager> managers = new ArrayList<>();

  @BeforeEach
  void flush() {
    server.flushAll();
    Gate.reset();
  }

  @AfterEach
  void closeNodes() {
    Gate.release.countDown();
    Blocker.release.countDown();
    managers.forEach(CacheManager::close);
  }

  private RemoteConfig.Builder remote(String prefix) {
    return RemoteConfig.builder(server.uri()).keyPrefix(prefix).timeout(Duration.ofSeconds(2))
        .lockWait(Duration.ofSeconds(10));
  }

  private <K, V> Cache<K, V> cache(String node, String name, GoldyloxConfiguration<K, V> configuration) {
    CacheManager manager = Caching.getCachingProvider("io.goldylox.spi.GoldyloxCachingProvider")
        .getCacheManager(URI.create("urn:goldylox:review-node-" + node), getClass().getClassLoader());
    managers.add(manager);
    Cache<K, V> existing = manager.getCache(name);
    return existing != null ? existing : manager.createCache(name, configuration);
  }

  private Cache<String, Val> node(String node, String name) {
    return cache(node, name, GoldyloxConfiguration.builder(String.class, Val.class).remote(remote(name).build())
        .build());
  }

  /** Starts {@code a.get(key)} on a thread that stops right after its GET answered, before it fills. */
  private static Thread pausedRead(Cache<String, Val> a, String key, AtomicReference<Object> result)
      throws InterruptedException {
    Thread reader = new Thread(() -> {
      try {
        result.set(a.get(key));
      } catch (Throwable t) {
        result.set(t);
      }
    }, "review-reader");
    Gate.armed = reader;
    reader.start();
    assertThat(Gate.paused.await(10, TimeUnit.SECONDS)).as("reader reached the decode of its GET").isTrue();
    return reader;
  }

  // A node's own remove is not announced to itself and does not move the key's stripe, so a read of the same node
  // that fetched the old value before the remove fills it after the remove (the near copy is then absent, and the
  // counters did not move). That node then serves the removed value until something else changes the key.
  @Test
  void aReadRacingTheSameNodesRemoveDoesNotFillTheRemovedValue() throws Exception {
    Cache<String, Val> a = node("a", "review-remove");
    Cache<String, Val> b = node("b", "review-remove");
    b.put("k", new Val("v1")); // in Redis, not in a's near cache

    AtomicReference<Object> read = new AtomicReference<>();
    Thread reader = pausedRead(a, "k", read); // its GET returned v1
    assertThat(a.remove("k")).isTrue(); // same node, while the reader is between GET and fill
    Gate.release.countDown();
    reader.join(10_000);
    assertThat(read.get()).isEqualTo(new Val("v1")); // linearizable: the read came first

    Thread.sleep(500); // far past any invalidation lag
    assertThat(b.get("k")).as("the shared copy").isNull();
    assertThat(a.get("k")).as("node a, which removed the key itself").isNull();
  }

  // Same with clear(): NearCacheTier.clear() clears the local tiers but moves no counter (its own 'c' message is
  // ignored), so a fill that read before the clear lands after it.
  @Test
  void aReadRacingTheSameNodesClearDoesNotFillAClearedValue() throws Exception {
    Cache<String, Val> a = node("a", "review-clear");
    Cache<String, Val> b = node("b", "review-clear");
    b.put("k", new Val("v1"));

    AtomicReference<Object> read = new AtomicReference<>();
    Thread reader = pausedRead(a, "k", read);
    a.clear();
    Gate.release.countDown();
    reader.join(10_000);

    Thread.sleep(500);
    assertThat(b.get("k")).as("the shared copy").isNull();
    assertThat(a.get("k")).as("node a, which cleared the cache itself").isNull();
  }

  // A caller interrupted while it waits for a key another node holds gets a plain RemoteStoreException from
  // RedisRemoteStore.lock, which NearCacheTier.timed() counts as an outage: the breaker opens for every caller of
  // the cache for max(500 ms, 5 x timeout) although Redis is healthy (with on-failure = local, every caller then
  // reads and writes the near cache alone, unshared).
  @Test
  void anInterruptedLockWaiterDoesNotOpenTheBreakerForOtherCallers() throws Exception {
    Cache<String, String> a = cache("a", "review-interrupt", GoldyloxConfiguration.builder(String.class,
        String.class).remote(remote("review-interrupt").build()).build());
    Cache<String, String> b = cache("b", "review-interrupt", GoldyloxConfiguration.builder(String.class,
        String.class).remote(remote("review-interrupt").build()).build());
    a.put("other", "x");
    b.put("k", "v0");

    Thread holder = new Thread(() -> b.invoke("k", new Blocker()), "review-holder"); // holds k's Redis lock
    holder.start();
    assertThat(Blocker.entered.await(10, TimeUnit.SECONDS)).isTrue();

    AtomicReference<Throwable> waiterFailure = new AtomicReference<>();
    Thread waiter = new Thread(() -> {
      try {
        a.put("k", "from-a");
      } catch (Throwable t) {
        waiterFailure.set(t);
      }
    }, "review-waiter");
    waiter.start();
    Thread.sleep(300); // a's caller is in the lock loop
    waiter.interrupt();
    waiter.join(10_000);
    assertThat(waiterFailure.get()).as("the interrupted waiter fails").isNotNull();

    // Redis is healthy: an unrelated key of the same node must still be served.
    assertThatCode(() -> a.put("other", "y")).as("an unrelated change after another caller's interrupt")
        .doesNotThrowAnyException();
    Blocker.release.countDown();
    holder.join(10_000);
  }

  // Access expiry that shortens a deadline (here: eternal at creation, expire on access) moves the deadline in
  // Redis (MOVE_DEADLINE, no announcement) and in the reader's near copy only: the other nodes keep their near
  // copies, with the old deadline, and serve a value that expired everywhere else.
  @Test
  void anAccessThatShortensTheDeadlineIsSeenByTheOtherNodes() throws Exception {
    GoldyloxConfiguration<String, String> configuration = GoldyloxConfiguration.builder(String.class, String.class)
        .expiry(FactoryBuilder.factoryOf(ExpireOnAccess.class)).remote(remote("review-access").build()).build();
    Cache<String, String> a = cache("a", "review-access", configuration);
    Cache<String, String> b = cache("b", "review-access", configuration);
    b.put("k", "v"); // b's near copy: eternal
    assertThat(a.get("k")).isEqualTo("v"); // this access expires the entry (Duration.ZERO), in Redis too

    Thread.sleep(500);
    assertThat(a.get("k")).as("node a after its access").isNull();
    assertThat(server.command("DBSIZE")).as("the shared copy is gone").isEqualTo(":0");
    assertThat(b.get("k")).as("node b, whose near copy was never told").isNull();
  }

  // The lease (300 ms) is shorter than the operation: node a's step runs the CacheWriter inside
  // GoldyloxCache.commit. Before LeaseKeeper, the lease ran out, b took the lock and wrote, and a's write then
  // failed after its writer had run: the writer's store ended with a's value, the cache with b's. Now a's lease is
  // renewed while its step runs, so b waits for it, and the writer's store and the cache agree.
  @Test
  void aStepThatOutlivesItsLeaseKeepsItsKeyAndTheWriterAgreesWithTheCache() throws Exception {
    GoldyloxConfiguration<String, String> configuration = GoldyloxConfiguration.builder(String.class, String.class)
        .writeThrough(FactoryBuilder.factoryOf(RecordingWriter.class))
        .remote(remote("review-lease").lockLease(Duration.ofMillis(300)).build()).build();
    Cache<String, String> a = cache("a", "review-lease", configuration);
    Cache<String, String> b = cache("b", "review-lease", configuration);
    RecordingWriter.STORE.clear();

    AtomicReference<Throwable> aFailure = new AtomicReference<>();
    Thread slow = new Thread(() -> {
      try {
        a.invoke("k", new Blocker()); // sets "from-b" after the release; the name is the value, not the node
      } catch (Throwable t) {
        aFailure.set(t);
      }
    }, "review-slow");
    slow.start();
    assertThat(Blocker.entered.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(600); // twice the lease: renewed meanwhile
    Thread putter = new Thread(() -> b.put("k", "b"), "review-putter");
    putter.start();
    Thread.sleep(200);
    assertThat(putter.isAlive()).as("b waits for the key a still holds").isTrue();
    Blocker.release.countDown();
    slow.join(10_000);
    putter.join(10_000);

    assertThat(aFailure.get()).as("a's change went through").isNull();
    assertThat(b.get("k")).isEqualTo("b");
    assertThat(RecordingWriter.STORE.get("k")).as("what the writer's store holds").isEqualTo("b");
  }

  /** A write-through writer into a map shared by every node of the test. */
  public static final class RecordingWriter implements javax.cache.integration.CacheWriter<String, String>,
      Serializable {
    private static final long serialVersionUID = 1L;
    static final java.util.concurrent.ConcurrentHashMap<String, String> STORE =
        new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      STORE.put(entry.getKey(), entry.getValue());
    }

    @Override
    public void writeAll(java.util.Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      entries.forEach(this::write);
    }

    @Override
    public void delete(Object key) {
      STORE.remove(key);
    }

    @Override
    public void deleteAll(java.util.Collection<?> keys) {
      keys.forEach(STORE::remove);
    }
  }

  /** Eternal on creation and update, expired by any access. */
  public static final class ExpireOnAccess implements ExpiryPolicy, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public javax.cache.expiry.Duration getExpiryForCreation() {
      return javax.cache.expiry.Duration.ETERNAL;
    }

    @Override
    public javax.cache.expiry.Duration getExpiryForAccess() {
      return javax.cache.expiry.Duration.ZERO;
    }

    @Override
    public javax.cache.expiry.Duration getExpiryForUpdate() {
      return null;
    }
  }

  /** An entry processor that holds its key until released. */
  static final class Blocker implements EntryProcessor<String, String, Object>, Serializable {
    private static final long serialVersionUID = 1L;
    static volatile CountDownLatch entered = new CountDownLatch(1);
    static volatile CountDownLatch release = new CountDownLatch(1);

    @Override
    public Object process(javax.cache.processor.MutableEntry<String, String> entry, Object... arguments) {
      entered.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      entry.setValue("from-b");
      return null;
    }
  }

  /** Pauses the deserialization of a {@link Val} on the armed thread, once. */
  static final class Gate {
    static volatile Thread armed;
    static volatile CountDownLatch paused = new CountDownLatch(1);
    static volatile CountDownLatch release = new CountDownLatch(1);

    static void reset() {
      armed = null;
      paused = new CountDownLatch(1);
      release = new CountDownLatch(1);
      Blocker.entered = new CountDownLatch(1);
      Blocker.release = new CountDownLatch(1);
    }

    static void maybePause() {
      if (armed != null && armed == Thread.currentThread()) {
        armed = null;
        paused.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** A value whose deserialization passes through {@link Gate}. */
  public static final class Val implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String text;

    public Val(String text) {
      this.text = text;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      Gate.maybePause();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Val && Objects.equals(((Val) o).text, text);
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(text);
    }

    @Override
    public String toString() {
      return "Val(" + text + ")";
    }
  }
}

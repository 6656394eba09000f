package io.goldylox.redis;

import static io.goldylox.redis.testing.RecordingListener.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.config.RemoteConfig;
import io.goldylox.redis.testing.RecordingListener;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import io.goldylox.remote.RemoteStore;
import io.goldylox.remote.RemoteStoreException;
import io.goldylox.remote.RemoteStores;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store's operations against a real redis-server, with two stores standing for two nodes. */
class RedisRemoteStoreTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  /** A real redis-server: started before this class's first test, stopped after its last. */
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  private final List<RemoteStore> opened = new ArrayList<>();

  @BeforeEach
  void flush() {
    server.flushAll();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(RemoteStore::close);
  }

  private RemoteConfig.Builder config(String prefix) {
    // Generous timeout: a loaded CI machine must not fail these on a slow round trip.
    return RemoteConfig.builder(server.uri()).keyPrefix(prefix).timeout(Duration.ofSeconds(2));
  }

  private RedisRemoteStore open(RemoteConfig config) {
    RedisRemoteStore store = RedisRemoteStore.open(config, "c");
    opened.add(store);
    return store;
  }

  private RedisRemoteStore open() {
    return open(config("t:").build());
  }

  private static byte[] b(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }

  private static void put(RemoteStore store, String key, String value) {
    RemoteStore.Lock lock = store.lock(b(key));
    store.writeAndUnlock(lock, value == null ? null : b(value), Long.MAX_VALUE);
  }

  @Test
  void lockReadsWritesAndUnlocks() {
    RedisRemoteStore store = open();
    RemoteStore.Lock lock = store.lock(b("k"));
    assertThat(lock.value()).isNull();
    assertThat(s(lock.key())).isEqualTo("k");
    store.writeAndUnlock(lock, b("v1"), Long.MAX_VALUE);
    assertThat(s(store.get(b("k")))).isEqualTo("v1");
    assertThat(server.command("EXISTS t:d:k")).isEqualTo(":1");
    assertThat(server.command("EXISTS t:l:k")).isEqualTo(":0");
    assertThat(server.command("PTTL t:d:k")).isEqualTo(":-1");

    RemoteStore.Lock again = store.lock(b("k"));
    assertThat(s(again.value())).isEqualTo("v1");
    store.unlock(again);
    assertThat(server.command("EXISTS t:l:k")).isEqualTo(":0");
    assertThat(s(store.get(b("k")))).isEqualTo("v1");

    // An empty value is a value, not a deletion.
    store.writeAndUnlock(store.lock(b("k")), new byte[0], Long.MAX_VALUE);
    assertThat(store.get(b("k"))).isEmpty();
    assertThat(store.lock(b("k")).value()).isEmpty();
  }

  @Test
  void writingNullDeletes() {
    RedisRemoteStore store = open();
    put(store, "k", "v");
    put(store, "k", null);
    assertThat(store.get(b("k"))).isNull();
    assertThat(server.command("EXISTS t:d:k")).isEqualTo(":0");
    assertThat(server.command("EXISTS t:l:k")).isEqualTo(":0");
  }

  @Test
  void theDeadlineBecomesRedisExpiry() {
    RedisRemoteStore store = open();
    put(store, "past", "v");
    store.writeAndUnlock(store.lock(b("past")), b("v2"), System.currentTimeMillis() - 1000);
    assertThat(store.get(b("past"))).isNull();

    long expireAt = System.currentTimeMillis() + 300;
    store.writeAndUnlock(store.lock(b("soon")), b("v"), expireAt);
    byte[] right = store.get(b("soon"));
    if (System.currentTimeMillis() < expireAt - 50) {
      assertThat(s(right)).isEqualTo("v");
    }
    assertThat(await(() -> store.get(b("soon")) == null, WAIT)).as("gone after its deadline").isTrue();

    // A later write without a deadline is eternal again.
    store.writeAndUnlock(store.lock(b("soon")), b("v"), System.currentTimeMillis() + 60_000);
    store.writeAndUnlock(store.lock(b("soon")), b("v"), Long.MAX_VALUE);
    assertThat(server.command("PTTL t:d:soon")).isEqualTo(":-1");
  }

  @Test
  void getAllAnswersInOrderWithNulls() {
    RedisRemoteStore store = open();
    put(store, "a", "1");
    put(store, "c", "3");
    List<byte[]> values = store.getAll(List.of(b("a"), b("b"), b("c")));
    assertThat(values).hasSize(3);
    assertThat(s(values.get(0))).isEqualTo("1");
    assertThat(values.get(1)).isNull();
    assertThat(s(values.get(2))).isEqualTo("3");
    assertThat(store.getAll(List.of())).isEmpty();
  }

  @Test
  void moveDeadlineRewritesTheRecordAndTheExpiry() {
    RedisRemoteStore store = open();
    long first = System.currentTimeMillis() + 60_000;
    byte[] record = ByteBuffer.allocate(14).put((byte) 0xB7).put((byte) 1).putLong(first).put(b("data")).array();
    store.writeAndUnlock(store.lock(b("k")), record, first);

    long moved = System.currentTimeMillis() + 120_000;
    store.moveDeadline(b("k"), first - 1, first + 1); // not the record's deadline: a newer value, left alone
    store.moveDeadline(b("k"), moved, first);
    assertThat(await(() -> ByteBuffer.wrap(store.get(b("k")), RemoteStore.DEADLINE_OFFSET, 8).getLong() == moved,
        WAIT)).isTrue();
    byte[] now = store.get(b("k"));
    assertThat(Arrays.copyOfRange(now, 10, 14)).isEqualTo(b("data"));
    long pttl = Long.parseLong(server.command("PTTL t:d:k").substring(1));
    assertThat(pttl).isGreaterThan(90_000);

    // Another node's reader, whose near copy still has the first deadline: it extends a later one, never shortens.
    long extended = moved + 30_000;
    store.moveDeadline(b("k"), moved - 10_000, first);
    store.moveDeadline(b("k"), extended, first);
    assertThat(await(() -> ByteBuffer.wrap(store.get(b("k")), RemoteStore.DEADLINE_OFFSET, 8).getLong() == extended,
        WAIT)).isTrue();
    assertThat(Long.parseLong(server.command("PTTL t:d:k").substring(1))).isGreaterThan(120_000);
    store.moveDeadline(b("k"), extended - 1, first);
    store.moveDeadline(b("k"), moved, extended);
    assertThat(await(() -> ByteBuffer.wrap(store.get(b("k")), RemoteStore.DEADLINE_OFFSET, 8).getLong() == moved,
        WAIT)).as("an earlier deadline only from the reader that saw the current one").isTrue();

    store.moveDeadline(b("k"), Long.MAX_VALUE, moved);
    assertThat(await(() -> server.command("PTTL t:d:k").equals(":-1"), WAIT)).isTrue();

    // An absent key stays absent; a short foreign value is left alone.
    store.moveDeadline(b("absent"), moved, first);
    server.command("SET t:d:short abc");
    store.moveDeadline(b("short"), moved, first);
    store.get(b("k")); // after the two moves on the same connection
    assertThat(server.command("EXISTS t:d:absent")).isEqualTo(":0");
    assertThat(s(store.get(b("short")))).isEqualTo("abc");
  }

  @Test
  void changesReachTheOtherNodeNeverTheWriter() {
    RedisRemoteStore a = open();
    RedisRemoteStore b = open();
    RecordingListener onA = new RecordingListener();
    RecordingListener onB = new RecordingListener();
    a.listen(onA);
    b.listen(onB);
    assertThat(onA.connected.get()).isEqualTo(1);
    assertThat(onB.connected.get()).isEqualTo(1);

    put(a, "k1", "v");
    assertThat(await(() -> onB.invalidated.contains("k1"), WAIT)).isTrue();
    put(b, "k2", null);
    assertThat(await(() -> onA.invalidated.contains("k2"), WAIT)).isTrue();
    // Each announcement reached both subscribers at the same moment: by now A's own would have arrived.
    assertThat(onA.invalidated).containsExactly("k2");
    assertThat(onB.invalidated).containsExactly("k1");

    a.clear();
    assertThat(await(() -> onB.cleared.get() == 1, WAIT)).isTrue();
    put(b, "k3", "v");
    assertThat(await(() -> onA.invalidated.contains("k3"), WAIT)).isTrue();
    assertThat(onA.cleared.get()).isZero();

    // Another cache's announcements are not ours.
    RedisRemoteStore other = open(config("other:").build());
    put(other, "k4", "v");
    put(a, "k5", "v");
    assertThat(await(() -> onB.invalidated.contains("k5"), WAIT)).isTrue();
    assertThat(onB.invalidated).containsExactly("k1", "k5");
    assertThat(onA.disconnected.get() + onB.disconnected.get()).isZero();
  }

  @Test
  void locksExcludeAcrossNodes() throws Exception {
    RemoteConfig config = config("t:").lockWait(Duration.ofSeconds(20)).build();
    RedisRemoteStore a = open(config);
    RedisRemoteStore b = open(config);
    int perThread = 2_000;
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (RedisRemoteStore store : List.of(a, b, a, b)) {
        done.add(threads.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            RemoteStore.Lock lock = store.lock(b("counter"));
            int value = lock.value() == null ? 0 : Integer.parseInt(s(lock.value()));
            store.writeAndUnlock(lock, b(Integer.toString(value + 1)), Long.MAX_VALUE);
          }
          return null;
        }));
      }
      for (Future<?> future : done) {
        future.get(120, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(s(a.get(b("counter")))).isEqualTo(Integer.toString(4 * perThread));
  }

  @Test
  void aWriteAfterTheLeaseRanOutChangesNothing() throws Exception {
    RemoteConfig config = config("t:").lockLease(Duration.ofMillis(200)).build();
    RedisRemoteStore a = open(config);
    RedisRemoteStore b = open(config);
    RemoteStore.Lock lost = a.lock(b("k"));
    // a renews its lease while it holds the lock; a lease runs out when its holder stops renewing (a dead or
    // hung node), which deleting the lock key stands for here.
    Thread.sleep(400);
    assertThat(server.command("EXISTS t:l:k")).as("renewed past its 200 ms lease").isEqualTo(":1");
    server.command("DEL t:l:k");
    RemoteStore.Lock taken = b.lock(b("k"));
    assertThatThrownBy(() -> a.writeAndUnlock(lost, b("from a"), Long.MAX_VALUE))
        .isInstanceOf(RemoteStoreException.class)
        .hasMessageContaining("ran out before the write; nothing was written")
        .hasMessageContaining(server.uri());
    b.writeAndUnlock(taken, b("from b"), Long.MAX_VALUE);
    assertThat(s(a.get(b("k")))).isEqualTo("from b");

    // A late unlock of a lost lock does not release the new holder's lock.
    RemoteStore.Lock stale = a.lock(b("k2"));
    server.command("DEL t:l:k2");
    RemoteStore.Lock current = b.lock(b("k2"));
    a.unlock(stale);
    assertThat(server.command("EXISTS t:l:k2")).isEqualTo(":1");
    b.unlock(current);
  }

  @Test
  void lockGivesUpAfterLockWait() {
    RedisRemoteStore a = open(config("t:").lockLease(Duration.ofSeconds(5)).build());
    RedisRemoteStore b = open(config("t:").lockWait(Duration.ofMillis(300)).build());
    RemoteStore.Lock held = a.lock(b("k"));
    long start = System.nanoTime();
    assertThatThrownBy(() -> b.lock(b("k")))
        .isInstanceOf(RemoteStoreException.class)
        .hasMessageContaining("locked by another node for longer than lock-wait PT0.3S")
        .hasMessageContaining(server.uri());
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(millis).isBetween(250L, 3_000L);
    a.unlock(held);
    b.unlock(b.lock(b("k")));
  }

  @Test
  void keysAndSizeSeeExactlyThisCachesMappings() {
    // Glob characters in the prefix must not widen the scan: unescaped, "t[1]*:d:*" would match "t1x:d:...".
    RedisRemoteStore store = open(config("t[1]*:").build());
    RedisRemoteStore neighbour = open(config("t1x:").build());
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < 2_500; i++) {
      put(store, "key-" + i, "v");
      expected.add("key-" + i);
    }
    for (int i = 0; i < 20; i++) {
      put(neighbour, "key-n" + i, "v");
    }
    RemoteStore.Lock heldOnAbsentKey = store.lock(b("locked-only"));

    Set<String> seen = new HashSet<>();
    Iterator<byte[]> keys = store.keys();
    while (keys.hasNext()) {
      assertThat(seen.add(s(keys.next()))).isTrue(); // SCAN may repeat a key only if the keyspace is rehashing
    }
    assertThat(seen).isEqualTo(expected);
    assertThat(store.size()).isEqualTo(2_500);
    assertThat(neighbour.size()).isEqualTo(20);
    store.unlock(heldOnAbsentKey);

    store.clear();
    assertThat(store.size()).isZero();
    assertThat(store.keys().hasNext()).isFalse();
    assertThat(neighbour.size()).isEqualTo(20);
  }

  @Test
  void theFactoryIsFoundThroughServiceLoader() {
    RedisRemoteStoreFactory factory = new RedisRemoteStoreFactory();
    assertThat(factory.supports("redis")).isTrue();
    assertThat(factory.supports("rediss")).isTrue();
    assertThat(factory.supports("memcached")).isFalse();

    RemoteStore store = RemoteStores.open(RemoteConfig.builder(server.uri()).build(), "orders", null, null);
    opened.add(store);
    assertThat(store).isInstanceOf(RedisRemoteStore.class);
    assertThat(store.describe()).isEqualTo(server.uri() + " (key prefix 'goldylox:orders:')");
    put(store, "k", "v");
    assertThat(server.command("EXISTS goldylox:orders:d:k")).isEqualTo(":1");
  }

  @Test
  void aServerThatDoesNotAnswerInTimeFailsTheCall() {
    RedisRemoteStore store = open(config("t:").timeout(Duration.ofMillis(200)).build());
    assertThat(server.command("CLIENT PAUSE 700 ALL")).isEqualTo("+OK");
    long start = System.nanoTime();
    assertThatThrownBy(() -> store.get(b("k")))
        .isInstanceOf(RemoteStoreException.class)
        .hasMessage("Redis " + server.uri() + " (key prefix 't:') did not answer GET within PT0.2S");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);
    // The connection survives a timeout: once Redis answers again, so does the store.
    assertThat(await(() -> {
      try {
        return store.get(b("k")) == null;
      } catch (RemoteStoreException stillPaused) {
        return false;
      }
    }, WAIT)).isTrue();
  }

  @Test
  void closeIsIdempotentAndLaterCallsFailCleanly() {
    RedisRemoteStore store = open();
    store.close();
    store.close();
    assertThatThrownBy(() -> store.get(b("k"))).isInstanceOf(RemoteStoreException.class)
        .hasMessageContaining(server.uri());
  }

  /** Keeps redis-server busy for {@code millis} with a Lua loop (other clients' commands queue behind it). */
  private static java.util.concurrent.CompletableFuture<String> stall(long millis) throws Exception {
    String script = "local s=redis.call('TIME') local a=s[1]*1000000+s[2] while true do"
        + " local t=redis.call('TIME') if t[1]*1000000+t[2]-a > " + millis * 1000 + " then break end end"
        + " return 1";
    java.util.concurrent.CompletableFuture<String> stall = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> server.command("EVAL \"" + script + "\" 0"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!busy()) {
      assertThat(System.nanoTime()).as("redis-server runs the busy script").isLessThan(deadline);
    }
    return stall;
  }

  /** Whether redis-server leaves a PING unanswered for 300 ms. */
  private static boolean busy() throws java.io.IOException {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), server.port()),
          1000);
      socket.setSoTimeout(300);
      socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      socket.getInputStream().read();
      return false;
    } catch (java.net.SocketTimeoutException e) {
      return true;
    }
  }

  /**
   * A lock call that times out behind a busy server still runs once the server answers again (it was sent): the
   * store then releases that token, so the key is not left locked for a lease by a lock nobody holds (found by a
   * new-user trial: every node's writes of the key failed for the 5-s lease).
   */
  @Test
  void aLockAttemptThatTimedOutDoesNotLeaveTheKeyLocked() throws Exception {
    RedisRemoteStore a = open(config("t:").timeout(Duration.ofMillis(200)).lockLease(Duration.ofSeconds(30))
        .build());
    RedisRemoteStore b = open();
    put(a, "k", "v1");
    java.util.concurrent.CompletableFuture<String> stall = stall(1_000);
    assertThatThrownBy(() -> a.lock(b("k"))).isInstanceOf(RemoteStoreException.class)
        .hasMessageContaining("did not answer");
    assertThat(stall.get(10, TimeUnit.SECONDS)).isEqualTo(":1");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!server.command("EXISTS t:l:k").equals(":0")) {
      assertThat(System.nanoTime()).as("the abandoned lock is released within seconds, not after its 30-s lease")
          .isLessThan(deadline);
      Thread.sleep(10);
    }
    put(b, "k", "v2");
    assertThat(s(a.get(b("k")))).isEqualTo("v2");
  }
}

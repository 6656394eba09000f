package io.goldylox.redis;

import static io.goldylox.redis.testing.RecordingListener.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.config.RemoteConfig;
import io.goldylox.redis.testing.RecordingListener;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.remote.RemoteStore;
import io.goldylox.remote.RemoteStoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A Redis that dies (SIGKILL) and comes back on the same port, under an open, listening store. */
class RedisOutageTest {

  private static byte[] b(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void failsFastWhileRedisIsDownAndRecoversWhenItIsBack() {
    try (RedisServer server = new RedisServer().start()) {
      RemoteConfig config = RemoteConfig.builder(server.uri()).keyPrefix("o:").timeout(Duration.ofMillis(500))
          .build();
      try (RedisRemoteStore store = RedisRemoteStore.open(config, "c");
          RedisRemoteStore other = RedisRemoteStore.open(config, "c")) {
        RecordingListener listener = new RecordingListener();
        store.listen(listener);
        assertThat(listener.events).containsExactly("connected");
        RemoteStore.Lock lock = store.lock(b("k"));
        store.writeAndUnlock(lock, b("before"), Long.MAX_VALUE);

        server.kill9();
        long start = System.nanoTime();
        assertThatThrownBy(() -> store.get(b("k")))
            .isInstanceOf(RemoteStoreException.class)
            .hasMessageContaining(server.uri())
            .hasMessageContaining("GET");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);
        assertThat(await(() -> listener.disconnected.get() == 1, Duration.ofSeconds(5)))
            .as("disconnected() after the kill; events %s", listener.events).isTrue();
        // Calls keep failing at once while it is down (no queueing until it is back).
        start = System.nanoTime();
        assertThatThrownBy(() -> store.lock(b("k"))).isInstanceOf(RemoteStoreException.class);
        assertThatThrownBy(() -> store.get(b("k"))).isInstanceOf(RemoteStoreException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);
        assertThat(listener.connected.get()).isEqualTo(1);

        server.start();
        assertThat(await(() -> listener.connected.get() == 2, Duration.ofSeconds(10)))
            .as("connected() after the restart; events %s", listener.events).isTrue();
        assertThat(listener.events).containsExactly("connected", "disconnected", "connected");
        assertThat(await(() -> {
          try {
            return store.get(b("k")) == null; // the new server holds nothing
          } catch (RemoteStoreException stillReconnecting) {
            return false;
          }
        }, Duration.ofSeconds(10))).isTrue();

        // The scripts are gone with the old process: the store loads them again (NOSCRIPT) and carries on.
        store.writeAndUnlock(store.lock(b("k")), b("after"), Long.MAX_VALUE);
        assertThat(new String(store.get(b("k")), StandardCharsets.UTF_8)).isEqualTo("after");
        // And the resubscribed stream delivers again.
        assertThat(await(() -> {
          try {
            other.writeAndUnlock(other.lock(b("k2")), b("x"), Long.MAX_VALUE);
            return true;
          } catch (RemoteStoreException stillReconnecting) {
            return false;
          }
        }, Duration.ofSeconds(10))).isTrue();
        assertThat(await(() -> listener.invalidated.contains("k2"), Duration.ofSeconds(5))).isTrue();
      }
    }
  }

  @Test
  void listenFailsAtOnceWhileRedisIsDown() {
    try (RedisServer server = new RedisServer().start()) {
      RemoteConfig config = RemoteConfig.builder(server.uri()).timeout(Duration.ofMillis(500)).build();
      try (RedisRemoteStore store = RedisRemoteStore.open(config, "c")) {
        server.kill9();
        RecordingListener listener = new RecordingListener();
        long start = System.nanoTime();
        assertThatThrownBy(() -> store.listen(listener))
            .isInstanceOf(RemoteStoreException.class)
            .hasMessageContaining(server.uri())
            .hasMessageContaining("SUBSCRIBE");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);
        assertThat(listener.events).isEmpty();
      }
    }
  }
}

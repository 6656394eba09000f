package io.goldylox.redis;

import static io.goldylox.redis.testing.RecordingListener.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.RemoteConfig;
import io.goldylox.redis.testing.RecordingListener;
import io.goldylox.redis.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A pub/sub link that stops delivering without closing (a half-open connection, which TCP keepalive notices only
 * after hours) is reported as disconnected once the store has not heard its own heartbeat for three periods, and
 * as connected again when it hears one. Redis is made to stop delivering with {@code CLIENT PAUSE}, which holds the
 * heartbeat's PUBLISH while every connection stays open.
 */
class HeartbeatTest {

  @Test
  void aSilentLinkIsReportedDisconnectedThenConnectedWhenItDeliversAgain() {
    try (RedisServer server = new RedisServer().start()) {
      RemoteConfig config = RemoteConfig.builder(server.uri()).keyPrefix("hb:").timeout(Duration.ofMillis(100))
          .build();
      long beat = RedisRemoteStore.heartbeatMillis(config);
      try (RedisRemoteStore store = RedisRemoteStore.open(config, "c")) {
        RecordingListener listener = new RecordingListener();
        store.listen(listener);
        assertThat(listener.events).containsExactly("connected");
        // Heartbeats flow: three periods pass without a report.
        assertThat(await(() -> listener.disconnected.get() > 0, Duration.ofMillis(4 * beat))).isFalse();

        assertThat(server.command("CLIENT PAUSE " + 6 * beat + " ALL")).isEqualTo("+OK");
        assertThat(await(() -> listener.disconnected.get() == 1, Duration.ofMillis(10 * beat)))
            .as("disconnected() after three silent periods; events %s", listener.events).isTrue();
        assertThat(await(() -> listener.connected.get() == 2, Duration.ofMillis(10 * beat)))
            .as("connected() once a heartbeat is heard again; events %s", listener.events).isTrue();
        assertThat(listener.events).containsExactly("connected", "disconnected", "connected");
      }
    }
  }
}

package io.goldylox.redis.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A key that another JVM keeps locked makes a change of that key fail after lock-wait, and nothing else: Redis
 * answered every call, so the node's other keys (reads that miss locally, changes) carry on at once, and the
 * locked key can be changed again as soon as its holder lets go.
 *
 * <p>It failed every time while the circuit breaker opened on any store error, contention included.
 */
class CrossJvmLockWaitTest {

  private static final Duration ANSWER = Duration.ofSeconds(15);

  /** A real redis-server: started before this class's first test, stopped after its last. */
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  private Fleet fleet;

  @AfterEach
  void closeFleet() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void aLockWaitTimeoutOnOneKeyFailsOnlyThatChange() throws Exception {
    server.flushAll();
    // timeout 500 ms, lock-wait 1 s, a lease (30 s) that outlasts the test: the holder keeps the lock until told.
    fleet = new Fleet(server.uri(), "lockwait:", 500, 1_000, 30_000);
    FleetChild holder = fleet.child("holder", "serve");
    FleetChild other = fleet.child("other", "serve");
    assertThat(other.ask("put b before", ANSWER)).isEqualTo("ok");

    holder.send("put-paused a held");
    holder.expect("paused", ANSWER); // inside its processor: the Redis lock of a is held

    String locked = other.ask("put a waited", ANSWER);
    assertThat(locked).as("a change of the locked key%s", fleet.describeChildren())
        .startsWith("error ").contains("lock-wait");
    // Redis answered every call: the node's other keys work as before.
    String otherKey = other.ask("put b after", ANSWER);
    String missingKey = other.ask("get c", ANSWER);
    String stats = other.ask("stats", ANSWER);
    System.out.println("[fleet] lock-wait: locked key '" + locked + "'; then another key's put '" + otherKey
        + "', a missing key's get '" + missingKey + "'; " + stats);
    assertThat(otherKey).as("a put of another key right after the lock-wait timeout%s", fleet.describeChildren())
        .isEqualTo("ok");
    assertThat(missingKey).as("a get of a missing key right after the lock-wait timeout").isEqualTo("null");

    holder.send("continue");
    assertThat(holder.next(ANSWER)).as("the holder's write, within its lease").isEqualTo("ok");
    assertThat(other.ask("get a", ANSWER)).isEqualTo("value held");
    assertThat(other.ask("put a again", ANSWER)).isEqualTo("ok");
    // The holder hears of that put through its invalidation stream: within the invalidation lag.
    long deadline = System.nanoTime() + ANSWER.toNanos();
    String seen = holder.ask("get a", ANSWER);
    while (!seen.equals("value again") && System.nanoTime() < deadline) {
      assertThat(seen).isIn("value held", "value again");
      Thread.sleep(5);
      seen = holder.ask("get a", ANSWER);
    }
    assertThat(seen).isEqualTo("value again");
  }
}

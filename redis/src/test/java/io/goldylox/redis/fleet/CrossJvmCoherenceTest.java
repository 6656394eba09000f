package io.goldylox.redis.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A near copy in another JVM is invalidated by a put made here: a {@code serve} child holds key k in its near
 * cache (checked before every round), the parent's node puts a new value, and the child answers the new value
 * within a bounded wait, never anything but the previous or the new value. Measures the invalidation lag over 200
 * rounds and prints p50/p99/max.
 *
 * <p>The lag is measured from the parent's put returning to the child's first answer carrying the new value, the
 * child being asked {@code get k} over its stdin/stdout as fast as that protocol allows. It therefore includes
 * the pipe round trip of the last poll (and up to one more poll): an upper bound of the pub/sub invalidation lag.
 */
class CrossJvmCoherenceTest {

  private static final int WARMUP = 20;
  private static final int ROUNDS = 200;
  private static final Duration ANSWER = Duration.ofSeconds(10);

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

  /**
   * Waits for the invalidation of the {@code puts}-th put (one still on its way would drop a copy filled before
   * it arrives), then asks {@code get k} until the near copy of k is in the child's local tiers (a read fills it).
   */
  private void awaitNearCopy(FleetChild child, String value, long puts) throws InterruptedException {
    FleetChild.awaitInvalidations(child, puts, ANSWER);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      String answer = child.ask("get k", ANSWER);
      assertThat(answer).as("the child's read of k before the next put%s", fleet.describeChildren())
          .isEqualTo("value " + value);
      if (child.ask("near k", ANSWER).equals("near yes")) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the child did not keep a near copy of k within 10 s: "
            + child.ask("stats", ANSWER) + fleet.describeChildren());
      }
    }
  }

  @Test
  void aPutHereInvalidatesTheNearCopyInAnotherJvmWithinABoundedLag() throws Exception {
    fleet = new Fleet(server.uri(), "coherence:", 2_000, 10_000, 5_000);
    FleetChild child = fleet.child("reader", "serve");
    Cache<String, String> parent = fleet.parentNode("writer", String.class);
    parent.put("k", "v0");
    awaitNearCopy(child, "v0", 1);

    long[] lagNanos = new long[ROUNDS];
    long polls = 0;
    for (int round = 1; round <= WARMUP + ROUNDS; round++) {
      String previous = "value v" + (round - 1);
      String next = "value v" + round;
      parent.put("k", "v" + round);
      long returned = System.nanoTime();
      long deadline = returned + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        String answer = child.ask("get k", ANSWER);
        polls++;
        long answered = System.nanoTime();
        if (answer.equals(next)) {
          if (round > WARMUP) {
            lagNanos[round - WARMUP - 1] = answered - returned;
          }
          break;
        }
        assertThat(answer).as("round %d: the child answers the previous or the new value%s", round,
            fleet.describeChildren()).isEqualTo(previous);
        if (answered > deadline) {
          throw new AssertionError("round " + round + ": the child still answers " + answer + " 10 s after the"
              + " put returned; " + child.ask("stats", ANSWER) + fleet.describeChildren());
        }
      }
      awaitNearCopy(child, "v" + round, round + 1);
    }

    long[] sorted = lagNanos.clone();
    Arrays.sort(sorted);
    double p50 = sorted[ROUNDS / 2 - 1] / 1e6;
    double p99 = sorted[(int) Math.ceil(ROUNDS * 0.99) - 1] / 1e6;
    double max = sorted[ROUNDS - 1] / 1e6;
    String stats = child.ask("stats", ANSWER);
    System.out.printf("[fleet] invalidation lag across JVMs over %d rounds (put returned -> child answers the new"
        + " value, incl. the stdin/stdout round trip): p50 %.2f ms, p99 %.2f ms, max %.2f ms; %d polls;"
        + " child %s%n", ROUNDS, p50, p99, max, polls, stats);
    assertThat(p99).as("p99 of the invalidation lag, ms").isLessThan(2_000);
    assertThat(stats).contains("coherent=true");
    assertThat(FleetChild.stat(stats, "invalidationsReceived")).as("invalidations the child received")
        .isEqualTo(1 + WARMUP + ROUNDS);
    assertThat(FleetChild.stat(stats, "nearCacheDrops")).as("near cache drops").isZero();
    assertThat(child.ask("quit", ANSWER)).isEqualTo("bye");
  }
}

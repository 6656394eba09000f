package io.goldylox.redis.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code redis-server} dies (SIGKILL) under a fleet of real JVMs and comes back empty: every call fails within
 * a few timeouts (500 ms) instead of hanging, an incrementing child carries on once Redis is back, and a child
 * that held a near copy from before the outage never answers it once a put made after the outage returned: it
 * answers the new value (or fails while it reconnects), nothing else.
 */
class CrossJvmRedisKillTest {

  private static final long TIMEOUT_MILLIS = 500;
  /** The bound of any single failing call: a few timeouts, never a hang. */
  private static final long FAIL_FAST_MILLIS = 3_000;
  private static final Duration ANSWER = Duration.ofSeconds(10);

  /** A real redis-server: started before this class's first test, stopped after its last. */
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  private Fleet counters;
  private Fleet values;

  @AfterEach
  void closeFleets() {
    if (counters != null) {
      counters.close();
    }
    if (values != null) {
      values.close();
    }
  }

  /** The millis of an {@code error <millis> <message>} line. */
  private static long millis(String errorLine) {
    return Long.parseLong(errorLine.split(" ", 3)[1]);
  }

  @Test
  void callsFailFastWhileRedisIsDownAndNoNearCopyFromBeforeTheOutageIsServedAfterIt() throws Exception {
    server.flushAll();
    counters = new Fleet(server.uri(), "outage-counter:", TIMEOUT_MILLIS, 2_000, 1_000);
    values = new Fleet(server.uri(), "outage-kv:", TIMEOUT_MILLIS, 2_000, 1_000);
    FleetChild incrementer = counters.child("incrementer", "increment", "hits", "100000000");
    FleetChild reader = values.child("reader", "serve");
    Cache<String, String> parent = values.parentNode("writer", String.class);

    parent.put("k", "v1");
    FleetChild.awaitInvalidations(reader, 1, ANSWER); // else it could drop the copy filled below
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!(reader.ask("get k", ANSWER).equals("value v1") && reader.ask("near k", ANSWER).equals("near yes"))) {
      assertThat(System.nanoTime()).as("the reader holds a near copy of v1 within 10 s%s",
          values.describeChildren()).isLessThan(deadline);
    }
    incrementer.send("go");
    incrementer.awaitAcks(200, Duration.ofSeconds(60));

    // ---- Redis dies. ----
    server.kill9();
    long acksAtKill = incrementer.acks();
    List<String> readerAnswers = new ArrayList<>();
    List<Long> parentFailures = new ArrayList<>();
    long parentStart = System.nanoTime();
    try {
      parent.put("k", "during");
      throw new AssertionError("a put succeeded while redis-server was dead");
    } catch (CacheException expected) {
      parentFailures.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - parentStart));
    }
    // While Redis is down the reader may answer its near copy v1 (nothing can change it) until it notices, then
    // fails: it never serves a copy it cannot know to be current.
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      String answer = reader.ask("get k", ANSWER);
      readerAnswers.add(answer);
      assertThat(answer).as("the reader during the outage%s", values.describeChildren())
          .matches("value v1|error .*");
      if (answer.startsWith("error ") && !incrementer.errors().isEmpty()) {
        break;
      }
      assertThat(System.nanoTime()).as("the reader and the incrementer fail within 15 s of the kill%s%s",
          values.describeChildren(), counters.describeChildren()).isLessThan(deadline);
      Thread.sleep(5);
    }
    Thread.sleep(500); // an outage of some length: the nodes keep failing (fast) meanwhile

    // ---- Redis is back, empty. ----
    server.start();
    long putReturned;
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      long start = System.nanoTime();
      try {
        parent.put("k", "v2");
        putReturned = System.nanoTime();
        break;
      } catch (CacheException stillReconnecting) {
        parentFailures.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertThat(System.nanoTime()).as("the parent writes again within 20 s of the restart: %s",
            stillReconnecting.getMessage()).isLessThan(deadline);
        Thread.sleep(10);
      }
    }
    // From the moment that put returned, the reader answers v2 or fails while it reconnects: never v1, never null.
    int afterPut = 0;
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      String answer = reader.ask("get k", ANSWER);
      readerAnswers.add(answer);
      afterPut++;
      assertThat(answer).as("the reader's answer %d after the parent's put of v2 returned (answers so far %s)%s",
          afterPut, readerAnswers, values.describeChildren()).matches("value v2|error .*");
      if (answer.equals("value v2")) {
        break;
      }
      assertThat(System.nanoTime()).as("the reader answers v2 within 20 s%s", values.describeChildren())
          .isLessThan(deadline);
      Thread.sleep(5);
    }
    long lagMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - putReturned);
    // Once resubscribed it trusts its near cache again; still nothing but v2.
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      String answer = reader.ask("get k", ANSWER);
      readerAnswers.add(answer);
      assertThat(answer).as("the reader after it answered v2%s", values.describeChildren()).isEqualTo("value v2");
      String stats = reader.ask("stats", ANSWER);
      if (stats.contains("coherent=true") && reader.ask("near k", ANSWER).equals("near yes")) {
        break;
      }
      assertThat(System.nanoTime()).as("the reader trusts its near cache again within 20 s: %s%s", stats,
          values.describeChildren()).isLessThan(deadline);
      Thread.sleep(5);
    }
    String readerStats = reader.ask("stats", ANSWER);

    // The incrementer carries on against the new (empty) server.
    incrementer.awaitAcks(incrementer.acks() + 50, Duration.ofSeconds(30));
    incrementer.send("stop");
    String done = incrementer.awaitLine(line -> line.startsWith("done "), ANSWER, "done line");
    assertThat(incrementer.awaitExit(ANSWER)).as("exit code of %s", incrementer.describe()).isZero();
    assertThat(reader.ask("quit", ANSWER)).isEqualTo("bye");

    List<String> incrementerErrors = incrementer.errors();
    List<String> readerErrors = readerAnswers.stream().filter(a -> a.startsWith("error ")).toList();
    long slowestIncrementerFailure = incrementerErrors.stream().mapToLong(CrossJvmRedisKillTest::millis).max()
        .orElse(0);
    long slowestReaderFailure = readerErrors.stream().mapToLong(CrossJvmRedisKillTest::millis).max().orElse(0);
    long slowestParentFailure = parentFailures.stream().mapToLong(Long::longValue).max().orElse(0);
    System.out.printf("[fleet] redis kill -9: incrementer had %d acks at the kill, %d failed invokes (slowest %d"
        + " ms), %s; reader: %d answers, %d failed (slowest %d ms), v2 answered %d ms after the put returned,"
        + " %s; parent: %d failed puts (slowest %d ms)%n", acksAtKill, incrementerErrors.size(),
        slowestIncrementerFailure, done, readerAnswers.size(), readerErrors.size(), slowestReaderFailure,
        lagMillis, readerStats, parentFailures.size(), slowestParentFailure);
    assertThat(incrementerErrors).as("the incrementer noticed the outage").isNotEmpty();
    assertThat(slowestIncrementerFailure).as("slowest failing invoke, ms (%s)", incrementerErrors)
        .isLessThan(FAIL_FAST_MILLIS);
    assertThat(slowestReaderFailure).as("slowest failing get, ms (%s)", readerErrors).isLessThan(FAIL_FAST_MILLIS);
    assertThat(slowestParentFailure).as("slowest failing put, ms (%s)", parentFailures)
        .isLessThan(FAIL_FAST_MILLIS);
    assertThat(FleetChild.stat(readerStats, "disconnects"))
        .as("the reader lost its invalidation stream: %s", readerStats).isGreaterThanOrEqualTo(1);
  }
}

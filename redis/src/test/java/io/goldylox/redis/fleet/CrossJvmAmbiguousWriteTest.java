package io.goldylox.redis.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A change whose write timed out on the client but ran in Redis (its outcome unknown to the writer) must not leave
 * the writer's own near copy stale: a node never hears its own invalidations, so after such a failure it has to
 * stop serving the copy it had before.
 *
 * <p>The child holds k = v1 in its near cache, starts an invoke that sets v2 and pauses inside the processor (the
 * key's Redis lock held); the parent makes {@code redis-server} busy for 2 s (a Lua busy loop), then lets the
 * child's processor return. The child's write waits behind the busy script, times out after 500 ms (the child's
 * invoke fails) and then runs in Redis once the script ends: Redis holds v2 and told the other nodes. From then
 * on the child must answer v2 (or fail), never v1.
 *
 * <p>It failed every time before {@code NearCacheTier.compute} dropped the near copy after such a failure.
 */
class CrossJvmAmbiguousWriteTest {

  private static final long BUSY_MILLIS = 2_000;
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

  /** Whether redis-server leaves a PING unanswered for 300 ms (a script is running). */
  private static boolean busy() throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 1000);
      socket.setSoTimeout(300);
      socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      in.read();
      return false;
    } catch (SocketTimeoutException e) {
      return true;
    }
  }

  @Test
  void aWriteThatTimedOutButRanInRedisDoesNotLeaveTheWritersNearCopyStale() throws Exception {
    server.flushAll();
    // Lease far beyond the stall, so that the delayed write still holds the lock when Redis runs it.
    fleet = new Fleet(server.uri(), "ambiguous:", 500, 5_000, 30_000);
    FleetChild child = fleet.child("writer", "serve");
    Cache<String, String> parent = fleet.parentNode("observer", String.class);
    parent.put("k", "v1");
    // The put's invalidation first (it may arrive after a read that filled, and then rightly drops that copy).
    FleetChild.awaitInvalidations(child, 1, ANSWER);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!(child.ask("get k", ANSWER).equals("value v1") && child.ask("near k", ANSWER).equals("near yes"))) {
      assertThat(System.nanoTime()).as("the child holds a near copy of v1 within 10 s%s",
          fleet.describeChildren()).isLessThan(deadline);
    }

    child.send("put-paused k v2");
    child.expect("paused", ANSWER); // inside the processor: the child holds the Redis lock of k
    String script = "local s=redis.call('TIME') local a=s[1]*1000000+s[2] while true do"
        + " local t=redis.call('TIME') if t[1]*1000000+t[2]-a > " + BUSY_MILLIS * 1000 + " then break end end"
        + " return 1";
    CompletableFuture<String> stall = CompletableFuture.supplyAsync(() -> server.command("EVAL \"" + script
        + "\" 0"));
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!busy()) {
      assertThat(System.nanoTime()).as("redis-server runs the busy script").isLessThan(deadline);
    }
    child.send("continue"); // the write goes out now, and waits behind the script
    String outcome = child.next(ANSWER);
    assertThat(stall.get(10, TimeUnit.SECONDS)).isEqualTo(":1");
    System.out.println("[fleet] ambiguous write: the child's invoke answered '" + outcome + "'");
    assertThat(outcome).as("the child's write timed out behind the busy script").startsWith("error ")
        .contains("did not answer");

    // Redis ran the write after the script: the shared value is v2, and the other node sees it.
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!"v2".equals(parent.get("k"))) {
      assertThat(System.nanoTime()).as("the parent reads v2, the write that ran late").isLessThan(deadline);
      Thread.sleep(10);
    }
    // The writer, which cannot know whether its write ran, must stop serving its v1 copy: poll for 5 s.
    long redisHoldsV2 = System.nanoTime();
    deadline = redisHoldsV2 + TimeUnit.SECONDS.toNanos(5);
    List<String> answers = new ArrayList<>();
    while (true) {
      String answer = child.ask("get k", ANSWER);
      answers.add(answer);
      if (answer.equals("value v2")) {
        break;
      }
      if (System.nanoTime() > deadline) {
        String near = child.ask("near k", ANSWER);
        String stats = child.ask("stats", ANSWER);
        System.out.println("[fleet] ambiguous write: Redis holds v2; 5 s later the writer still answers '" + answer
            + "' (" + near + ", " + stats + ")");
        throw new AssertionError("the writer still answers " + answer + " " + TimeUnit.NANOSECONDS.toMillis(
            System.nanoTime() - redisHoldsV2) + " ms after Redis holds v2 (its own write, which failed on a"
            + " timeout but ran); " + answers.size() + " answers, distinct " + new LinkedHashSet<>(answers) + "; "
            + near + ", " + stats + fleet.describeChildren());
      }
      Thread.sleep(50);
    }
    System.out.println("[fleet] ambiguous write: the writer answers v2 after " + answers.size() + " reads");
  }
}

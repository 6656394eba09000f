package io.goldylox.samples.fleet;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.RemoteConfig;
import io.goldylox.redis.LocalRedisServer;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.remote.RemoteMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;

/**
 * Sample 6: one cache, two JVMs, one Redis. Each JVM opens the cache {@value #CACHE_NAME} with a {@code remote}
 * block over the same Redis and the same key prefix: its local heap becomes a near cache, Redis holds the shared
 * copy, and every change a node makes invalidates the other node's near copy.
 *
 * <p>This program is node a. It starts a throw-away {@code redis-server} ({@link LocalRedisServer}; it fails, saying how
 * to install one, when there is none), then starts node b: a second JVM (the {@code java} of {@code java.home},
 * this JVM's class path, this class with {@code --node b --redis URI}). Then:
 * <ol>
 *   <li>a puts {@code price = 100};</li>
 *   <li>b waits until a's invalidation of that put has reached it and been applied (why: node b's {@code read}), then
 *   reads it twice: a remote hit (a round trip to Redis, which fills b's near cache), then a near hit (no round
 *   trip);</li>
 *   <li>b starts reading in a loop; a puts {@code price = 101}; b's near copy still answers 100 until a's
 *   invalidation arrives, then its next get reads 101 from Redis. a prints how long after its put began b saw
 *   101 ({@link System#nanoTime()} of both JVMs, which on one machine read the same monotonic clock; b may see it
 *   before a's put returns, since Redis announces the change as it writes it), and how many of b's gets still
 *   answered 100 meanwhile; then {@value #MORE_CHANGES} more changes show the lag once
 *   both JVMs are warm;</li>
 *   <li>both close, b exits, the redis-server is stopped.</li>
 * </ol>
 * The two JVMs talk over b's standard input and output: a writes one command per line; b prints its narrative,
 * which a relays with a {@code [node b]} prefix, and one line starting with {@code @} when a step is done.
 *
 * <pre>
 * mvn -B -q -pl samples -am package exec:exec -DskipTests -Ddemo.mainClass=io.goldylox.samples.fleet.TwoNodes
 * </pre>
 *
 * <p>Threads: in node a, the main thread drives the steps and a relay thread reads b's output; in node b, the
 * main thread reads commands and runs them. The caches' own threads (Redis I/O, the near-cache worker) run behind.
 */
public final class TwoNodes {

  /** The cache both nodes open. */
  public static final String CACHE_NAME = "prices";
  /** The key of the shared copy in Redis, for every key of the cache: {@code <prefix><serialized key>}. */
  public static final String KEY_PREFIX = "fleet-sample:prices:";
  /** The key the nodes change. */
  public static final String KEY = "price";

  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
  /** Changes after the first, to show the lag once both JVMs are warm. */
  private static final int MORE_CHANGES = 10;

  private TwoNodes() {}

  /** Which node this JVM is, and (node b) the Redis to use. */
  public record Options(String node, String redis) {
    static final String USAGE = "Usage: TwoNodes [--node a]  |  TwoNodes --node b --redis redis://host:port/0";

    public Options {
      if (!node.equals("a") && !node.equals("b")) {
        throw new IllegalArgumentException("--node must be a or b, not " + node + ". " + USAGE);
      }
      if (node.equals("b") && redis == null) {
        throw new IllegalArgumentException("node b needs --redis URI. " + USAGE);
      }
    }

    public static Options parse(String... args) {
      String node = "a";
      String redis = null;
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value. " + USAGE);
        }
        switch (args[i]) {
          case "--node" -> node = args[i + 1];
          case "--redis" -> redis = args[i + 1];
          default -> throw new IllegalArgumentException("Unknown option " + args[i] + ". " + USAGE);
        }
      }
      return new Options(node, redis);
    }
  }

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    if (options.node().equals("b")) {
      nodeB(options.redis());
      return;
    }
    try {
      nodeA(System.out);
    } catch (LocalRedisServer.NotInstalled e) {
      System.err.println("TwoNodes: " + e.getMessage());
      System.exit(1);
    }
  }

  /** The configuration both nodes use: the same cache, the same Redis, the same key prefix. */
  static GoldyloxConfiguration<String, Integer> configuration(String redisUri) {
    return GoldyloxConfiguration.builder(String.class, Integer.class)
        .remote(RemoteConfig.builder(redisUri)
            .keyPrefix(KEY_PREFIX)
            .timeout(Duration.ofSeconds(2)) // generous: two JVMs and Redis may share a small, busy machine
            .build())
        .build();
  }

  /** Node {@code node}'s cache manager: a URI of its own, as each JVM of a fleet would have. */
  static CacheManager manager(String node) {
    return Caching.getCachingProvider("io.goldylox.spi.GoldyloxCachingProvider")
        .getCacheManager(URI.create("urn:goldylox:fleet-node-" + node), TwoNodes.class.getClassLoader());
  }

  static RemoteMetrics metrics(Cache<?, ?> cache) {
    return ((NearCacheTier<?>) cache.unwrap(GoldyloxCache.class).tier()).metrics();
  }

  // ------------------------------------------------------------------------------------------------------ node a

  private static void nodeA(PrintStream out) throws Exception {
    out.println("Two JVMs, one cache '" + CACHE_NAME + "', one Redis: each JVM's heap is a near cache of the copy "
        + "in Redis.");
    try (LocalRedisServer redis = LocalRedisServer.start()) {
      out.printf("Started redis-server (pid %d) on %s: no persistence, a temporary directory.%n", redis.pid(),
          redis.uri());
      try (CacheManager manager = manager("a")) {
        Cache<String, Integer> prices = manager.createCache(CACHE_NAME, configuration(redis.uri()));
        out.printf("[node a] opened cache '%s' (pid %d), key prefix '%s' in Redis%n", CACHE_NAME,
            ProcessHandle.current().pid(), KEY_PREFIX);
        NodeB b = NodeB.start(redis.uri(), out);
        try {
          b.await("@ready");

          prices.put(KEY, 100);
          out.printf("[node a] put %s = 100 (locked, written and announced in Redis: 2 round trips)%n", KEY);
          b.send("read 1"); // after the 1 change a made: the put
          b.await("@read");

          Change first = change(out, b, prices, 101, false);
          out.printf("[node a] node b saw 101 %s after this put began (the put took %s: b saw it %s); while it "
                  + "watched, %,d of b's gets answered 100 from its near copy%n", millis(first.lagNanos),
              millis(first.putNanos), first.lagNanos < first.putNanos ? "before the put had even returned"
                  : millis(first.lagNanos - first.putNanos) + " after it returned", first.staleReads);

          // The first change paid for class loading and cold code in both JVMs; a few more show the usual lag.
          long[] lags = new long[MORE_CHANGES];
          StringBuilder each = new StringBuilder();
          for (int i = 0; i < MORE_CHANGES; i++) {
            lags[i] = change(out, b, prices, 102 + i, true).lagNanos;
            each.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", lags[i] / 1e6));
          }
          java.util.Arrays.sort(lags);
          out.printf("[node a] %d more changes (%s = 102..%d), from a's put to b seeing it: %s ms; median %s, "
                  + "max %s%n", MORE_CHANGES, KEY, 101 + MORE_CHANGES, each, millis(lags[MORE_CHANGES / 2]),
              millis(lags[MORE_CHANGES - 1]));
          out.printf("[node a] get %s -> %d (node a's own near copy, no round trip)%n", KEY, prices.get(KEY));

          b.send("close");
          b.await("@closed");
          int exit = b.waitFor();
          out.printf("[node a] node b exited with code %d%n", exit);
          if (exit != 0) {
            throw new IllegalStateException("node b exited with code " + exit);
          }
        } finally {
          b.destroy();
        }
      }
      out.println("[node a] closed its cache manager");
    }
    out.println("Stopped redis-server and removed its directory. Done.");
  }

  /**
   * What one change showed: from the start of a's put to b seeing the new value ({@link System#nanoTime()} of
   * both JVMs: on one machine the same monotonic clock), how long the put took, b's reads of the old value.
   */
  private record Change(long lagNanos, long putNanos, long staleReads) {}

  /** Has b watch, puts {@code price}, and waits until b saw it. */
  private static Change change(PrintStream out, NodeB b, Cache<String, Integer> prices, int price, boolean quiet)
      throws InterruptedException {
    b.send("watch " + price + (quiet ? " quiet" : ""));
    b.await("@watching");
    if (!quiet) {
      out.printf("[node a] put %s = %d, while node b reads it in a loop%n", KEY, price);
    }
    long putBegan = System.nanoTime();
    prices.put(KEY, price);
    long putReturned = System.nanoTime();
    String[] saw = b.await("@saw").split(" ");
    return new Change(Long.parseLong(saw[1]) - putBegan, putReturned - putBegan, Long.parseLong(saw[2]));
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
  }

  /** Node b as seen from node a: its process, its input (commands) and its output (narrative and replies). */
  private static final class NodeB {
    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    private NodeB(Process process) {
      this.process = process;
      this.commands = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8),
          true);
    }

    static NodeB start(String redisUri, PrintStream out) throws IOException {
      List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), TwoNodes.class.getName(), "--node", "b", "--redis",
          redisUri);
      Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      out.printf("[node a] started node b: a second JVM (pid %d), java -cp <this class path> %s --node b "
          + "--redis %s%n", process.pid(), TwoNodes.class.getSimpleName(), redisUri);
      NodeB b = new NodeB(process);
      Thread relay = new Thread(() -> b.relay(out), "node-b-relay");
      relay.setDaemon(true);
      relay.start();
      return b;
    }

    /** Prints b's narrative lines with a prefix and queues its replies; "@eof" when b's output ends. */
    private void relay(PrintStream out) {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (line.startsWith("@")) {
            replies.add(line);
          } else {
            out.println("    [node b] " + line);
          }
        }
      } catch (IOException e) {
        out.println("    [node b] (output lost: " + e + ")");
      }
      replies.add("@eof");
    }

    void send(String command) {
      commands.println(command);
    }

    /** Waits for b's reply starting with {@code expected} and returns it. */
    String await(String expected) throws InterruptedException {
      String reply = replies.poll(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (reply == null) {
        throw new IllegalStateException("node b did not answer " + expected + " within " + STEP_TIMEOUT);
      }
      if (reply.equals("@eof")) {
        process.waitFor(5, TimeUnit.SECONDS);
        throw new IllegalStateException("node b ended before " + expected + (process.isAlive() ? ""
            : " (exit code " + process.exitValue() + ")") + "; its errors are above");
      }
      if (!reply.equals(expected) && !reply.startsWith(expected + " ")) {
        throw new IllegalStateException("node b answered " + reply + " where " + expected + " was expected");
      }
      return reply;
    }

    int waitFor() throws InterruptedException {
      if (!process.waitFor(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("node b did not exit within " + STEP_TIMEOUT);
      }
      return process.exitValue();
    }

    void destroy() {
      commands.close();
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------ node b

  /**
   * Node b: opens the same cache, then runs node a's commands from standard input, one a line:
   * {@code read N} (once N invalidations were received and applied, get twice: remote hit, then near hit),
   * {@code watch V} (get in a loop until it returns V), {@code close}.
   */
  private static void nodeB(String redisUri) throws IOException {
    PrintStream out = System.out;
    try (CacheManager manager = manager("b")) {
      Cache<String, Integer> prices = manager.createCache(CACHE_NAME, configuration(redisUri));
      RemoteMetrics metrics = metrics(prices);
      out.printf("opened cache '%s' (pid %d) over the same Redis and key prefix%n", CACHE_NAME,
          ProcessHandle.current().pid());
      reply(out, "@ready");
      BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = commands.readLine()) != null) {
        String[] command = line.trim().split(" ");
        switch (command[0]) {
          case "read" -> {
            read(out, prices, metrics, Long.parseLong(command[1]));
            reply(out, "@read");
          }
          case "watch" -> watch(out, prices, metrics, Integer.parseInt(command[1]),
              command.length > 2 && command[2].equals("quiet"));
          case "close" -> {
            out.printf("%,d invalidations received, %,d round trips to Redis in all; closing%n",
                metrics.invalidationsReceived(), metrics.roundTrips());
            manager.close();
            reply(out, "@closed");
            return;
          }
          default -> throw new IllegalArgumentException("node b: unknown command " + line);
        }
      }
    }
  }

  /**
   * Waits until b was told of a's {@code changes} changes and removed what they invalidate, then gets twice.
   *
   * <p>Why wait: Redis announces a's put on b's pub/sub connection before the put returns to a, but b's I/O thread
   * may deliver that announcement only after b's read on its data connection (another connection) has returned,
   * on a busy machine tens of milliseconds later. An invalidation of the key that arrives during a read turns its
   * fill away (the near cache cannot tell a change made before the read from one made after it), and one that
   * arrives just after the fill removes it: the second get would then be a remote hit again, with no wrong value
   * served. So b first waits until {@link RemoteMetrics#invalidationsReceived()} counts a's changes and
   * {@link NearCacheTier#invalidationBacklog()} reads 0 (their removals are done); after that, only a later change
   * can turn its fill away, and a makes none until b replies.
   */
  private static void read(PrintStream out, Cache<String, Integer> prices, RemoteMetrics metrics, long changes) {
    NearCacheTier<?> tier = (NearCacheTier<?>) prices.unwrap(GoldyloxCache.class).tier();
    long waitStart = System.nanoTime();
    long deadline = waitStart + STEP_TIMEOUT.toNanos();
    while (metrics.invalidationsReceived() < changes || tier.invalidationBacklog() > 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node b was not told of a's " + changes + " change(s) within "
            + STEP_TIMEOUT);
      }
      LockSupport.parkNanos(100_000);
    }
    out.printf("told of a's put: %d invalidation received and applied (waited %s)%n",
        metrics.invalidationsReceived(), micros(System.nanoTime() - waitStart));
    for (int i = 0; i < 2; i++) {
      long trips = metrics.roundTrips();
      long hits = metrics.remoteHits();
      long start = System.nanoTime();
      Integer price = prices.get(KEY);
      long took = System.nanoTime() - start;
      long madeTrips = metrics.roundTrips() - trips;
      String how = metrics.remoteHits() > hits
          ? "remote hit: not in this JVM yet, read from Redis in " + madeTrips + " round trip; now in b's near cache;"
              + " the JVM's first get, class loading included"
          : madeTrips == 0 ? "near hit: from b's own heap, no round trip" : madeTrips + " round trips";
      out.printf("get %s -> %s in %s (%s)%n", KEY, price, micros(took), how);
    }
  }

  /**
   * Reads in a loop until the cache returns {@code expected}; replies {@code @saw <nanoTime> <stale reads>}, the
   * moment it saw it and how many reads returned something else before.
   */
  private static void watch(PrintStream out, Cache<String, Integer> prices, RemoteMetrics metrics, int expected,
      boolean quiet) {
    long invalidations = metrics.invalidationsReceived();
    reply(out, "@watching");
    long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
    long stale = 0;
    Integer last = null;
    while (true) {
      Integer price = prices.get(KEY);
      long now = System.nanoTime();
      if (price != null && price == expected) {
        if (!quiet) {
          out.printf("get %s -> %d: %,d gets (one every ~20 us) answered %s from the near copy, then a's invalidation "
              + "arrived (%d received) and the next get read %d from Redis%n", KEY, price, stale, last,
              metrics.invalidationsReceived() - invalidations, price);
        }
        reply(out, "@saw " + now + " " + stale);
        return;
      }
      stale++;
      last = price;
      if (now > deadline) {
        throw new IllegalStateException("node b did not see " + expected + " within " + STEP_TIMEOUT);
      }
      // A short pause between reads, not a spin: on a small machine a spinning reader would take the core that
      // b's Redis I/O thread needs to deliver the very invalidation it waits for.
      LockSupport.parkNanos(20_000);
    }
  }

  private static String micros(long nanos) {
    return nanos >= 1_000_000 ? String.format(Locale.ROOT, "%.2f ms", nanos / 1e6)
        : String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
  }

  private static void reply(PrintStream out, String reply) {
    out.println(reply);
    out.flush();
  }
}

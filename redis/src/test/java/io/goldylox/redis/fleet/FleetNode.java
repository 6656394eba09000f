package io.goldylox.redis.fleet;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.RemoteConfig;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.remote.RemoteMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.MutableEntry;

/**
 * Main class of a child JVM of the fleet tests: one node (its own cache manager, near cache and Redis connections)
 * over a shared {@code redis-server}. Prints one line per acknowledged operation on stdout, flushed at once, so the
 * parent knows exactly what was acknowledged when it kills the process.
 *
 * <pre>
 * FleetNode REDIS-URI KEY-PREFIX TIMEOUT-MS LOCK-WAIT-MS LOCK-LEASE-MS MODE ...
 *
 * increment KEY COUNT [HOLD-AFTER]
 *     Cache&lt;String, Long&gt;. Prints "ready", waits for "go" on stdin, then invokes an increment processor
 *     until COUNT invokes were acknowledged, printing "ack N" after the N-th acknowledged one. A failed invoke
 *     prints "error MILLIS MESSAGE" (MILLIS: how long the failing call took) and is retried after 10 ms.
 *     "stop" on stdin (or its end) ends the loop early. Ends with "done ACKS ERRORS SLOWEST-INVOKE-MILLIS",
 *     exit 0. With HOLD-AFTER = h: after h acks, the next invoke's processor prints "holding" and never
 *     returns, so the node holds the key's lock in Redis until it is killed.
 *
 * serve
 *     Cache&lt;String, String&gt;. Prints "ready", then answers each stdin line with one stdout line:
 *       get K          -&gt; "value V" | "null" | "error MILLIS MESSAGE"
 *       put K V        -&gt; "ok" | "error MILLIS MESSAGE"
 *       put-paused K V -&gt; "paused", then (after "continue" on stdin) "ok" | "error MILLIS MESSAGE": an invoke
 *                         that sets V, its processor waiting for the parent while the key's Redis lock is held
 *       near K         -&gt; "near yes" | "near no" (whether the local tiers hold a copy of K; no store call)
 *       stats          -&gt; "stats coherent=.. remoteHits=.. ..." (the near cache's state and counters)
 *       quit           -&gt; "bye", exit 0
 * </pre>
 *
 * Exit 2 on wrong arguments, 3 when the cache cannot be opened (the reason on stderr).
 */
public final class FleetNode {

  static final String PROVIDER = "io.goldylox.spi.GoldyloxCachingProvider";
  static final String CACHE = "fleet";

  private static final PrintStream OUT = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
      false, StandardCharsets.UTF_8);

  private FleetNode() {}

  /** The remote block every node of a test uses (parent and children alike). */
  static RemoteConfig remote(String uri, String prefix, long timeoutMillis, long lockWaitMillis,
      long leaseMillis) {
    return RemoteConfig.builder(uri).keyPrefix(prefix).timeout(Duration.ofMillis(timeoutMillis))
        .lockWait(Duration.ofMillis(lockWaitMillis)).lockLease(Duration.ofMillis(leaseMillis)).build();
  }

  /**
   * Opens cache {@value #CACHE} of a node of its own (cache manager {@code urn:goldylox:<node>}). Tries up to
   * {@value #OPEN_ATTEMPTS} times, each failure on stderr: the first Redis handshake of a cold JVM on a loaded
   * machine can take longer than a short timeout, and these tests are not about opening.
   */
  static <V> Cache<String, V> open(String node, Class<V> valueType, RemoteConfig remote) {
    CacheManager manager = Caching.getCachingProvider(PROVIDER)
        .getCacheManager(URI.create("urn:goldylox:" + node), FleetNode.class.getClassLoader());
    for (int attempt = 1; ; attempt++) {
      try {
        return manager.createCache(CACHE, GoldyloxConfiguration.builder(String.class, valueType).remote(remote)
            .build());
      } catch (RuntimeException e) {
        if (attempt == OPEN_ATTEMPTS) {
          throw e;
        }
        System.err.println("opening attempt " + attempt + " of node " + node + " failed: " + e);
      }
    }
  }

  private static final int OPEN_ATTEMPTS = 5;

  static NearCacheTier<?> nearCache(Cache<?, ?> cache) {
    return (NearCacheTier<?>) cache.unwrap(GoldyloxCache.class).tier();
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println("usage: FleetNode <redis-uri> <key-prefix> <timeout-ms> <lock-wait-ms> <lock-lease-ms>"
          + " increment <key> <count> [hold-after] | serve");
      System.exit(2);
    }
    RemoteConfig remote = remote(args[0], args[1], Long.parseLong(args[2]), Long.parseLong(args[3]),
        Long.parseLong(args[4]));
    String node = "fleet-child-" + ProcessHandle.current().pid();
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    switch (args[5]) {
      case "increment": {
        Cache<String, Long> cache = openOrExit(node, Long.class, remote);
        long hold = args.length > 8 ? Long.parseLong(args[8]) : -1;
        increment(cache, args[6], Long.parseLong(args[7]), hold, stdin);
        break;
      }
      case "serve": {
        Cache<String, String> cache = openOrExit(node, String.class, remote);
        serve(cache, stdin);
        break;
      }
      default:
        System.err.println("unknown mode " + args[5]);
        System.exit(2);
    }
    // Exit without closing: a closing manager would only add seconds to every child.
    OUT.flush();
    Runtime.getRuntime().halt(0);
  }

  private static <V> Cache<String, V> openOrExit(String node, Class<V> valueType, RemoteConfig remote) {
    try {
      return open(node, valueType, remote);
    } catch (RuntimeException e) {
      e.printStackTrace();
      System.err.flush();
      Runtime.getRuntime().halt(3);
      throw e;
    }
  }

  private static void line(String text) {
    if (ACKS != null && text.startsWith("ack ")) {
      try {
        ACKS.write((text + "\n").getBytes(StandardCharsets.UTF_8)); // one write(2): whole or absent after a kill
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    OUT.print(text);
    OUT.print('\n');
    OUT.flush();
  }

  /** System property naming the file the acks also go to (set by {@link FleetChild}). */
  static final String ACK_FILE_PROPERTY = "fleet.acks";
  private static final java.io.FileOutputStream ACKS = openAcks();

  private static java.io.FileOutputStream openAcks() {
    String file = System.getProperty(ACK_FILE_PROPERTY);
    try {
      return file == null ? null : new java.io.FileOutputStream(file, true);
    } catch (java.io.FileNotFoundException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String oneLine(Throwable e) {
    String text = e.getClass().getSimpleName() + ": " + e.getMessage();
    return text.replace('\n', ' ').replace('\r', ' ');
  }

  // ---- increment ----

  private static void increment(Cache<String, Long> cache, String key, long count, long holdAfter,
      BufferedReader stdin) throws IOException, InterruptedException {
    line("ready");
    String go = stdin.readLine();
    if (!"go".equals(go)) {
      System.err.println("expected go, got " + go);
      Runtime.getRuntime().halt(2);
    }
    Thread watcher = new Thread(() -> {
      try {
        String command;
        while ((command = stdin.readLine()) != null && !command.equals("stop")) {
          System.err.println("ignoring " + command);
        }
      } catch (IOException ignored) {
        // stop as at the end of stdin
      }
      stopped = true;
    }, "stdin-watcher");
    watcher.setDaemon(true);
    watcher.start();

    Increment increment = new Increment();
    long acks = 0;
    long errors = 0;
    long slowest = 0;
    while (acks < count && !stopped) {
      EntryProcessor<String, Long, Long> processor = acks == holdAfter ? new HoldForever() : increment;
      long start = System.nanoTime();
      try {
        cache.invoke(key, processor);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        slowest = Math.max(slowest, millis);
        acks++;
        line("ack " + acks);
      } catch (RuntimeException e) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        errors++;
        line("error " + millis + " " + oneLine(rootish(e)));
        Thread.sleep(10);
      }
    }
    line("done " + acks + " " + errors + " " + slowest);
  }

  private static volatile boolean stopped;

  /** The innermost exception that still says something about the store (the cache wraps it). */
  private static Throwable rootish(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t && t.getClass().getName().startsWith("javax.cache")) {
      t = t.getCause();
    }
    return t;
  }

  /** Adds one to the counter (absent counts as 0). A class, not a lambda, as a processor shipped by name would be. */
  static final class Increment implements EntryProcessor<String, Long, Long>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Long process(MutableEntry<String, Long> entry, Object... arguments) {
      long next = entry.exists() ? entry.getValue() + 1 : 1;
      entry.setValue(next);
      return next;
    }
  }

  /** Says "holding" and never returns: its node keeps the key's Redis lock until the process dies. */
  static final class HoldForever implements EntryProcessor<String, Long, Long>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Long process(MutableEntry<String, Long> entry, Object... arguments) {
      line("holding");
      while (true) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException ignored) {
          // keep holding
        }
      }
    }
  }

  // ---- serve ----

  /** The serve loop's stdin, for {@link PausedSet} (which runs on the serve thread). */
  private static volatile BufferedReader pausedInput;

  /**
   * Sets the value given as its argument, but first prints "paused" and waits for a line on stdin: the node then
   * holds the key's Redis lock, and the parent decides when the write goes out.
   */
  static final class PausedSet implements EntryProcessor<String, String, Object>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object process(MutableEntry<String, String> entry, Object... arguments) {
      line("paused");
      try {
        String go = pausedInput.readLine();
        if (!"continue".equals(go)) {
          throw new IllegalStateException("expected continue, got " + go);
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      entry.setValue((String) arguments[0]);
      return null;
    }
  }

  private static void serve(Cache<String, String> cache, BufferedReader stdin) throws IOException {
    NearCacheTier<?> tier = nearCache(cache);
    line("ready");
    String command;
    while ((command = stdin.readLine()) != null) {
      String[] parts = command.split(" ", 3);
      long start = System.nanoTime();
      try {
        switch (parts[0]) {
          case "get": {
            String value = cache.get(parts[1]);
            line(value == null ? "null" : "value " + value);
            break;
          }
          case "put":
            cache.put(parts[1], parts[2]);
            line("ok");
            break;
          case "put-paused": {
            pausedInput = stdin;
            cache.invoke(parts[1], new PausedSet(), parts[2]);
            line("ok");
            break;
          }
          case "near":
            line(tier.local().get(parts[1]) != null ? "near yes" : "near no");
            break;
          case "stats": {
            RemoteMetrics m = tier.metrics();
            line("stats coherent=" + tier.coherent() + " remoteHits=" + m.remoteHits() + " remoteMisses="
                + m.remoteMisses() + " invalidationsReceived=" + m.invalidationsReceived() + " nearCacheDrops="
                + m.nearCacheDrops() + " disconnects=" + m.disconnects() + " failures=" + m.failures());
            break;
          }
          case "quit":
            line("bye");
            return;
          default:
            line("error 0 unknown command " + command);
        }
      } catch (RuntimeException e) {
        line("error " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " " + oneLine(rootish(e)));
      }
    }
  }
}

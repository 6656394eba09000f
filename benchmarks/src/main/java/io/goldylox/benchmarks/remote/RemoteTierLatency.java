package io.goldylox.benchmarks.remote;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.RemoteConfig;
import io.goldylox.redis.LocalRedisServer;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.remote.RemoteMetrics;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import io.goldylox.benchmarks.engines.Machine;
import io.goldylox.benchmarks.remote.RemoteLatencyReport.Row;
import io.goldylox.benchmarks.remote.SlicedMeasurement.Contender;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.HdrHistogram.Histogram;

/**
 * What the shared Redis tier costs, against the floor and a peer (issue: remote tier). Starts a
 * {@code redis-server} of its own on a free loopback port, then, single-threaded, closed loop, every call timed with
 * {@link System#nanoTime()} into an HdrHistogram; 10,000 {@code String} keys drawn uniformly, 100-character
 * {@code String} values, caches by reference ({@code storeByValue(false)}) so that the tier is measured and not a
 * copy:
 * <ul>
 *   <li>{@code near hit}: a get served by the near cache (the Goldylox cache with a remote tier, every key local
 *   after the fill), against {@code local only}: the same get on an identical cache without a remote tier;</li>
 *   <li>{@code remote hit}: a get that misses locally and reads Redis: the near cache is bounded to
 *   {@value #SMALL_NEAR} entries and keys are uniform over the 10,000, so nearly every get goes to Redis (the row's
 *   note gives the measured fraction); it includes the fill of the near copy;</li>
 *   <li>{@code put}: a put of an existing key, with a new value, with the remote tier (a plain put on an eternal
 *   cache: one script that sets and announces unless another node holds the key's lock, one round trip);</li>
 *   <li>{@code raw Lettuce GET/SET}: Lettuce's synchronous API with {@code ByteArrayCodec}, the same key and value
 *   sizes: the floor;</li>
 *   <li>Redisson's JCache ({@code org.redisson.jcache.JCachingProvider}, no near cache, its default codec) get and
 *   put;</li>
 *   <li>{@code invalidation lag}: two nodes (two cache managers) in this JVM; node A puts, node B, which holds the
 *   old value in its near cache, polls get until it sees the new one: the time from A's put returning to B's get
 *   returning the new value.</li>
 * </ul>
 * Compared scenarios run interleaved, in alternating slices (near hit with local only; the three reads; the three
 * writes), so that the drift of a shared machine falls on all of them alike; a full GC follows the fills. The
 * report adds the ratios the issue asks for. Closed loop: the tail is understated (coordinated omission), alike for
 * all. Writes Markdown to {@code --md FILE}, else {@code benchmarks/results/remote.md} (relative to the working
 * directory; {@code --smoke}: short runs, to {@code benchmarks/results/smoke/remote.md});
 * {@code -Dbench.scenarios=near,remote-hit,put,lettuce,redisson,lag} runs only some.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.goldylox.benchmarks.remote.RemoteTierLatency</pre>
 *
 * <p>Threads: everything runs on the main thread; the clients' I/O threads, Goldylox's near-cache workers and
 * redis-server share the machine with it.
 */
public final class RemoteTierLatency {

  static final String GOLDYLOX = "io.goldylox.spi.GoldyloxCachingProvider";
  static final String REDISSON = "org.redisson.jcache.JCachingProvider";
  static final int KEYS = 10_000;
  static final int VALUE_CHARS = 100;
  /** The near cache of the remote-hit scenario: 1% of the keys. */
  static final int SMALL_NEAR = 100;
  private static final int STREAM = 1 << 20;
  private static final int MASK = STREAM - 1;
  private static final Duration TIMEOUT = Duration.ofSeconds(1);
  /** The turn of each contender of an interleaved group of remote scenarios. */
  private static final long REMOTE_SLICE_MILLIS = 250;
  /**
   * Whether a full GC follows every fill ({@code -Dbench.gc=false}: not). Without it the near cache's entries,
   * allocated between Lettuce's buffers during the fill's round trips, lie scattered over the heap until a GC
   * moves them, and a near hit measured about 1.7-5x a local-only hit, from memory locality alone (the compiled
   * code of the two is the same); a local-only fill allocates its entries side by side.
   */
  private static final boolean GC_AFTER_FILL = !"false".equals(System.getProperty("bench.gc"));

  private final boolean smoke;
  private final long warmupNanos;
  private final long measureNanos;
  private final int lagRounds;
  private final String[] keys = new String[KEYS];
  private final String[] values = new String[KEYS];
  private final String[] others = new String[KEYS];
  private final byte[][] rawKeys = new byte[KEYS][];
  private final byte[][] rawValues = new byte[KEYS][];
  private final byte[][] rawOthers = new byte[KEYS][];
  private final int[] stream = new int[STREAM];
  /** The rows and notes measured, and the markdown made of them. */
  private final RemoteLatencyReport report = new RemoteLatencyReport();
  /** Measures the groups of remote scenarios interleaved. */
  private final SlicedMeasurement slices;
  private final List<CacheManager> managers = new ArrayList<>();
  private String redisUri;
  /** Node a's cache with the remote tier (near hit, then put). */
  private Cache<String, String> nearCache;

  RemoteTierLatency(boolean smoke) {
    this.smoke = smoke;
    this.warmupNanos = TimeUnit.MILLISECONDS.toNanos(smoke ? 200 : 2_000);
    this.measureNanos = TimeUnit.MILLISECONDS.toNanos(smoke ? 500 : 5_000);
    this.lagRounds = smoke ? 100 : 2_000;
    this.slices = new SlicedMeasurement(stream, warmupNanos, measureNanos,
        TimeUnit.MILLISECONDS.toNanos(smoke ? 50 : REMOTE_SLICE_MILLIS), this::add);
    for (int i = 0; i < KEYS; i++) {
      keys[i] = String.format(Locale.ROOT, "key:%05d", i);
      values[i] = value("a", i);
      others[i] = value("b", i);
      rawKeys[i] = ("raw:" + keys[i]).getBytes(StandardCharsets.UTF_8);
      rawValues[i] = values[i].getBytes(StandardCharsets.UTF_8);
      rawOthers[i] = others[i].getBytes(StandardCharsets.UTF_8);
    }
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < STREAM; i++) {
      stream[i] = random.nextInt(KEYS);
    }
  }

  /** A {@value #VALUE_CHARS}-character value, different per key and per {@code variant}. */
  private static String value(String variant, int i) {
    StringBuilder text = new StringBuilder(VALUE_CHARS).append("value-").append(variant).append('-').append(i)
        .append('-');
    while (text.length() < VALUE_CHARS) {
      text.append((char) ('a' + (text.length() * 7 + i) % 26));
    }
    return text.toString();
  }

  public static void main(String[] args) throws Exception {
    List<String> flags = List.of(args);
    boolean smoke = flags.contains("--smoke");
    Path out = null;
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--md")) {
        out = Path.of(args[i + 1]);
      }
    }
    if (out == null) {
      Path results = Path.of("benchmarks", "results");
      out = (smoke ? results.resolve("smoke") : results).resolve("remote.md");
    }
    String markdown = new RemoteTierLatency(smoke).run(args);
    System.out.println();
    System.out.println(markdown);
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Files.writeString(out, markdown);
    System.out.println("Wrote " + out.toAbsolutePath());
  }

  String run(String[] args) throws Exception {
    String loadBefore = Machine.loadAverage();
    Instant date = Instant.now();
    try (LocalRedisServer redis = LocalRedisServer.start()) {
      redisUri = redis.uri();
      System.out.println("# redis-server on " + redisUri);
      try {
        if (selected("near")) {
          nearHitAndLocalOnly();
        }
        remoteGroups();
        if (selected("lag")) {
          invalidationLag();
        }
      } finally {
        for (CacheManager manager : managers) {
          manager.close();
        }
      }
    }
    return markdown(args, date, loadBefore);
  }

  // ---------------------------------------------------------------------------------------------------- scenarios

  static final List<String> SCENARIOS = List.of("near", "remote-hit", "put", "lettuce", "redisson", "lag");

  /** {@code -Dbench.scenarios=near,put,...} runs only those (default: all of {@link #SCENARIOS}). */
  private static boolean selected(String scenario) {
    String only = System.getProperty("bench.scenarios");
    if (only == null) {
      return true;
    }
    List<String> chosen = List.of(only.split(","));
    if (!SCENARIOS.containsAll(chosen)) {
      throw new IllegalArgumentException("bench.scenarios=" + only + ": expected some of " + SCENARIOS);
    }
    return chosen.contains(scenario);
  }

  private CachingProvider goldylox() {
    return Caching.getCachingProvider(GOLDYLOX);
  }

  /** A cache manager standing for one node of the fleet (its own near caches and Redis connections). */
  private CacheManager node(String name) {
    CacheManager manager = goldylox().getCacheManager(URI.create("urn:goldylox:bench-" + name),
        RemoteTierLatency.class.getClassLoader());
    managers.add(manager);
    return manager;
  }

  private RemoteConfig remote(String prefix) {
    return RemoteConfig.builder(redisUri).keyPrefix(prefix).timeout(TIMEOUT).lockWait(TIMEOUT).build();
  }

  private static RemoteMetrics metrics(Cache<?, ?> cache) {
    return ((NearCacheTier<?>) cache.unwrap(GoldyloxCache.class).tier()).metrics();
  }

  private void fill(Cache<String, String> cache) {
    for (int i = 0; i < KEYS; i++) {
      cache.put(keys[i], values[i]);
    }
  }

  /** A full GC after a fill, so that every scenario starts from a compacted heap (see {@link #GC_AFTER_FILL}). */
  private static void settle() {
    if (GC_AFTER_FILL) {
      System.gc();
    }
  }

  /**
   * Near hit and local only, interleaved: slices of 100 ms alternate between the two caches, each loop calling
   * {@code get} directly (no lambda between the timer and the call) on a call site that only ever sees
   * {@code GoldyloxCache}.
   */
  private void nearHitAndLocalOnly() {
    Cache<String, String> local = node("local-only").createCache("local-only",
        GoldyloxConfiguration.builder(String.class, String.class).storeByValue(false).build());
    Cache<String, String> near = node("a").createCache("near",
        GoldyloxConfiguration.builder(String.class, String.class).storeByValue(false)
            .remote(remote("bench:near:")).build());
    nearCache = near;
    fill(local);
    fill(near);
    int[] position = {0};
    if (GC_AFTER_FILL) {
      // The same comparison on the heap as the fills left it, before the GC, for the record (shorter).
      Row[] before = interleaved(local, near, position, warmupNanos / 2, measureNanos / 2);
      report.note(String.format(Locale.ROOT, "Before the full GC that follows the fills, the same interleaved "
              + "comparison (%d ms) gave near hit p50 %s µs, %,.0f ops/s against local only p50 %s µs, %,.0f ops/s "
              + "(%.2fx the time per get): the near cache's entries, allocated between Lettuce's buffers during "
              + "the fill's round trips, lie scattered over the heap until a GC moves them together; the compiled "
              + "code of the two gets is the same (checked with -XX:+PrintInlining)",
          TimeUnit.NANOSECONDS.toMillis(measureNanos / 2), RemoteLatencyReport.micros(before[0].p50()), before[0].opsPerSecond(),
          RemoteLatencyReport.micros(before[1].p50()), before[1].opsPerSecond(), before[0].meanNanos() / before[1].meanNanos()));
      settle();
    }
    Row[] rows = interleaved(local, near, position, warmupNanos, measureNanos);
    add(rows[0]);
    add(rows[1]);
  }

  /** Near hit and local only measured in alternating slices; returns {near, local}. */
  private Row[] interleaved(Cache<String, String> local, Cache<String, String> near, int[] position, long warmup,
      long measurement) {
    long slice = TimeUnit.MILLISECONDS.toNanos(smoke ? 50 : 100);
    for (long spent = 0; spent < warmup; spent += 2 * slice) {
      getSlice(local, null, slice, position);
      getSlice(near, null, slice, position);
    }
    RemoteMetrics metrics = metrics(near);
    long tripsBefore = metrics.roundTrips();
    Histogram localHistogram = new Histogram(3);
    Histogram nearHistogram = new Histogram(3);
    long localNanos = 0;
    long nearNanos = 0;
    long localMisses = 0;
    long nearMisses = 0;
    for (long spent = 0; spent < measurement; spent += slice) {
      long start = System.nanoTime();
      localMisses += getSlice(local, localHistogram, slice, position);
      long middle = System.nanoTime();
      nearMisses += getSlice(near, nearHistogram, slice, position);
      localNanos += middle - start;
      nearNanos += System.nanoTime() - middle;
    }
    long trips = metrics.roundTrips() - tripsBefore;
    if (localMisses != 0 || nearMisses != 0) {
      throw new IllegalStateException("gets missed: local only " + localMisses + ", near " + nearMisses);
    }
    return new Row[] {
        new Row("near hit", "goldylox + redis tier", nearHistogram, rate(nearHistogram, nearNanos),
            String.format(Locale.ROOT, "%,d round trips to Redis during the %,d gets", trips,
                nearHistogram.getTotalCount())),
        new Row("local only", "goldylox, no remote tier", localHistogram, rate(localHistogram, localNanos),
            "the same get on an identical cache without the remote block; interleaved with near hit in "
                + TimeUnit.NANOSECONDS.toMillis(slice) + " ms slices")};
  }

  /** Gets for {@code nanos} (recorded unless {@code histogram} is null); returns the number of misses. */
  private long getSlice(Cache<String, String> cache, Histogram histogram, long nanos, int[] position) {
    int p = position[0];
    long misses = 0;
    long end = System.nanoTime() + nanos;
    long now;
    do {
      String key = keys[stream[p++ & MASK]];
      long start = System.nanoTime();
      String value = cache.get(key);
      now = System.nanoTime();
      if (histogram != null) {
        histogram.recordValue(now - start);
      }
      if (value == null) {
        misses++;
      }
    } while (now < end);
    position[0] = p;
    return misses;
  }

  /**
   * The remote scenarios in two groups, reads (remote hit, raw GET, Redisson get) and writes (put, raw SET,
   * Redisson put), each measured interleaved: the group's contenders take turns in slices, so that the drift of
   * a shared machine falls on all of them alike and the ratios stay fair.
   */
  private void remoteGroups() throws Exception {
    List<Contender> reads = new ArrayList<>();
    List<Contender> writes = new ArrayList<>();
    List<AutoCloseable> toClose = new ArrayList<>();
    try {
      if (selected("remote-hit")) {
        reads.add(remoteHit());
      }
      if (selected("put")) {
        writes.add(put());
      }
      if (selected("lettuce")) {
        rawLettuce(reads, writes, toClose);
      }
      if (selected("redisson")) {
        redisson(reads, writes, toClose);
      }
      settle();
      slices.run(reads);
      slices.run(writes);
    } finally {
      for (int i = toClose.size() - 1; i >= 0; i--) {
        toClose.get(i).close();
      }
    }
  }

  private Contender remoteHit() {
    Cache<String, String> cache = node("b").createCache("miss",
        GoldyloxConfiguration.builder(String.class, String.class).storeByValue(false).heapMaxEntries(SMALL_NEAR)
            .remote(remote("bench:miss:")).build());
    fill(cache);
    RemoteMetrics metrics = metrics(cache);
    return new Contender(index -> {
      if (cache.get(keys[index]) == null) {
        throw new IllegalStateException("remote hit: a get of " + keys[index] + " found nothing");
      }
    }, metrics::remoteHits, measured -> new Row("remote hit", "goldylox + redis tier", measured.histogram(),
        measured.rate(), String.format(Locale.ROOT, "near cache bounded to %d of %,d entries, uniform keys: "
            + "%.1f%% of the gets went to Redis (%,d remote hits); includes filling the near copy", SMALL_NEAR,
        KEYS, 100.0 * measured.counted() / measured.histogram().getTotalCount(), measured.counted())));
  }

  private Contender put() {
    if (nearCache == null) {
      nearCache = node("a").createCache("near", GoldyloxConfiguration.builder(String.class, String.class)
          .storeByValue(false).remote(remote("bench:near:")).build());
      fill(nearCache);
    }
    Cache<String, String> cache = nearCache;
    RemoteMetrics metrics = metrics(cache);
    boolean[] flipped = new boolean[KEYS]; // every put changes the key's value (an equal one is not a change)
    return new Contender(index -> cache.put(keys[index], (flipped[index] = !flipped[index]) ? others[index]
        : values[index]), metrics::roundTrips, measured -> new Row("put", "goldylox + redis tier",
        measured.histogram(), measured.rate(), String.format(Locale.ROOT, "existing keys, each put a new value; "
            + "%.2f round trips per put (a plain put: one set-and-announce script unless the key is locked)",
        measured.counted() / (double) measured.histogram().getTotalCount())));
  }

  private void rawLettuce(List<Contender> reads, List<Contender> writes, List<AutoCloseable> toClose) {
    RedisClient client = RedisClient.create(RedisURI.create(redisUri));
    toClose.add(client::shutdown);
    StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
    toClose.add(connection);
    RedisCommands<byte[], byte[]> sync = connection.sync();
    for (int i = 0; i < KEYS; i++) {
      sync.set(rawKeys[i], rawValues[i]);
    }
    reads.add(new Contender(index -> {
      if (sync.get(rawKeys[index]) == null) {
        throw new IllegalStateException("raw GET: " + keys[index] + " is missing");
      }
    }, null, measured -> new Row("raw Lettuce GET", "lettuce sync, ByteArrayCodec", measured.histogram(),
        measured.rate(), String.format(Locale.ROOT, "%d-byte keys, %d-byte values: the floor of a remote hit",
        rawKeys[0].length, rawValues[0].length))));
    boolean[] flipped = new boolean[KEYS];
    writes.add(new Contender(index -> sync.set(rawKeys[index], (flipped[index] = !flipped[index])
        ? rawOthers[index] : rawValues[index]), null, measured -> new Row("raw Lettuce SET",
        "lettuce sync, ByteArrayCodec", measured.histogram(), measured.rate(), "existing keys: the floor of a put")));
  }

  private void redisson(List<Contender> reads, List<Contender> writes, List<AutoCloseable> toClose) {
    try {
      CachingProvider provider = Caching.getCachingProvider(REDISSON);
      org.redisson.config.Config config = new org.redisson.config.Config();
      config.useSingleServer().setAddress("redis://127.0.0.1:" + URI.create(redisUri).getPort())
          .setConnectionMinimumIdleSize(1).setConnectionPoolSize(4)
          .setSubscriptionConnectionMinimumIdleSize(1).setSubscriptionConnectionPoolSize(2);
      MutableConfiguration<String, String> jcache = new MutableConfiguration<String, String>()
          .setTypes(String.class, String.class).setStoreByValue(false);
      CacheManager manager = provider.getCacheManager(URI.create("urn:redisson:bench"),
          RemoteTierLatency.class.getClassLoader());
      toClose.add(manager);
      Cache<String, String> cache = manager.createCache("redisson-bench",
          org.redisson.jcache.configuration.RedissonConfiguration.fromConfig(config, jcache));
      fill(cache);
      String system = "redisson " + RemoteLatencyReport.mavenVersion("org.redisson", "redisson") + " JCache";
      reads.add(new Contender(index -> {
        if (cache.get(keys[index]) == null) {
          throw new IllegalStateException("Redisson get: " + keys[index] + " is missing");
        }
      }, null, measured -> new Row("get (remote)", system, measured.histogram(), measured.rate(),
          "Redisson's JCache, no near cache, its default codec (" + codecName(config) + ")")));
      boolean[] flipped = new boolean[KEYS];
      writes.add(new Contender(index -> cache.put(keys[index], (flipped[index] = !flipped[index])
          ? others[index] : values[index]), null, measured -> new Row("put", system, measured.histogram(),
          measured.rate(), "existing keys, each put a new value")));
    } catch (RuntimeException | LinkageError e) {
      report.note("Redisson's JCache could not be measured: " + e);
      e.printStackTrace();
    }
  }

  private static String codecName(org.redisson.config.Config config) {
    Object codec = config.getCodec();
    return codec == null ? "Kryo5Codec" : codec.getClass().getSimpleName();
  }

  /**
   * Node A puts, node B (holding the old value near) polls get until it sees the new one; the time from A's put
   * returning to B's get returning the new value.
   */
  private void invalidationLag() throws InterruptedException {
    GoldyloxConfiguration<String, String> configuration = GoldyloxConfiguration.builder(String.class, String.class)
        .storeByValue(false).remote(remote("bench:lag:")).build();
    Cache<String, String> a = node("lag-a").createCache("lag", configuration);
    Cache<String, String> b = node("lag-b").createCache("lag", configuration);
    RemoteMetrics bMetrics = metrics(b);
    int warmup = smoke ? 20 : 200;
    Histogram histogram = new Histogram(3);
    long seenAtFirstGet = 0;
    long notNear = 0;
    long polls = 0;
    long started = 0;
    for (int round = -warmup; round < lagRounds; round++) {
      if (round == 0) {
        started = System.nanoTime();
      }
      int index = Math.floorMod(round, KEYS);
      String key = keys[index];
      a.put(key, values[index]);
      // B reads the old value (a remote hit that fills its near copy), then checks that it is served near.
      if (!nearCopy(b, bMetrics, key, values[index])) {
        notNear++;
      }
      a.put(key, others[index]);
      long put = System.nanoTime();
      long deadline = put + TimeUnit.SECONDS.toNanos(5);
      int poll = 0;
      while (true) {
        String seen = b.get(key);
        long now = System.nanoTime();
        poll++;
        if (others[index].equals(seen)) {
          if (round >= 0) {
            histogram.recordValue(now - put);
            polls += poll;
            if (poll == 1) {
              seenAtFirstGet++;
            }
          }
          break;
        }
        if (now > deadline) {
          throw new IllegalStateException("node B did not see node A's put of " + key + " within 5 s");
        }
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    add(new Row("invalidation lag", "goldylox, node A put -> node B get", histogram, histogram.getTotalCount()
        / seconds, String.format(Locale.ROOT, "%,d rounds (ops/s here: rounds per second, each 2 puts + B's "
            + "reads); B held the old value near in %,d of %,d rounds; B's first get already saw the new value "
            + "in %,d rounds; %.1f gets polled per round", histogram.getTotalCount(),
            histogram.getTotalCount() - Math.min(notNear, histogram.getTotalCount()), histogram.getTotalCount(),
            seenAtFirstGet, polls / (double) Math.max(1, histogram.getTotalCount()))));
  }

  /** Reads {@code key} on {@code b} until it returns {@code expected} with no round trip (served near). */
  private static boolean nearCopy(Cache<String, String> b, RemoteMetrics metrics, String key, String expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      String seen = b.get(key);
      long trips = metrics.roundTrips();
      if (expected.equals(seen) && expected.equals(b.get(key)) && metrics.roundTrips() == trips) {
        return true;
      }
      Thread.sleep(0, 100_000);
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------------- harness

  private static double rate(Histogram histogram, long nanos) {
    return histogram.getTotalCount() / (nanos / 1e9);
  }

  private void add(Row row) {
    report.add(row);
  }

  private String markdown(String[] args, Instant date, String loadBefore) {
    StringBuilder md = new StringBuilder();
    md.append("# Remote (Redis) tier: latency against the floor and Redisson\n\n");
    md.append("A run of `io.goldylox.benchmarks.remote.RemoteTierLatency`").append(smoke ? " (**smoke: numbers "
        + "mean nothing**)" : "").append(".\n\n");
    md.append("- Date: ").append(date).append('\n');
    md.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores (")
        .append(Machine.cpuModel()).append("), ").append(Machine.os())
        .append("; shared with other jobs; redis-server, the client's I/O threads and the benchmark thread share "
            + "these cores\n");
    md.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append("; max heap ")
        .append(Runtime.getRuntime().maxMemory() / (1024 * 1024)).append(" MiB\n");
    md.append("- Redis: ").append(LocalRedisServer.version()).append(", its own process on a loopback port, no "
        + "persistence\n");
    md.append("- Load average (1, 5, 15 min): ").append(loadBefore).append(" at start, ").append(Machine.loadAverage())
        .append(" at the end\n");
    md.append("- Command: `java -cp benchmarks/target/benchmarks.jar ").append(getClass().getName())
        .append(args.length == 0 ? "" : " " + String.join(" ", args)).append("`\n");
    md.append("- Workload: one thread, closed loop, ").append(String.format(Locale.ROOT, "%,d", KEYS))
        .append(" `String` keys (`key:00000`…) drawn uniformly, ").append(VALUE_CHARS)
        .append("-character `String` values, caches by reference (`storeByValue(false)`); ")
        .append(GC_AFTER_FILL ? "a full GC (`System.gc()`) after each fill; " : "no GC after the fills "
            + "(`-Dbench.gc=false`); ")
        .append("each scenario warmed up ")
        .append(TimeUnit.NANOSECONDS.toMillis(warmupNanos)).append(" ms, then measured ")
        .append(TimeUnit.NANOSECONDS.toMillis(measureNanos)).append(" ms, interleaved with the scenarios it is "
            + "compared with (near hit with local only in 100 ms slices; the reads, and the writes, in ")
        .append(REMOTE_SLICE_MILLIS).append(" ms slices); invalidation lag: ").append(lagRounds)
        .append(" rounds. Goldylox's remote tier: Lettuce ").append(RemoteLatencyReport.lettuceVersion())
        .append(", timeout ").append(TIMEOUT.toMillis()).append(" ms, Java serialization of the values\n\n");
    report.appendTableAndRatios(md);
    return md.toString();
  }
}

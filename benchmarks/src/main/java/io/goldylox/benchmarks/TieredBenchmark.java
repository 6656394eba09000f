package io.goldylox.benchmarks;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;

/**
 * Tiered caches whose working set is 10× the heap tier: {@value #KEYS_TOTAL} keys over a heap of
 * {@value #HEAP_ENTRIES} entries. Variants:
 * <ul>
 *   <li>{@code goldylox 3-tier}: {@code GoldyloxConfiguration} heap {@value #HEAP_ENTRIES} entries + off-heap
 *   {@value #OFF_HEAP_MB} MB + disk {@value #DISK_MB} MB in a temporary directory (Fory below the heap, the
 *   default);</li>
 *   <li>{@code goldylox-java 3-tier}: the same with {@code goldylox.serializer=java};</li>
 *   <li>{@code ehcache 3-tier}: Ehcache heap + offheap + disk of the same sizes, configured through its JCache URI
 *   with {@code ehcache-tiered.xml} (a resource of this jar; its persistence directory is a temporary directory
 *   given as a system property);</li>
 *   <li>{@code goldylox heap-only}: heap bounded to {@value #HEAP_ENTRIES} entries and nothing below, so leaving
 *   the heap is eviction (what the lower tiers are measured against).</li>
 * </ul>
 * The cache is filled with every key first (by reference: the heap holds the caller's objects, the lower tiers
 * bytes). Then, per key distribution (zipf, uniform) and thread count (1, 2): {@code get} used cache-aside (a miss
 * is followed by a put of the value, as an application would load it), reporting gets per second and the hit
 * rate; then {@code put} of present keys, puts per second. Each phase runs {@value #WARMUP_MILLIS} ms of warmup and
 * {@value #MEASURE_MILLIS} ms measured, all threads measuring the same wall-clock window and counting their own
 * operations. Not JMH: the hit rate is a result as much as the speed, and the disk directories must be made and
 * removed around each cache. Runs in its own JVM ({@link ChildJvm}); single caller threads besides the caches'
 * own background threads.
 */
public final class TieredBenchmark {

  static final int KEYS_TOTAL = KeyStream.KEYS;
  static final int HEAP_ENTRIES = KeyStream.KEYS / 10;
  static final int OFF_HEAP_MB = 8;
  static final int DISK_MB = 128;
  static final String EHCACHE_XML = "/ehcache-tiered.xml";
  static final String EHCACHE_DIR_PROPERTY = "goldylox.bench.ehcache.dir";
  private static final int WARMUP_MILLIS = 2_000;
  private static final int MEASURE_MILLIS = 3_000;
  private static final List<String> VARIANTS =
      List.of("goldylox 3-tier", "goldylox-java 3-tier", "ehcache 3-tier", "goldylox heap-only");

  private final boolean smoke;
  private final Long[] keys = new Long[KeyStream.KEYS];
  private final Payload[] values = new Payload[KeyStream.KEYS];
  private final List<String> rows = new ArrayList<>();
  /** (variant, distribution, threads) to {get ops/s, put ops/s}, for the ratios. */
  private final Map<String, double[]> scores = new LinkedHashMap<>();

  TieredBenchmark(boolean smoke) {
    this.smoke = smoke;
    for (int i = 0; i < KeyStream.KEYS; i++) {
      keys[i] = (long) i;
      values[i] = new Payload(i);
    }
  }

  public static void main(String[] args) throws Exception {
    boolean smoke = List.of(args).contains("--smoke");
    String markdown = new TieredBenchmark(smoke).run();
    System.out.println(markdown);
    Path out = ChildJvm.markdownFile(args, smoke, "tiered.md");
    LatencyBenchmark.write(out.toAbsolutePath(), markdown);
    System.out.println("Wrote " + out.toAbsolutePath());
  }

  String run() throws Exception {
    // -Dbench.variants=goldylox-java 3-tier,ehcache 3-tier measures only those (for a quick look or a profile; the
    // suite runs all). Ratios need the ehcache variant in the same run.
    String only = System.getProperty("bench.variants");
    List<String> variants = only == null ? VARIANTS : List.of(only.split(","));
    for (String variant : variants) {
      Path directory = Files.createTempDirectory("goldylox-bench-tiered");
      try (BenchCache cache = open(variant, directory)) {
        for (int i = 0; i < KeyStream.KEYS; i++) {
          cache.put(keys[i], values[i]);
        }
        int afterFill = cache.countPresent(keys);
        for (String distribution : new String[] {"zipf", "uniform"}) {
          int[] stream = KeyStream.indices(distribution);
          for (int threads : new int[] {1, 2}) {
            long[] get = measure(cache, stream, threads, false);
            long[] put = measure(cache, stream, threads, true);
            double seconds = measureMillis() / 1000.0;
            double gets = get[0] / seconds;
            double puts = put[0] / seconds;
            scores.put(variant + "|" + distribution + "|" + threads, new double[] {gets, puts});
            String row = String.format(Locale.ROOT, "| %s | %s | %d | %s | %.2f%% | %s | %,d |", variant,
                distribution, threads, millions(gets), 100.0 * get[1] / Math.max(1, get[0]), millions(puts),
                afterFill);
            rows.add(row);
            System.out.println(row);
          }
        }
      } finally {
        LatencyBenchmark.deleteRecursively(directory);
      }
    }
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "## Tiered: working set %,d keys = 10× the heap tier (%,d entries), "
        + "off-heap %d MB, disk %d MB%n%n", KEYS_TOTAL, HEAP_ENTRIES, OFF_HEAP_MB, DISK_MB));
    md.append("Gets are cache-aside (a miss is followed by a put); puts update present keys. By reference; the "
        + "lower tiers serialize (Fory, or Java serialization for `goldylox-java`). Millions of operations per second.\n\n");
    md.append("| variant | keys | threads | get M ops/s | get hit rate | put M ops/s | present after fill |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    rows.forEach(row -> md.append(row).append('\n'));
    md.append("\nRatio to `ehcache 3-tier` (same keys and threads; >1 means faster than Ehcache):\n\n");
    md.append("| variant | keys | threads | get | put |\n|---|---|---|---|---|\n");
    for (String variant : variants) {
      if (variant.startsWith("ehcache") || !variants.contains("ehcache 3-tier")) {
        continue;
      }
      for (String distribution : new String[] {"zipf", "uniform"}) {
        for (int threads : new int[] {1, 2}) {
          double[] mine = scores.get(variant + "|" + distribution + "|" + threads);
          double[] ehcache = scores.get("ehcache 3-tier|" + distribution + "|" + threads);
          md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f× | %.2f× |%n", variant, distribution,
              threads, mine[0] / ehcache[0], mine[1] / ehcache[1]));
        }
      }
    }
    md.append('\n');
    return md.toString();
  }

  private int warmupMillis() {
    return smoke ? 0 : WARMUP_MILLIS;
  }

  private int measureMillis() {
    return smoke ? 200 : MEASURE_MILLIS;
  }

  /**
   * Runs one phase on {@code threads} threads; returns {operations, hits} counted in the measured window (hits
   * only for gets).
   */
  private long[] measure(BenchCache cache, int[] stream, int threads, boolean puts) throws InterruptedException {
    long[][] counts = new long[threads][2];
    CountDownLatch start = new CountDownLatch(1);
    long[] window = new long[2];
    List<Thread> workers = new ArrayList<>();
    Throwable[] failure = new Throwable[1];
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread worker = new Thread(() -> {
        try {
          start.await();
          long measureFrom = window[0];
          long measureTo = window[1];
          int position = id * (KeyStream.LENGTH / 2);
          long operations = 0;
          long hits = 0;
          boolean measuring = false;
          while (true) {
            if ((position & 63) == 0) {
              long now = System.nanoTime();
              if (now >= measureTo) {
                break;
              }
              if (!measuring && now >= measureFrom) {
                measuring = true;
                operations = 0;
                hits = 0;
              }
            }
            int index = stream[position++ & KeyStream.MASK];
            if (puts) {
              cache.put(keys[index], values[index].next());
            } else if (cache.get(keys[index]) != null) {
              hits++;
            } else {
              cache.put(keys[index], values[index].next());
            }
            operations++;
          }
          counts[id][0] = operations;
          counts[id][1] = hits;
        } catch (Throwable e) {
          synchronized (failure) {
            failure[0] = e;
          }
        }
      }, "tiered-" + t);
      worker.start();
      workers.add(worker);
    }
    long now = System.nanoTime();
    window[0] = now + warmupMillis() * 1_000_000L;
    window[1] = window[0] + measureMillis() * 1_000_000L;
    start.countDown(); // publishes window[] to the workers (happens-before through the latch)
    for (Thread worker : workers) {
      worker.join();
    }
    synchronized (failure) {
      if (failure[0] != null) {
        throw new IllegalStateException("a tiered benchmark thread failed", failure[0]);
      }
    }
    long operations = 0;
    long hits = 0;
    for (long[] count : counts) {
      operations += count[0];
      hits += count[1];
    }
    return new long[] {operations, hits};
  }

  private static String millions(double perSecond) {
    return String.format(Locale.ROOT, perSecond < 1e5 ? "%.3f" : "%.2f", perSecond / 1e6);
  }

  /** Opens a variant's cache; its disk files go under {@code directory}. */
  static BenchCache open(String variant, Path directory) throws IOException, URISyntaxException {
    switch (variant) {
      case "goldylox 3-tier":
      case "goldylox-java 3-tier":
        return Providers.open(variant.startsWith("goldylox-java") ? Providers.GOLDYLOX_JAVA : "goldylox", "tiered",
            GoldyloxConfiguration.builder(Long.class, Payload.class)
                .storeByValue(false)
                .heapMaxEntries(HEAP_ENTRIES)
                .offHeap(OFF_HEAP_MB, MemoryUnit.MB)
                .disk(directory.resolve("disk"), DISK_MB, MemoryUnit.MB)
                .build());
      case "goldylox heap-only":
        return Providers.openBounded("goldylox", HEAP_ENTRIES);
      case "ehcache 3-tier": {
        System.setProperty(EHCACHE_DIR_PROPERTY, directory.resolve("ehcache").toString());
        URL xml = TieredBenchmark.class.getResource(EHCACHE_XML);
        if (xml == null) {
          throw new IllegalStateException(EHCACHE_XML + " is missing from the class path");
        }
        CachingProvider provider = Caching.getCachingProvider(Providers.CLASS_NAMES.get("ehcache"));
        URI uri = xml.toURI();
        CacheManager manager = provider.getCacheManager(uri, TieredBenchmark.class.getClassLoader());
        Cache<Long, Payload> cache = manager.getCache("tiered", Long.class, Payload.class);
        if (cache == null) {
          manager.close();
          throw new IllegalStateException("Ehcache did not create the cache 'tiered' of " + uri);
        }
        return new JCacheBenchCache(manager, cache);
      }
      default:
        throw new IllegalArgumentException("Unknown tiered variant '" + variant + "': expected one of " + VARIANTS);
    }
  }
}

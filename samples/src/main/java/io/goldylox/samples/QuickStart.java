package io.goldylox.samples;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import io.goldylox.config.WriteBehindConfig;
import io.goldylox.samples.writebehind.JdbcOrderWriter;
import io.goldylox.samples.writebehind.OrdersTable;
import io.goldylox.stats.CacheStatistics;
import io.goldylox.tier.LowerTier;
import io.goldylox.tier.TieredTier;
import io.goldylox.writebehind.WriteBehindMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;

/**
 * The README's demo, on embedded defaults: a cache found through {@code Caching.getCachingProvider()} with three
 * tiers (a heap of {@code --heap-entries}, default 10,000; off-heap of {@code --off-heap-kib}, default 8 MiB; and
 * 256 MiB on disk) and write-behind into an embedded H2 database, everything in one temporary directory. It loads
 * {@code --entries} orders (default 100,000, about 160 bytes each: more than heap and off-heap hold, so every tier
 * gets some) with a progress line, reads them back, prints the tier sizes, the statistics and the write-behind lag
 * draining to 0, checks that the database holds exactly what the cache does, and removes the directory. A few
 * seconds in all.
 *
 * <p>Run it with {@code mvn -B -q -pl samples -am package exec:exec -DskipTests} (the exec plugin passes the JVM
 * flags Chronicle Queue, the write-behind journal, needs on Java 17: {@code ${chronicle.jvm.flags}} in the parent
 * pom). One thread does everything; the cache's own threads (the tier mover, the write-behind flusher) work behind
 * it.
 */
public final class QuickStart {

  /** The cache's name, and the H2 database's file name. */
  public static final String CACHE_NAME = "orders";

  private QuickStart() {}

  /** What to run. */
  public record Options(int entries, long heapEntries, long offHeapKib) {
    public Options {
      if (entries < 1) {
        throw new IllegalArgumentException("--entries must be at least 1, not " + entries);
      }
      if (heapEntries < 1) {
        throw new IllegalArgumentException("--heap-entries must be at least 1, not " + heapEntries);
      }
      if (offHeapKib < 64) {
        throw new IllegalArgumentException("--off-heap-kib must be at least 64, not " + offHeapKib);
      }
    }

    static final String USAGE = "Usage: QuickStart [--entries N] [--heap-entries N] [--off-heap-kib N]";

    /** Reads {@code [--entries N] [--heap-entries N] [--off-heap-kib N]}. */
    public static Options parse(String... args) {
      int entries = 100_000;
      long heap = 10_000;
      long offHeapKib = 8 * 1024;
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a number. " + USAGE);
        }
        long value;
        try {
          value = Long.parseLong(args[i + 1].replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(args[i] + " needs a number, not \"" + args[i + 1] + "\". " + USAGE);
        }
        switch (args[i]) {
          case "--entries" -> entries = Math.toIntExact(value);
          case "--heap-entries" -> heap = value;
          case "--off-heap-kib" -> offHeapKib = value;
          default -> throw new IllegalArgumentException("Unknown option " + args[i] + ". " + USAGE);
        }
      }
      return new Options(entries, heap, offHeapKib);
    }
  }

  public static void main(String[] args) throws Exception {
    run(System.out, Options.parse(args));
  }

  /** A description of order {@code id}, about 160 characters, the same every time. */
  public static String describe(long id) {
    long cents = 500 + id % 50_000;
    return "order " + id + ": customer C-" + (10_000 + id % 89_989) + ", " + (1 + id % 7) + " x item-"
        + (1_000 + id % 8_999) + " at " + cents / 100 + "." + (cents % 100 < 10 ? "0" : "") + cents % 100
        + " EUR, ship to warehouse " + (char) ('A' + id % 26) + ", status " + STATUS.get((int) (id % STATUS.size()))
        + ", notes: leave at the loading dock if nobody answers";
  }

  private static final List<String> STATUS = List.of("NEW", "PAID", "PACKED", "SHIPPED");

  /** Runs the demo, printing to {@code out}; returns what it found, for the test. */
  public static Summary run(PrintStream out, Options options) throws Exception {
    Path dir = Files.createTempDirectory("goldylox-quickstart-");
    try {
      return run(out, options, dir);
    } finally {
      deleteRecursively(dir);
      out.println("Removed " + dir);
    }
  }

  /** What the demo found. */
  public record Summary(long hits, long misses, long heapEntries, long offHeapEntries, long diskEntries,
      long cacheEntries, long rows, long delivered) {}

  private static Summary run(PrintStream out, Options options, Path dir) throws Exception {
    int entries = options.entries();
    OrdersTable table = OrdersTable.h2File(dir, CACHE_NAME);
    table.create();

    CachingProvider provider = Caching.getCachingProvider();
    out.println("Provider: " + provider.getClass().getName());
    GoldyloxConfiguration<Long, String> configuration = GoldyloxConfiguration.builder(Long.class, String.class)
        .statistics(true)
        .heapMaxEntries(options.heapEntries())
        .offHeap(options.offHeapKib(), MemoryUnit.KB)
        .disk(dir.resolve("disk"), 256, MemoryUnit.MB)
        .writeBehind(WriteBehindConfig.builder()
            .writer(new JdbcOrderWriter.Factory(table))
            .journal(dir.resolve("journal"))
            .batchSize(1_000)
            .maxDelay(Duration.ofMillis(50))
            .build())
        .build();
    out.printf("Cache '%s' in %s:%n  heap %,d entries, off-heap %s, disk %s (256 MiB)%n"
            + "  write-behind through the journal %s into H2 %s%n",
        CACHE_NAME, dir, options.heapEntries(), kib(options.offHeapKib()), dir.resolve("disk"),
        dir.resolve("journal"), table.url());

    try (CacheManager manager = provider.getCacheManager()) {
      Cache<Long, String> orders = manager.createCache(CACHE_NAME, configuration);
      GoldyloxCache<?, ?> goldylox = orders.unwrap(GoldyloxCache.class);
      TieredTier<?> tiers = (TieredTier<?>) goldylox.tier();
      WriteBehindMetrics writeBehind = goldylox.writeBehind().metrics();

      long start = System.nanoTime();
      int step = Math.max(1, entries / 10);
      for (long id = 0; id < entries; id++) {
        orders.put(id, describe(id));
        if ((id + 1) % step == 0 || id + 1 == entries) {
          out.printf("  loaded %,9d / %,d entries   write-behind lag %,d%n", id + 1, entries,
              writeBehind.journalLag());
        }
      }
      double putSeconds = (System.nanoTime() - start) / 1e9;
      out.printf("Put %,d entries in %.2f s (%,.0f puts/s; the puts never waited for H2)%n",
          entries, putSeconds, entries / putSeconds);

      int absent = Math.max(1, entries / 10);
      start = System.nanoTime();
      long found = 0;
      long wrong = 0;
      for (long id = 0; id < entries + absent; id++) {
        String value = orders.get(id);
        if (value != null) {
          found++;
          if (!value.equals(describe(id))) {
            wrong++;
          }
        }
      }
      double getSeconds = (System.nanoTime() - start) / 1e9;
      out.printf("Read %,d keys (%,d of them never written) in %.2f s (%,.0f gets/s): %,d found, %,d wrong%n",
          entries + absent, absent, getSeconds, (entries + absent) / getSeconds, found, wrong);

      // The tier mover promotes what was just read from below and demotes to keep the heap bounded; let it
      // settle so that the sizes printed add up.
      long cacheEntries = settledSize(tiers);
      List<? extends LowerTier<?>> lowers = tiers.lowerTiers();
      long heapEntries = tiers.heapSize();
      long offHeapEntries = lowers.get(0).size();
      long diskEntries = lowers.get(1).size();
      out.printf("Tiers: heap %,d entries | off-heap %,d entries (%s of %s) | disk %,d entries (%s)%n",
          heapEntries, offHeapEntries, mib(lowers.get(0).bytesUsed()), mib(lowers.get(0).capacityBytes()),
          diskEntries, mib(lowers.get(1).bytesUsed()));
      out.printf("       %,d in all; %,d demotions, %,d promotions, %,d evictions%n",
          cacheEntries, tiers.demotions(), tiers.promotions(), tiers.evictions());

      CacheStatistics statistics = goldylox.statistics();
      out.printf("Statistics: gets=%,d hits=%,d misses=%,d puts=%,d removals=%,d evictions=%,d"
              + " average put=%.1f us%n",
          statistics.gets(), statistics.hits(), statistics.misses(), statistics.puts(), statistics.removals(),
          statistics.evictions(), statistics.putTimeNanos() / 1e3 / Math.max(1, statistics.puts()));

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long lag = writeBehind.journalLag();
      while (lag > 0) {
        long oldest = writeBehind.oldestUnacknowledgedAgeMillis(); // 0 while the flusher holds no batch
        out.printf("  write-behind lag %,d operations%s%n", lag,
            oldest > 0 ? String.format(" (oldest %,d ms)", oldest) : "");
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("write-behind did not drain in 60 s: " + writeBehind);
        }
        Thread.sleep(250); // the demo waits to show the lag draining; no cache operation waits on the flusher
        lag = writeBehind.journalLag();
      }
      out.printf("Write-behind lag 0: %,d operations delivered in %,d batches (%.0f per batch),"
              + " %,d retries, %,d dead letters%n",
          writeBehind.delivered(), writeBehind.batches(),
          writeBehind.batchedOperations() / (double) Math.max(1, writeBehind.batches()),
          writeBehind.retries(), writeBehind.deadLetters());

      long rows = table.count();
      out.printf("H2 table %s: %,d rows; cache: %,d entries: %s%n", OrdersTable.TABLE, rows, cacheEntries,
          rows == cacheEntries ? "they match" : "MISMATCH");
      long probe = entries / 2;
      String stored = table.find(probe);
      out.printf("orders[%d] in H2 %s the cache's: %s%n", probe,
          orders.get(probe).equals(stored) ? "equals" : "DIFFERS FROM", stored);
      return new Summary(statistics.hits(), statistics.misses(), heapEntries, offHeapEntries, diskEntries,
          cacheEntries, rows, writeBehind.delivered());
    }
  }

  /**
   * The number of entries, once no promotion or demotion happened for 50 ms (a moving entry can be counted in
   * two tiers for an instant), or after 5 s.
   */
  private static long settledSize(TieredTier<?> tiers) throws InterruptedException {
    // Returns as soon as nothing moved for 50 ms; the bound only matters on a loaded machine, where the mover
    // (a background thread) may take seconds to finish the promotions the reads queued.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      long moves = tiers.demotions() + tiers.promotions() + tiers.evictions();
      long size = tiers.size();
      Thread.sleep(50);
      if ((moves == tiers.demotions() + tiers.promotions() + tiers.evictions() && size == tiers.size())
          || System.nanoTime() > deadline) {
        return size;
      }
    }
  }

  private static String kib(long kib) {
    return kib % 1024 == 0 ? (kib / 1024) + " MiB" : kib + " KiB";
  }

  private static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / (1024.0 * 1024));
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not remove " + dir, e);
    }
  }
}

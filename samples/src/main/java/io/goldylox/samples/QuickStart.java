package io.goldylox.samples;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.stats.CacheStatistics;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.spi.CachingProvider;

/**
 * The README's demo: finds Goldylox through {@code Caching.getCachingProvider()}, creates a cache with
 * statistics, expiry and an asynchronous listener, loads it, reads it, and prints what happened.
 */
public final class QuickStart {

  /** Counts CREATED events on a listener thread; a slow listener would never slow the puts. */
  public static final class CreatedCounter implements CacheEntryCreatedListener<Long, String> {
    static final AtomicLong CREATED = new AtomicLong();

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Long, ? extends String>> events) {
      for (CacheEntryEvent<? extends Long, ? extends String> ignored : events) {
        CREATED.incrementAndGet();
      }
    }
  }

  private QuickStart() {}

  public static void main(String[] args) throws InterruptedException {
    run(System.out, args.length > 0 ? Integer.parseInt(args[0]) : 200_000);
  }

  /** Runs the demo with {@code entries} entries, printing to {@code out}; returns the hits counted. */
  public static long run(PrintStream out, int entries) throws InterruptedException {
    CachingProvider provider = Caching.getCachingProvider();
    out.println("Provider: " + provider.getClass().getName());
    try (CacheManager manager = provider.getCacheManager()) {
      MutableConfiguration<Long, String> configuration = new MutableConfiguration<Long, String>()
          .setTypes(Long.class, String.class)
          .setStatisticsEnabled(true)
          .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MINUTES, 10)))
          .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
              FactoryBuilder.factoryOf(CreatedCounter.class), null, false, false));
      Cache<Long, String> orders = manager.createCache("orders", configuration);

      long start = System.nanoTime();
      int step = Math.max(1, entries / 10);
      for (long id = 0; id < entries; id++) {
        orders.put(id, "order-" + id);
        if ((id + 1) % step == 0) {
          out.printf("  loaded %,d / %,d entries%n", id + 1, entries);
        }
      }
      double putSeconds = (System.nanoTime() - start) / 1e9;

      start = System.nanoTime();
      long found = 0;
      for (long id = 0; id < 2L * entries; id++) {
        if (orders.get(id) != null) {
          found++;
        }
      }
      double getSeconds = (System.nanoTime() - start) / 1e9;
      orders.invoke(42L, (entry, arguments) -> {
        entry.setValue(entry.getValue() + " (amended)");
        return null;
      });

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (CreatedCounter.CREATED.get() < entries && System.nanoTime() < deadline) {
        Thread.sleep(10); // the demo waits for its listener to catch up, only to print the count
      }

      CacheStatistics statistics = orders.unwrap(GoldyloxCache.class).statistics();
      out.printf("Put %,d entries in %.2f s (%,.0f puts/s)%n", entries, putSeconds, entries / putSeconds);
      out.printf("Read %,d keys in %.2f s (%,.0f gets/s): %,d found%n",
          2L * entries, getSeconds, 2 * entries / getSeconds, found);
      out.println("orders[42] = " + orders.get(42L));
      out.printf("Statistics: gets=%,d hits=%,d misses=%,d puts=%,d removals=%,d%n",
          statistics.gets(), statistics.hits(), statistics.misses(), statistics.puts(), statistics.removals());
      out.printf("Asynchronous listener saw %,d CREATED events%n", CreatedCounter.CREATED.get());
      return statistics.hits();
    }
  }
}

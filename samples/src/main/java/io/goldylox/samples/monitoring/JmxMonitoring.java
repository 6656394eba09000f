package io.goldylox.samples.monitoring;

import io.goldylox.jmx.GoldyloxMBeans;
import io.goldylox.management.MBeanRegistrar;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.spi.CachingProvider;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Sample 5: a cache under load for an operator to watch in JConsole (or any JMX client). It creates the cache
 * {@value #CACHE_NAME} with statistics and management on, prints the MBeans to look at, runs a read-mostly load
 * (a miss puts the value, entries expire 3 s after they are written, so the hit ratio and the size keep moving)
 * for {@code --seconds} seconds (default 60), and prints once a second the gets per second, the hit ratio of that
 * second and the size, all read back through the platform MBeanServer as a JMX client would.
 *
 * <p>Threads: the load threads ({@code --threads}, default 1) call the cache; the calling thread reads the MBeans
 * once a second and prints. Closing the manager at the end unregisters every bean.
 *
 * <p>Run it with {@code mvn -B -q -pl samples -am package exec:exec -DskipTests
 * -Ddemo.mainClass=io.goldylox.samples.monitoring.JmxMonitoring -Ddemo.args="--seconds 120"}, then
 * {@code jconsole <pid>} (the program prints the pid).
 */
public final class JmxMonitoring {

  /** The monitored cache. */
  public static final String CACHE_NAME = "inventory";
  /** The monitored cache's manager: a URI of its own, so its beans are easy to find. */
  public static final URI MANAGER_URI = URI.create("urn:goldylox:monitoring-sample");
  private static final int KEYS = 500_000;
  private static final int HOT_KEYS = 5_000;

  private JmxMonitoring() {}

  /** What to run: how long, with how many load threads. */
  public record Options(int seconds, int threads) {
    public Options {
      if (seconds < 1) {
        throw new IllegalArgumentException("--seconds must be at least 1, not " + seconds);
      }
      if (threads < 1) {
        throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
      }
    }

    /** Reads {@code [--seconds N] [--threads N]}, {@code --seconds=N}, or a bare {@code N} (seconds). */
    public static Options parse(String... args) {
      int seconds = 60;
      int threads = 1;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        String name = arg;
        String value = null;
        int equals = arg.indexOf('=');
        if (arg.startsWith("--") && equals > 0) {
          name = arg.substring(0, equals);
          value = arg.substring(equals + 1);
        }
        switch (name) {
          case "--seconds":
          case "--threads":
            if (value == null) {
              if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a number. " + USAGE);
              }
              value = args[++i];
            }
            if (name.equals("--seconds")) {
              seconds = number(name, value);
            } else {
              threads = number(name, value);
            }
            break;
          default:
            if (arg.startsWith("-")) {
              throw new IllegalArgumentException("Unknown option " + arg + ". " + USAGE);
            }
            seconds = number("seconds", arg);
        }
      }
      return new Options(seconds, threads);
    }

    private static int number(String name, String value) {
      try {
        return Integer.parseInt(value.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'. " + USAGE, e);
      }
    }
  }

  static final String USAGE = "Usage: JmxMonitoring [--seconds N (default 60)] [--threads N (default 1)]";

  /** What a run saw, read through JMX at the last report. */
  public record Summary(int reports, long gets, long hits, long size) {}

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    run(System.out, options, second -> { });
  }

  /**
   * Runs the load for {@code options.seconds()} seconds, printing to {@code out}.
   *
   * @param afterEachReport called on the calling thread with the second just reported, while the cache is open
   */
  public static Summary run(PrintStream out, Options options, IntConsumer afterEachReport) {
    CachingProvider provider = Caching.getCachingProvider();
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try (CacheManager manager = provider.getCacheManager(MANAGER_URI, provider.getDefaultClassLoader())) {
      Cache<Long, String> cache = manager.createCache(CACHE_NAME, new MutableConfiguration<Long, String>()
          .setTypes(Long.class, String.class)
          .setStatisticsEnabled(true)
          .setManagementEnabled(true)
          .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.SECONDS, 3))));
      ObjectName statistics = MBeanRegistrar.objectName(MBeanRegistrar.Kind.STATISTICS, MANAGER_URI, CACHE_NAME);
      ObjectName configuration =
          MBeanRegistrar.objectName(MBeanRegistrar.Kind.CONFIGURATION, MANAGER_URI, CACHE_NAME);
      ObjectName goldylox = GoldyloxMBeans.objectName(cache, "Cache");
      ObjectName listeners = GoldyloxMBeans.objectName(cache, "Listeners");
      ObjectName expiry = GoldyloxMBeans.objectName(cache, "Expiry");

      out.printf("Cache '%s' under load for %d s with %d thread(s). Process id %d: run 'jconsole %d' and open the"
          + " MBeans tab:%n", CACHE_NAME, options.seconds(), options.threads(), ProcessHandle.current().pid(),
          ProcessHandle.current().pid());
      out.println("  " + statistics + "     CacheGets, CacheHits, CacheHitPercentage, CacheMisses, CachePuts,"
          + " CacheRemovals, CacheEvictions, AverageGetTime");
      out.println("  " + configuration + "   KeyType, ValueType, StatisticsEnabled, ManagementEnabled,"
          + " ReadThrough, WriteThrough, StoreByValue");
      out.println("  " + goldylox + "               Size, Gets, Hits, Misses, Puts, Removals, Evictions,"
          + " StatisticsEnabled");
      out.println("  " + listeners + "           PendingAsyncEvents, DroppedAsyncEvents, FailedAsyncDeliveries");
      out.println("  " + expiry + "              Expired, Sweeps, LastSweepMillis, NextSweepInMillis");

      Load load = new Load(cache, options.threads());
      load.start();
      try {
        return report(out, server, options.seconds(), statistics, goldylox, afterEachReport);
      } finally {
        load.stop();
      }
    } finally {
      out.println("Closed the cache manager: its MBeans are unregistered");
    }
  }

  private static Summary report(PrintStream out, MBeanServer server, int seconds, ObjectName statistics,
      ObjectName goldylox, IntConsumer afterEachReport) {
    long start = System.nanoTime();
    long lastTime = start;
    long lastGets = 0;
    long lastHits = 0;
    long gets = 0;
    long hits = 0;
    long size = 0;
    for (int second = 1; second <= seconds; second++) {
      long due = start + TimeUnit.SECONDS.toNanos(second);
      for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
        LockSupport.parkNanos(left); // the reporting thread's own pace; no cache operation waits on it
      }
      try {
        gets = (Long) server.getAttribute(statistics, "CacheGets");
        hits = (Long) server.getAttribute(statistics, "CacheHits");
        size = (Long) server.getAttribute(goldylox, "Size");
      } catch (JMException e) {
        throw new IllegalStateException("Could not read the cache's MBeans", e);
      }
      long now = System.nanoTime();
      long intervalGets = gets - lastGets;
      double ratio = intervalGets == 0 ? 0 : 100.0 * (hits - lastHits) / intervalGets;
      out.printf("[%3ds] gets/s=%,12.0f  hit ratio=%5.1f%%  size=%,8d%n", second,
          intervalGets / ((now - lastTime) / 1e9), ratio, size);
      lastTime = now;
      lastGets = gets;
      lastHits = hits;
      afterEachReport.accept(second);
    }
    out.printf("Total: %,d gets, %,d hits (%.1f%%), %,d entries at the end%n", gets, hits,
        gets == 0 ? 0 : 100.0 * hits / gets, size);
    return new Summary(seconds, gets, hits, size);
  }

  /**
   * The load: each thread reads keys, a twentieth of the key space being hot, and puts the value on a miss (a
   * cache-aside read). Runs until {@link #stop}.
   */
  private static final class Load {
    private final Cache<Long, String> cache;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    Load(Cache<Long, String> cache, int threadCount) {
      this.cache = cache;
      for (int i = 0; i < threadCount; i++) {
        Thread thread = new Thread(this::run, "jmx-sample-load-" + i);
        thread.setDaemon(true);
        threads.add(thread);
      }
    }

    void start() {
      threads.forEach(Thread::start);
    }

    private void run() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      while (running) {
        long key = random.nextInt(10) < 8 ? random.nextInt(HOT_KEYS) : random.nextInt(KEYS);
        if (cache.get(key) == null) {
          cache.put(key, "item-" + key);
        }
      }
    }

    void stop() {
      running = false;
      for (Thread thread : threads) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}

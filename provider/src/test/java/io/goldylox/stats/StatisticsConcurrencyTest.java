package io.goldylox.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.testing.Parallel;
import io.goldylox.testing.TestManagers;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Statistics are exact under concurrency: N threads run a known mix of hits, misses, puts and removes, and the
 * counters read through {@link GoldyloxCache#statistics()} and through the platform MBeanServer (under the
 * standard JCache object name) equal the exact totals. The TCK checks statistics from one thread only.
 */
class StatisticsConcurrencyTest {

  private static final int THREADS = 4;
  private static final int ROUNDS = 5_000;
  private static final int HOT_KEYS = 16;
  private static final Duration LIMIT = Duration.ofSeconds(60);

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  /** Expected counts, and the same numbers as the cache and JMX report them. */
  record Counts(long hits, long misses, long gets, long puts, long removals) {}

  private static MutableConfiguration<String, Long> withStatistics() {
    return new MutableConfiguration<String, Long>().setTypes(String.class, Long.class).setStatisticsEnabled(true);
  }

  /** The object name as JSR-107 tools build it, computed here independently of the provider. */
  private static ObjectName statisticsName(URI managerUri, String cacheName) throws Exception {
    return new ObjectName("javax.cache:type=CacheStatistics,CacheManager="
        + managerUri.toString().replaceAll("[,:=*?\"\\n\\r]", ".")
        + ",Cache=" + cacheName.replaceAll("[,:=*?\"\\n\\r]", "."));
  }

  private static Counts fromCache(Cache<?, ?> cache) {
    CacheStatistics statistics = cache.unwrap(GoldyloxCache.class).statistics();
    return new Counts(statistics.hits(), statistics.misses(), statistics.gets(), statistics.puts(),
        statistics.removals());
  }

  private static Counts fromJmx(ObjectName name) throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    return new Counts((Long) server.getAttribute(name, "CacheHits"), (Long) server.getAttribute(name, "CacheMisses"),
        (Long) server.getAttribute(name, "CacheGets"), (Long) server.getAttribute(name, "CachePuts"),
        (Long) server.getAttribute(name, "CacheRemovals"));
  }

  @Test
  void aKnownMixFromManyThreadsIsCountedExactly() throws Exception {
    CacheManager manager = managers.newManager("stats-mix");
    Cache<String, Long> cache = manager.createCache("mix", withStatistics());
    for (int i = 0; i < HOT_KEYS; i++) {
      cache.put("hot-" + i, (long) i);
    }

    Parallel.run(THREADS, LIMIT, thread -> {
      for (int i = 0; i < ROUNDS; i++) {
        String own = "t" + thread + "-" + i;
        String absent = "absent-" + thread + "-" + i;
        cache.put(own, (long) i);                              // put
        assertThat(cache.get(own)).isEqualTo(i);               // hit
        assertThat(cache.get("hot-" + i % HOT_KEYS)).isNotNull(); // hit
        assertThat(cache.get(absent)).isNull();                // miss
        assertThat(cache.getAndPut(own, -1L)).isEqualTo(i);    // hit + put
        assertThat(cache.getAll(Set.of(own, absent))).hasSize(1); // hit + miss
        assertThat(cache.containsKey("hot-0")).isTrue();       // not counted
        assertThat(cache.remove(own)).isTrue();                // removal
        assertThat(cache.remove(own)).isFalse();               // not counted
        assertThat(cache.getAndRemove(own)).isNull();          // miss
        assertThat(cache.getAndPut(own + "b", 1L)).isNull();   // miss + put
        assertThat(cache.getAndRemove(own + "b")).isEqualTo(1L); // hit + removal
      }
    });

    long rounds = (long) THREADS * ROUNDS;
    long hits = 5 * rounds;
    long misses = 4 * rounds;
    Counts expected = new Counts(hits, misses, hits + misses, HOT_KEYS + 3 * rounds, 2 * rounds);
    assertThat(fromCache(cache)).isEqualTo(expected);
    ObjectName name = statisticsName(manager.getURI(), "mix");
    assertThat(fromJmx(name)).isEqualTo(expected);
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    assertThat((Float) server.getAttribute(name, "CacheHitPercentage"))
        .isCloseTo(100f * hits / (hits + misses), org.assertj.core.data.Offset.offset(0.01f));
    assertThat((Long) server.getAttribute(name, "CacheEvictions")).isZero();
  }

  @Test
  void contendedKeysAreCountedExactlyAsEachCallerSawThem() throws Exception {
    CacheManager manager = managers.newManager("stats-contended");
    Cache<String, Long> cache = manager.createCache("contended", withStatistics());
    LongAdder hits = new LongAdder();
    LongAdder misses = new LongAdder();
    LongAdder puts = new LongAdder();
    LongAdder removals = new LongAdder();

    // Threads race on 8 keys: which get hits is unpredictable, but each caller knows what it saw.
    Parallel.run(THREADS, LIMIT, thread -> {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i = 0; i < 4 * ROUNDS; i++) {
        String key = "k" + random.nextInt(8);
        int op = random.nextInt(10);
        if (op < 5) {
          (cache.get(key) != null ? hits : misses).increment();
        } else if (op < 8) {
          cache.put(key, (long) i);
          puts.increment();
        } else if (cache.remove(key)) {
          removals.increment();
        }
      }
    });

    Counts expected = new Counts(hits.sum(), misses.sum(), hits.sum() + misses.sum(), puts.sum(), removals.sum());
    assertThat(expected.hits()).isPositive();
    assertThat(expected.misses()).isPositive();
    assertThat(fromCache(cache)).isEqualTo(expected);
    assertThat(fromJmx(statisticsName(manager.getURI(), "contended"))).isEqualTo(expected);
  }

  @Test
  void theMBeanNameReplacesReservedCharactersOfUriAndCacheName() throws Exception {
    URI uri = URI.create("urn:goldylox:test-stats,name=a*b?c-" + System.nanoTime());
    CacheManager manager = Caching.getCachingProvider(TestManagers.PROVIDER)
        .getCacheManager(uri, getClass().getClassLoader());
    try {
      String cacheName = "odd,name=x:y*z?\"q\"\nline";
      Cache<String, Long> cache = manager.createCache(cacheName, withStatistics());
      cache.put("a", 1L);
      cache.get("a");
      cache.get("b");

      ObjectName name = statisticsName(uri, cacheName);
      assertThat(name.getKeyProperty("CacheManager")).doesNotContain(",", ":", "=", "*", "?");
      assertThat(fromJmx(name)).isEqualTo(new Counts(1, 1, 2, 1, 0));
    } finally {
      manager.close();
    }
  }

  @Test
  void statisticsTurnedOnAtRuntimeCountFromThenAndClearResets() throws Exception {
    CacheManager manager = managers.newManager("stats-toggle");
    Cache<String, Long> cache = manager.createCache("toggle",
        new MutableConfiguration<String, Long>().setTypes(String.class, Long.class));
    ObjectName name = statisticsName(manager.getURI(), "toggle");
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    cache.put("a", 1L);
    cache.get("a");
    assertThat(server.isRegistered(name)).as("no statistics bean while disabled").isFalse();
    assertThat(fromCache(cache)).isEqualTo(new Counts(0, 0, 0, 0, 0));

    manager.enableStatistics("toggle", true);
    assertThat(server.isRegistered(name)).isTrue();
    cache.get("a");
    cache.put("b", 2L);
    assertThat(fromJmx(name)).isEqualTo(new Counts(1, 0, 1, 1, 0));

    server.invoke(name, "clear", null, null);
    assertThat(fromJmx(name)).isEqualTo(new Counts(0, 0, 0, 0, 0));

    manager.enableStatistics("toggle", false);
    assertThat(server.isRegistered(name)).isFalse();
    cache.close();
    assertThat(server.isRegistered(name)).isFalse();
  }

  @Test
  void closingTheManagerUnregistersTheStatisticsBean() throws Exception {
    CacheManager manager = managers.newManager("stats-close");
    manager.createCache("closing", withStatistics());
    ObjectName name = statisticsName(manager.getURI(), "closing");
    assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(name)).isTrue();

    manager.close();

    assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(name)).isFalse();
  }
}

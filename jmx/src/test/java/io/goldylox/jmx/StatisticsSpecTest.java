package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.stats.CacheStatistics;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.Test;

/** JSR-107 statistics of operations on expired entries, counted as the RI and spec count them. */
class StatisticsSpecTest {

  private static String counts(CacheStatistics s) {
    return "hits=" + s.hits() + " misses=" + s.misses() + " puts=" + s.puts() + " removals=" + s.removals()
        + " evictions=" + s.evictions();
  }

  @Test
  void expiredEntriesCountAsMisses() throws Exception {
    CacheManager manager = TestCaches.newManager();
    try {
      Cache<String, String> cache = manager.createCache("spec", new MutableConfiguration<String, String>()
          .setTypes(String.class, String.class).setStatisticsEnabled(true)
          .setExpiryPolicyFactory(FactoryBuilder.factoryOf(
              new CreatedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, 100)))));
      CacheStatistics s = cache.unwrap(GoldyloxCache.class).statistics();
      for (String k : new String[] {"a", "b", "c", "d", "e", "f", "g"}) {
        cache.put(k, "v");
      }
      Thread.sleep(250);
      s.clear();
      cache.getAndPut("a", "w");        // miss + put
      cache.putIfAbsent("b", "w");      // miss + put
      cache.replace("c", "w");          // miss
      cache.getAndReplace("d", "w");    // miss
      cache.getAndRemove("e");          // miss
      cache.getAll(Set.of("f"));        // miss
      cache.remove("g");                // nothing (no removal of an expired entry)
      assertThat(counts(s)).isEqualTo("hits=0 misses=6 puts=2 removals=0 evictions=0");
      s.clear();
      cache.put("x", "1");
      cache.put("y", "2");
      int seen = 0;
      for (Cache.Entry<String, String> e : cache) {
        seen++;
      }
      cache.removeAll(Set.of("x", "y", "nope"));
      assertThat(counts(s)).isEqualTo("hits=" + seen + " misses=0 puts=2 removals=2 evictions=0");
    } finally {
      manager.close();
    }
  }
}

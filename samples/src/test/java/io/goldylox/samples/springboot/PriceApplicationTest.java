package io.goldylox.samples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.jmx.GoldyloxCacheMetrics;
import io.goldylox.spi.GoldyloxCacheManager;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.cache.CacheManager;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.context.ApplicationContext;

/** Boots the sample once (a short lookup delay keeps it fast) and checks that caching went through Goldylox. */
@SpringBootTest(classes = PriceApplication.class, properties = "prices.lookup-delay-ms=20")
class PriceApplicationTest {

  @Autowired
  PriceService prices;
  @Autowired
  CacheManager cacheManager;
  @Autowired
  MeterRegistry registry;
  @Autowired
  ApplicationContext context;

  @Test
  void springCachesThroughGoldylox() {
    assertThat(cacheManager).isInstanceOf(JCacheCacheManager.class);
    javax.cache.CacheManager jcache = ((JCacheCacheManager) cacheManager).getCacheManager();
    GoldyloxCacheManager goldylox = jcache.unwrap(GoldyloxCacheManager.class);
    assertThat(goldylox.getURI().toString()).endsWith("goldylox.conf");
    // Declared in goldylox.conf, so it exists before anything asked for it.
    assertThat(cacheManager.getCacheNames()).contains("prices");
    GoldyloxCache<?, ?> prices = ((javax.cache.Cache<?, ?>) cacheManager.getCache("prices").getNativeCache())
        .unwrap(GoldyloxCache.class);
    long hitsBefore = prices.statistics().hits();
    long missesBefore = prices.statistics().misses();
    int lookupsBefore = this.prices.lookups();

    BigDecimal first = this.prices.price("SKU-1");
    BigDecimal second = this.prices.price("SKU-1");

    assertThat(second).isEqualTo(first);
    assertThat(this.prices.lookups() - lookupsBefore).as("slow lookups run").isEqualTo(1);
    assertThat(prices.statistics().misses() - missesBefore).isEqualTo(1);
    assertThat(prices.statistics().hits() - hitsBefore).isEqualTo(1);
    assertThat(prices.size()).isGreaterThanOrEqualTo(1);
    assertThat(cacheManager.getCache("prices").get("SKU-1", BigDecimal.class)).isEqualTo(first);
  }

  @Test
  void actuatorSeesTheCacheThroughGoldyloxMetrics() {
    this.prices.price("SKU-2");
    this.prices.price("SKU-2");

    // Our binder (tagged with the manager's URI) and not Micrometer's JCacheMetrics, which has no such tag and
    // whose cache.size is always 0.
    assertThat(registry.get("cache.gets").tag("cache", "prices").tag("result", "hit").functionCounter().count())
        .isGreaterThanOrEqualTo(1);
    assertThat(registry.get("cache.gets").tag("cache", "prices").tag("result", "miss").functionCounter().count())
        .isGreaterThanOrEqualTo(1);
    assertThat(registry.get("cache.gets").tag("cache", "prices").tag("result", "hit").functionCounter().getId()
        .getTag(GoldyloxCacheMetrics.CACHE_MANAGER_TAG)).endsWith("goldylox.conf");
    assertThat(registry.get("cache.size").tag("cache", "prices").gauge().value()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void theProgramReportsTheSecondCallFromTheCache() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      PriceApplication.report(context, out, "SKU-3");
    }
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(printed)
        .contains("Spring CacheManager: org.springframework.cache.jcache.JCacheCacheManager over GoldyloxCacheManager[")
        .containsPattern("price\\(SKU-3\\) = [0-9.]+ in [0-9.]+ ms \\(slow lookup ran\\)")
        .containsPattern("price\\(SKU-3\\) = [0-9.]+ in [0-9.]+ ms \\(from the Goldylox cache\\)")
        .containsPattern("Actuator: cache.gets\\{cache=prices,result=hit} = [1-9][0-9]*, \\{result=miss} = [1-9]");
  }
}

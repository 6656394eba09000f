package io.goldylox.samples.springboot;

import io.goldylox.spi.GoldyloxCacheManager;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.math.BigDecimal;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Sample 3: Spring Boot's cache abstraction on Goldylox. {@code application.properties} says
 * {@code spring.cache.type=jcache} and {@code spring.cache.jcache.config=classpath:goldylox.conf}; Boot finds
 * Goldylox as the only JCache provider and opens a manager on that file, which declares the {@code prices} cache.
 * {@link PriceService#price} is {@code @Cacheable("prices")}. The program looks a price up twice and prints where
 * each answer came from and what Actuator's cache metrics say.
 *
 * <p>Run it with {@code mvn -B -q -pl samples -am package exec:exec -DskipTests
 * -Ddemo.mainClass=io.goldylox.samples.springboot.PriceApplication}.
 */
@SpringBootApplication
@EnableCaching
public class PriceApplication {

  /**
   * Actuator binds every cache to the meter registry with the first provider that accepts it; ordered first,
   * ours wins over Boot's JMX-based one for Goldylox caches.
   */
  @Bean
  @Order(Ordered.HIGHEST_PRECEDENCE)
  GoldyloxCacheMeterBinderProvider goldyloxCacheMeterBinderProvider() {
    return new GoldyloxCacheMeterBinderProvider();
  }

  public static void main(String[] args) {
    try (ConfigurableApplicationContext context = SpringApplication.run(PriceApplication.class, args)) {
      report(context, System.out, "SKU-42");
    }
  }

  /** Looks {@code sku} up twice through the running application and prints what happened. */
  public static void report(ApplicationContext context, PrintStream out, String sku) {
    CacheManager springManager = context.getBean(CacheManager.class);
    javax.cache.CacheManager jcacheManager = ((JCacheCacheManager) springManager).getCacheManager();
    GoldyloxCacheManager goldylox = jcacheManager.unwrap(GoldyloxCacheManager.class);
    out.println("Spring CacheManager: " + springManager.getClass().getName() + " over " + goldylox);

    PriceService prices = context.getBean(PriceService.class);
    int lookupsBefore = prices.lookups();
    for (int call = 1; call <= 2; call++) {
      long start = System.nanoTime();
      BigDecimal price = prices.price(sku);
      double millis = (System.nanoTime() - start) / 1e6;
      boolean lookedUp = prices.lookups() > lookupsBefore;
      lookupsBefore = prices.lookups();
      out.printf("price(%s) = %s in %.1f ms (%s)%n", sku, price, millis,
          lookedUp ? "slow lookup ran" : "from the Goldylox cache");
    }

    MeterRegistry registry = context.getBean(MeterRegistry.class);
    out.printf("Actuator: cache.gets{cache=prices,result=hit} = %.0f, {result=miss} = %.0f, cache.size = %.0f%n",
        registry.get("cache.gets").tag("cache", "prices").tag("result", "hit").functionCounter().count(),
        registry.get("cache.gets").tag("cache", "prices").tag("result", "miss").functionCounter().count(),
        registry.get("cache.size").tag("cache", "prices").gauge().value());
  }
}

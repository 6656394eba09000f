package io.goldylox.samples.hibernate;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.spi.GoldyloxCacheManager;
import io.goldylox.spi.GoldyloxCachingProvider;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.cache.Cache;
import org.hibernate.SessionFactory;
import org.hibernate.Version;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.cache.jcache.internal.JCacheRegionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.stat.CacheRegionStatistics;
import org.hibernate.stat.Statistics;

/**
 * Sample 4: Goldylox as Hibernate ORM's second-level cache, through {@code hibernate-jcache}, on an in-memory H2
 * database, bootstrapped without any container. {@link #settings} are the lines a user needs. The program stores a
 * {@link Product}, empties the second-level cache (as after a restart), then loads the product in two separate
 * sessions: the first load reads the database and fills the Goldylox cache, the second is served by the cache and
 * runs no SQL. It prints Hibernate's statistics and what the Goldylox region holds.
 *
 * <p>{@code hibernate.javax.cache.uri} is resolved by Hibernate, not by Goldylox: Hibernate looks the value up as a
 * URL ({@code file:}, {@code jar:}) or else as a class-path resource name ({@code hibernate-goldylox.conf}), and
 * hands the provider the resource's URL ({@code file:/.../hibernate-goldylox.conf}, or
 * {@code jar:file:/app.jar!/hibernate-goldylox.conf} from a jar). It does not understand {@code classpath:}.
 *
 * <p>Run it with {@code mvn -B -q -pl samples -am package exec:exec -DskipTests
 * -Ddemo.mainClass=io.goldylox.samples.hibernate.SecondLevelCacheSample}. Single-threaded.
 */
public final class SecondLevelCacheSample {

  /** The second-level cache region of {@link Product}, and the Goldylox cache's name. */
  public static final String REGION = "products";
  /** The Goldylox configuration file, as a class-path resource name (the form Hibernate resolves). */
  public static final String CONFIG = "hibernate-goldylox.conf";
  private static final long ID = 1L;

  private SecondLevelCacheSample() {}

  /** What one run saw. */
  public record Result(URI cacheManagerUri, long firstLoadStatements, long secondLoadStatements,
      long secondLevelHits, long secondLevelMisses, long goldyloxEntries, long goldyloxHits, String loaded) {}

  public static void main(String[] args) {
    run(System.out, CONFIG);
  }

  /**
   * The Hibernate settings that put Goldylox under the second-level cache: the JDBC ones, and the five cache
   * lines ({@code hibernate.cache.*} and {@code hibernate.javax.cache.*}).
   */
  public static Map<String, Object> settings(String jdbcUrl, String cacheUri) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("hibernate.connection.url", jdbcUrl);
    settings.put("hibernate.connection.username", "sa");
    settings.put("hibernate.connection.password", "");
    settings.put("hibernate.connection.pool_size", "2");
    settings.put("hibernate.hbm2ddl.auto", "create-drop");
    settings.put("hibernate.generate_statistics", "true");
    // The second-level cache, on Goldylox:
    settings.put("hibernate.cache.use_second_level_cache", "true");
    settings.put("hibernate.cache.region.factory_class", "jcache");
    settings.put("hibernate.javax.cache.provider", GoldyloxCachingProvider.class.getName());
    settings.put("hibernate.javax.cache.uri", cacheUri);
    settings.put("hibernate.javax.cache.missing_cache_strategy", "create");
    return settings;
  }

  /** Builds a session factory over {@link Product} with {@link #settings}. */
  public static SessionFactory buildSessionFactory(String jdbcUrl, String cacheUri) {
    StandardServiceRegistry registry = new StandardServiceRegistryBuilder()
        .applySettings(settings(jdbcUrl, cacheUri))
        .build();
    try {
      return new MetadataSources(registry).addAnnotatedClass(Product.class).buildMetadata().buildSessionFactory();
    } catch (RuntimeException e) {
      StandardServiceRegistryBuilder.destroy(registry);
      throw e;
    }
  }

  /** The Goldylox manager under the session factory's second-level cache. */
  public static GoldyloxCacheManager goldyloxManager(SessionFactory sessionFactory) {
    JCacheRegionFactory regionFactory = (JCacheRegionFactory) sessionFactory.unwrap(SessionFactoryImplementor.class)
        .getCache().getRegionFactory();
    return regionFactory.getCacheManager().unwrap(GoldyloxCacheManager.class);
  }

  /** Runs the sample with the configuration {@code cacheUri} (as given to {@code hibernate.javax.cache.uri}). */
  public static Result run(PrintStream out, String cacheUri) {
    try (SessionFactory sessionFactory =
        buildSessionFactory("jdbc:h2:mem:goldylox-hibernate-sample;DB_CLOSE_DELAY=-1", cacheUri)) {
      GoldyloxCacheManager manager = goldyloxManager(sessionFactory);
      out.println("Hibernate " + Version.getVersionString() + ", second-level cache on " + manager
          + " (hibernate.javax.cache.uri=" + cacheUri + ")");
      Statistics statistics = sessionFactory.getStatistics();

      sessionFactory.inTransaction(session ->
          session.persist(new Product(ID, "Espresso cup", new BigDecimal("7.50"))));
      out.println("Stored product " + ID + "; in the second-level cache after the insert: "
          + sessionFactory.getCache().containsEntity(Product.class, ID));
      sessionFactory.getCache().evictEntityData(Product.class);
      out.println("Evicted the products region (a cold cache, as after a restart)");

      statistics.clear();
      Product first = sessionFactory.fromSession(session -> session.find(Product.class, ID));
      long firstStatements = statistics.getPrepareStatementCount();
      out.printf("Load 1 (new session): %s, SQL statements: %d, second-level hits/misses: %d/%d%n", first,
          firstStatements, statistics.getSecondLevelCacheHitCount(), statistics.getSecondLevelCacheMissCount());

      Product second = sessionFactory.fromSession(session -> session.find(Product.class, ID));
      long secondStatements = statistics.getPrepareStatementCount() - firstStatements;
      out.printf("Load 2 (new session): %s, SQL statements: %d, second-level hits/misses: %d/%d%n", second,
          secondStatements, statistics.getSecondLevelCacheHitCount(), statistics.getSecondLevelCacheMissCount());

      CacheRegionStatistics region = statistics.getDomainDataRegionStatistics(REGION);
      Cache<Object, Object> goldylox = manager.getCache(REGION);
      GoldyloxCache<?, ?> cache = goldylox.unwrap(GoldyloxCache.class);
      StringBuilder keys = new StringBuilder();
      for (Cache.Entry<Object, Object> entry : goldylox) {
        keys.append(keys.length() == 0 ? "" : ", ").append(entry.getKey());
      }
      out.printf("Region %s (Hibernate): hits=%d misses=%d puts=%d%n", REGION, region.getHitCount(),
          region.getMissCount(), region.getPutCount());
      out.printf("Goldylox cache %s: %d entries [%s], gets=%d hits=%d puts=%d%n", REGION, cache.size(), keys,
          cache.statistics().gets(), cache.statistics().hits(), cache.statistics().puts());
      return new Result(manager.getURI(), firstStatements, secondStatements,
          statistics.getSecondLevelCacheHitCount(), statistics.getSecondLevelCacheMissCount(), cache.size(),
          cache.statistics().hits(), String.valueOf(second));
    }
  }
}

package io.goldylox.benchmarks;

import com.github.benmanes.caffeine.jcache.configuration.CaffeineConfiguration;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.spi.GoldyloxCacheManager;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.Executor;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.Factory;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.cache2k.Cache2kBuilder;
import org.cache2k.jcache.ExtendedMutableConfiguration;
import org.cache2k.jcache.JCacheConfig;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.jsr107.Eh107Configuration;

/**
 * Opens a cache of a named provider. Every provider is selected by its class name through
 * {@link Caching#getCachingProvider(String)}: the shaded jar carries every provider's
 * {@code META-INF/services/javax.cache.spi.CachingProvider}, so the default lookup would be ambiguous.
 *
 * <p>Per-provider settings, so that no provider is silently capacity-limited or silently skips copies:
 * <ul>
 *   <li>cache2k: its JCache default capacity is 1,802 entries and, once a cache2k configuration is given, it
 *   stops copying for store-by-value; both are set explicitly ({@link #CACHE2K_CAPACITY} entries,
 *   {@code copyAlwaysIfRequested}).</li>
 *   <li>Caffeine, Ehcache, the RI and Goldylox: the plain JCache configuration is unbounded for each of them
 *   (checked by every benchmark's setup, which fails when a get misses).</li>
 *   <li>Bounded (eviction quality): Caffeine {@code maximumSize}, Ehcache {@code heap(n)}, cache2k
 *   {@code entryCapacity(n)}, Goldylox {@code GoldyloxConfiguration.heapMaxEntries(n)} with no lower tier.</li>
 *   <li>{@code goldylox-java}: Goldylox from a manager of its own URI with the manager property
 *   {@code goldylox.serializer=java} (Java serialization, the explicit choice; Fory is the default).</li>
 * </ul>
 * Called by benchmark setup code only, never inside a measured loop.
 */
public final class Providers {

  /** Provider names, as the {@code provider} parameter spells them, to provider class names. */
  public static final Map<String, String> CLASS_NAMES = classNames();
  /** The names of the JCache providers, in table order (the many-threads and latency harnesses run these). */
  public static final List<String> JCACHE = List.of("goldylox", "caffeine", "ehcache", "cache2k", "ri");
  /** The JCache providers and the {@code chm} ceiling, in table order. */
  public static final List<String> ALL = List.of("goldylox", "caffeine", "ehcache", "cache2k", "ri", "chm");
  /**
   * Goldylox with {@code goldylox.serializer=java} (Java serialization instead of the default Fory for
   * store-by-value copies and the lower tiers); {@code goldylox} is the default configuration.
   */
  public static final String GOLDYLOX_JAVA = "goldylox-java";
  /** Every name the {@code provider} parameter accepts, in table order. */
  public static final List<String> TABLE_ORDER =
      List.of("goldylox", GOLDYLOX_JAVA, "caffeine", "ehcache", "cache2k", "ri", "chm");
  /** The benchmarks' classes, for a Fory that checks what it reads back ({@link ByValueFloor}). */
  static final String FORY_ALLOW = "io.goldylox.benchmarks.*";

  /** cache2k's capacity for "unbounded" caches: twice the benchmarks' key count. */
  public static final long CACHE2K_CAPACITY = 2L * KeyStream.KEYS;

  private Providers() {}

  private static Map<String, String> classNames() {
    Map<String, String> names = new LinkedHashMap<>();
    names.put("goldylox", "io.goldylox.spi.GoldyloxCachingProvider");
    names.put(GOLDYLOX_JAVA, "io.goldylox.spi.GoldyloxCachingProvider");
    names.put("caffeine", "com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider");
    names.put("ehcache", "org.ehcache.jsr107.EhcacheCachingProvider");
    names.put("cache2k", "org.cache2k.jcache.provider.JCacheProvider");
    names.put("ri", "org.jsr107.ri.spi.RICachingProvider");
    return Map.copyOf(names);
  }

  /** The spec's plain configuration for the benchmarks' types: no loader, writer, listener or expiry. */
  public static MutableConfiguration<Long, Payload> plain(boolean byValue) {
    return new MutableConfiguration<Long, Payload>()
        .setTypes(Long.class, Payload.class)
        .setStoreByValue(byValue);
  }

  /** An unbounded cache with the spec's plain configuration. */
  public static BenchCache open(String provider, boolean byValue) {
    return open(provider, "bench", plain(byValue));
  }

  /**
   * An unbounded cache configured by {@code configuration} (writer, listeners, store-by-value are honoured).
   * For {@code chm}, the configuration is ignored.
   */
  public static BenchCache open(String provider, String cacheName, MutableConfiguration<Long, Payload> configuration) {
    if (provider.equals("chm-boxed")) {
      return new ChmBoxedBenchCache();
    }
    if (provider.equals("chm")) {
      return new ChmBenchCache();
    }
    CacheManager manager = manager(provider);
    Configuration<Long, Payload> effective = configuration;
    if (provider.equals("cache2k")) {
      effective = cache2k(configuration, CACHE2K_CAPACITY);
    }
    return new JCacheBenchCache(manager, create(manager, cacheName, effective));
  }

  /**
   * A cache bounded to {@code maxEntries} on the heap, by reference, for the eviction-quality benchmark.
   *
   * @throws UnsupportedOperationException naming the reason when the provider has no entry bound
   */
  public static BenchCache openBounded(String provider, long maxEntries) {
    MutableConfiguration<Long, Payload> plain = plain(false);
    Configuration<Long, Payload> configuration;
    switch (provider) {
      case "caffeine": {
        CaffeineConfiguration<Long, Payload> caffeine = new CaffeineConfiguration<>(plain);
        caffeine.setMaximumSize(OptionalLong.of(maxEntries));
        // Maintenance (eviction) on the calling thread, so the bound is enforced before the next access.
        caffeine.setExecutorFactory(new DirectExecutorFactory());
        configuration = caffeine;
        break;
      }
      case "ehcache":
        configuration = Eh107Configuration.fromEhcacheCacheConfiguration(
            CacheConfigurationBuilder.newCacheConfigurationBuilder(Long.class, Payload.class,
                ResourcePoolsBuilder.heap(maxEntries)));
        break;
      case "cache2k":
        configuration = cache2k(plain, maxEntries);
        break;
      case "goldylox":
        // Heap only, no lower tier: an entry that leaves the heap is evicted (TieredTier's CLOCK victim choice).
        configuration = GoldyloxConfiguration.builder(Long.class, Payload.class)
            .storeByValue(false)
            .heapMaxEntries(maxEntries)
            .build();
        break;
      case "ri":
        throw new UnsupportedOperationException("ri: the reference implementation has no entry bound");
      case "chm":
        throw new UnsupportedOperationException("chm: a ConcurrentHashMap has no entry bound");
      default:
        throw new IllegalArgumentException(unknown(provider));
    }
    CacheManager manager = manager(provider);
    return new JCacheBenchCache(manager, create(manager, "bounded", configuration));
  }

  private static Configuration<Long, Payload> cache2k(MutableConfiguration<Long, Payload> base, long capacity) {
    ExtendedMutableConfiguration<Long, Payload> configuration = ExtendedMutableConfiguration.of(
        Cache2kBuilder.of(Long.class, Payload.class)
            .entryCapacity(capacity)
            .with(JCacheConfig.class, b -> b.copyAlwaysIfRequested(true)));
    configuration.setTypes(Long.class, Payload.class);
    configuration.setStoreByValue(base.isStoreByValue());
    configuration.setStatisticsEnabled(base.isStatisticsEnabled());
    configuration.setManagementEnabled(base.isManagementEnabled());
    configuration.setReadThrough(base.isReadThrough());
    configuration.setWriteThrough(base.isWriteThrough());
    configuration.setCacheLoaderFactory(base.getCacheLoaderFactory());
    configuration.setCacheWriterFactory(base.getCacheWriterFactory());
    configuration.setExpiryPolicyFactory(base.getExpiryPolicyFactory());
    base.getCacheEntryListenerConfigurations().forEach(configuration::addCacheEntryListenerConfiguration);
    return configuration;
  }

  static CacheManager manager(String provider) {
    String className = CLASS_NAMES.get(provider);
    if (className == null) {
      throw new IllegalArgumentException(unknown(provider));
    }
    CachingProvider cachingProvider = Caching.getCachingProvider(className);
    if (provider.equals(GOLDYLOX_JAVA)) {
      // Its own URI: managers are cached per (URI, class loader), and the default one copies with Fory.
      Properties properties = new Properties();
      properties.setProperty(GoldyloxCacheManager.SERIALIZER_PROPERTY, "java");
      return cachingProvider.getCacheManager(URI.create("urn:goldylox:benchmarks-java"),
          cachingProvider.getDefaultClassLoader(), properties);
    }
    return cachingProvider.getCacheManager(cachingProvider.getDefaultURI(), cachingProvider.getDefaultClassLoader());
  }

  private static Cache<Long, Payload> create(CacheManager manager, String name, Configuration<Long, Payload> config) {
    if (manager.getCache(name) != null) {
      manager.destroyCache(name);
    }
    return manager.createCache(name, config);
  }

  private static String unknown(String provider) {
    return "Unknown provider '" + provider + "': expected one of " + TABLE_ORDER;
  }

  /** Makes an executor that runs tasks on the calling thread (a factory, as Caffeine's configuration wants). */
  public static final class DirectExecutorFactory implements Factory<Executor> {
    private static final long serialVersionUID = 1L;

    @Override
    public Executor create() {
      return Runnable::run;
    }
  }
}

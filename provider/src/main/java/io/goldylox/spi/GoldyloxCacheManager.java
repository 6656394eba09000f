package io.goldylox.spi;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.ConfigLoader;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.GoldyloxFileConfig;
import io.goldylox.internal.Workers;
import io.goldylox.management.MBeanRegistrar;
import io.goldylox.serialization.ClassPolicy;
import io.goldylox.serialization.Copier;
import io.goldylox.serialization.ForySerializer;
import io.goldylox.serialization.Serializer;
import io.goldylox.serialization.ReferenceCopier;
import io.goldylox.serialization.ValueCopier;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.remote.RemoteStore;
import io.goldylox.remote.RemoteStores;
import io.goldylox.tier.DiskTier;
import io.goldylox.tier.HeapTier;
import io.goldylox.tier.LowerTier;
import io.goldylox.tier.OffHeapTier;
import io.goldylox.tier.Tier;
import io.goldylox.tier.TieredTier;
import io.goldylox.writebehind.WriteBehindJournal;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;

/**
 * A Goldylox {@link CacheManager}: the caches of one (URI, class loader) pair and the background
 * {@link Workers} they share.
 *
 * <p>Lookups ({@link #getCache}) read a concurrent map without locking, so a listener that looks its cache up
 * while an event is being delivered never waits. Creating and destroying caches, and closing, take this
 * manager's monitor; they are management calls, never on a cache operation's path. {@link #close()} runs on the
 * caller's thread and releases this manager from its provider only at its end, after every cache (and so every
 * disk directory) is closed; until then the provider's {@code getCacheManager} for this URI waits for it
 * ({@link #awaitTermination()}), and nothing else ever waits for a close.
 */
public final class GoldyloxCacheManager implements CacheManager {

  /** System property: how many events may wait for one asynchronous listener before events are dropped. */
  public static final String MAX_PENDING_EVENTS_PROPERTY = "goldylox.listener.max-pending";
  private static final long DEFAULT_MAX_PENDING_EVENTS = 100_000;
  /** System property: the configuration file (a URI) of the default cache manager. */
  public static final String DEFAULT_CONFIG_PROPERTY = "goldylox.config";
  private static final System.Logger LOG = System.getLogger(GoldyloxCacheManager.class.getName());
  /**
   * Manager property (or system property): an {@link java.io.ObjectInputFilter} pattern, as in
   * {@code jdk.serialFilter}, that every value read back by store-by-value Java serialization must pass.
   */
  public static final String SERIAL_FILTER_PROPERTY = "goldylox.serial-filter";
  /** Manager property (or system property): {@code fory} (the default) or {@code java}. */
  public static final String SERIALIZER_PROPERTY = "goldylox.serializer";
  /**
   * Manager property (or system property): classes the caches may instantiate from bytes read from outside the
   * process, besides their declared types, comma-separated ({@code a.B}, {@code pkg.*}, {@code pkg.**}); added to
   * the configuration file's {@code serializer.allow}. See {@link io.goldylox.serialization.ClassPolicy}.
   */
  public static final String SERIALIZER_ALLOW_PROPERTY = "goldylox.serializer.allow";

  private final GoldyloxCachingProvider provider;
  private final URI uri;
  private final WeakReference<ClassLoader> classLoader;
  private final Properties properties;
  private final ConcurrentHashMap<String, GoldyloxCache<?, ?>> caches = new ConcurrentHashMap<>();
  private final Workers workers;
  private final Serializer serializer;
  private final java.util.List<CacheLifecycleListener> lifecycleListeners;
  private final GoldyloxFileConfig fileConfig;
  private volatile boolean closed;
  /** The thread running {@link #close()}, while it runs. */
  private volatile Thread closing;
  /** Counted down when {@link #close()} has closed every cache and the workers (the directories are free). */
  private final java.util.concurrent.CountDownLatch terminated = new java.util.concurrent.CountDownLatch(1);

  GoldyloxCacheManager(GoldyloxCachingProvider provider, URI uri, ClassLoader classLoader,
      Properties properties) {
    this.provider = provider;
    this.uri = uri;
    this.classLoader = new WeakReference<>(classLoader);
    this.properties = new Properties();
    if (properties != null) {
      this.properties.putAll(properties);
    }
    this.workers = new Workers(MBeanRegistrar.sanitize(uri.getSchemeSpecificPart()));
    this.serializer = createSerializer(classLoader);
    this.lifecycleListeners = loadLifecycleListeners(classLoader);
    this.fileConfig = ConfigLoader.load(configurationSource(uri), classLoader);
    try {
      for (Map.Entry<String, GoldyloxConfiguration<?, ?>> declared : fileConfig.caches().entrySet()) {
        createCache(declared.getKey(), declared.getValue());
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Where this manager's configuration comes from: its own URI, except that the default URI reads the file
   * named by the system property {@value #DEFAULT_CONFIG_PROPERTY}, if set (so applications and test suites
   * that only ever use {@code getCacheManager()} can still configure defaults and tiers).
   */
  private static URI configurationSource(URI uri) {
    String configured = System.getProperty(DEFAULT_CONFIG_PROPERTY);
    if (uri.equals(GoldyloxCachingProvider.DEFAULT_URI) && configured != null && !configured.isBlank()) {
      return URI.create(configured.trim());
    }
    return uri;
  }

  @Override
  public <K, V, C extends Configuration<K, V>> Cache<K, V> createCache(String cacheName, C configuration) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(configuration, "configuration");
    synchronized (this) {
      requireOpen();
      if (caches.containsKey(cacheName)) {
        throw new CacheException("A cache named " + cacheName + " already exists in " + uri);
      }
      GoldyloxConfiguration<K, V> copy = GoldyloxConfiguration.merge(fileConfig.defaults(), cacheName, configuration);
      // Bytes from outside the process (disk files, the journal, the remote store) are read through the guarded
      // serializer; the copier checks each key and value stored against the same policy, to warn at the put.
      ClassPolicy policy = needsGuard(copy) ? classPolicy(cacheName, copy) : null;
      Copier copier = copy.isStoreByValue()
          ? new ValueCopier(serializer, this::getClassLoaderOrDefault, policy)
          : new ReferenceCopier(serializer, this::getClassLoaderOrDefault, policy);
      Serializer guarded = policy != null ? serializer.guarded(policy) : serializer;
      Tier<K> tier = nearCacheOver(cacheName, copy, copier, guarded, tierFor(cacheName, copy, guarded));
      WriteBehindJournal<K, V> writeBehind = null;
      GoldyloxCache<K, V> cache;
      try {
        if (copy.writeBehind().isPresent()) {
          // The only place that touches io.goldylox.writebehind: Chronicle is loaded for such caches only.
          // Its journal files are read back through the guard; operations of this run are the callers' own bytes.
          writeBehind = WriteBehindJournal.open(copy.writeBehind().get(), serializer, guarded,
              getClassLoaderOrDefault(), MBeanRegistrar.sanitize(cacheName), copy.onIncompatible());
        }
        cache = new GoldyloxCache<>(this, cacheName, copy, copier, tier, writeBehind, workers, maxPendingEvents());
      } catch (RuntimeException | Error e) {
        if (writeBehind != null) {
          writeBehind.close();
        }
        tier.close();
        throw e;
      }
      if (copy.diskPath().isPresent()) {
        io.goldylox.tier.DiskTier.recordJournal(copy.diskPath().get(),
            copy.writeBehind().map(settings -> settings.journal()).orElse(null), cacheName);
      }
      caches.put(cacheName, cache);
      notifyLifecycle(cache, true);
      return cache;
    }
  }

  private static java.util.List<CacheLifecycleListener> loadLifecycleListeners(ClassLoader loader) {
    java.util.List<CacheLifecycleListener> found = new java.util.ArrayList<>();
    try {
      for (CacheLifecycleListener listener : java.util.ServiceLoader.load(CacheLifecycleListener.class,
          loader != null ? loader : GoldyloxCacheManager.class.getClassLoader())) {
        found.add(listener);
      }
    } catch (java.util.ServiceConfigurationError e) {
      LOG.log(System.Logger.Level.WARNING, "Could not load a CacheLifecycleListener; continuing without it", e);
    }
    return java.util.List.copyOf(found);
  }

  /** Tells the lifecycle listeners that {@code cache} was created or closed; their failures are only logged. */
  public void notifyLifecycle(GoldyloxCache<?, ?> cache, boolean created) {
    for (CacheLifecycleListener listener : lifecycleListeners) {
      try {
        if (created) {
          listener.cacheCreated(cache);
        } else {
          listener.cacheClosed(cache);
        }
      } catch (RuntimeException | LinkageError e) {
        LOG.log(System.Logger.Level.WARNING, listener.getClass().getName() + " failed on cache "
            + cache.getName() + (created ? " creation" : " close"), e);
      }
    }
  }

  /**
   * The storage of a cache: a plain {@link HeapTier} when no tier setting is given, else a {@link TieredTier} of a
   * heap (bounded by {@code heap.max-entries}, or not) over the configured off-heap and disk tiers.
   */
  private static boolean needsGuard(GoldyloxConfiguration<?, ?> configuration) {
    return configuration.diskPath().isPresent() || configuration.writeBehind().isPresent()
        || configuration.remote().isPresent();
  }

  /**
   * The classes cache {@code cacheName} may instantiate from bytes read from outside the process: its declared
   * types and their field types, the JDK's value types, the file's {@code serializer.allow} and the
   * {@value #SERIALIZER_ALLOW_PROPERTY} property.
   */
  private ClassPolicy classPolicy(String cacheName, GoldyloxConfiguration<?, ?> configuration) {
    List<String> allow = new ArrayList<>(fileConfig.serializerAllow());
    allow.addAll(ForySerializer.parseAllowList(setting(SERIALIZER_ALLOW_PROPERTY, "")));
    try {
      return ClassPolicy.of("Cache '" + cacheName + "'", List.of(configuration.getKeyType(),
          configuration.getValueType()), allow);
    } catch (IllegalArgumentException e) {
      throw new CacheException(SERIALIZER_ALLOW_PROPERTY + ": " + e.getMessage(), e);
    }
  }

  private <K> Tier<K> tierFor(String cacheName, GoldyloxConfiguration<K, ?> configuration, Serializer guarded) {
    if (configuration.heapMaxEntries().isEmpty() && configuration.offHeapBytes().isEmpty()
        && configuration.diskPath().isEmpty()) {
      return new HeapTier<>(configuration.isStoreByValue());
    }
    List<LowerTier<K>> lower = new ArrayList<>(2);
    try {
      if (configuration.offHeapBytes().isPresent()) {
        lower.add(new OffHeapTier<>(configuration.offHeapBytes().getAsLong()));
      }
      if (configuration.diskPath().isPresent()) {
        lower.add(DiskTier.open(configuration.diskPath().get(), configuration.diskBytes().getAsLong(), guarded,
            getClassLoaderOrDefault(), configuration.getKeyType(), configuration.getValueType(),
            configuration.onIncompatible()));
      }
      return new TieredTier<>(MBeanRegistrar.sanitize(cacheName), configuration.heapMaxEntries().orElse(Long.MAX_VALUE),
          lower, serializer);
    } catch (RuntimeException | Error e) {
      lower.forEach(LowerTier::close);
      throw e;
    }
  }

  /**
   * With a {@code remote} block, {@code local} becomes the near cache of the shared store; the local tiers are
   * closed when the store cannot be opened.
   */
  private <K> Tier<K> nearCacheOver(String cacheName, GoldyloxConfiguration<K, ?> configuration, Copier copier,
      Serializer guarded, Tier<K> local) {
    if (configuration.remote().isEmpty()) {
      return local;
    }
    try {
      // The only place that touches io.goldylox.remote: the store's module is loaded for such caches only.
      RemoteStore store = RemoteStores.open(configuration.remote().get(), cacheName, getClassLoaderOrDefault(), this);
      return NearCacheTier.open(local, store, configuration.remote().get(), guarded, copier, this::getClassLoaderOrDefault,
          configuration.getValueType(), MBeanRegistrar.sanitize(cacheName));
    } catch (RuntimeException | Error e) {
      local.close();
      throw e;
    }
  }

  private long maxPendingEvents() {
    String text = properties.getProperty(MAX_PENDING_EVENTS_PROPERTY,
        System.getProperty(MAX_PENDING_EVENTS_PROPERTY));
    if (text == null) {
      return DEFAULT_MAX_PENDING_EVENTS;
    }
    try {
      long value = Long.parseLong(text.trim());
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new CacheException(MAX_PENDING_EVENTS_PROPERTY + " must be a positive whole number, not '" + text + "'");
  }

  /**
   * The serializer for store-by-value and the lower tiers: Fory unless {@value #SERIALIZER_PROPERTY} is {@code
   * java}; Java serialization streams are checked by the {@value #SERIAL_FILTER_PROPERTY} filter either way.
   */
  private Serializer createSerializer(ClassLoader classLoader) {
    return io.goldylox.serialization.Serializers.create(setting(SERIALIZER_PROPERTY, null), SERIALIZER_PROPERTY,
        setting(SERIAL_FILTER_PROPERTY, null), classLoader);
  }

  /** A manager property, else the system property of the same name, else {@code fallback}. */
  private String setting(String name, String fallback) {
    return properties.getProperty(name, System.getProperty(name, fallback));
  }

  @Override
  public <K, V> Cache<K, V> getCache(String cacheName, Class<K> keyType, Class<V> valueType) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(keyType, "keyType");
    Objects.requireNonNull(valueType, "valueType");
    GoldyloxCache<?, ?> cache = caches.get(cacheName);
    if (cache == null || cache.isClosed()) { // a closing cache is not handed out
      return null;
    }
    CompleteConfiguration<?, ?> configuration = cache.configuration();
    if (!keyType.equals(configuration.getKeyType())) {
      throw new ClassCastException("Cache " + cacheName + " has keys of " + configuration.getKeyType().getName()
          + ", not " + keyType.getName());
    }
    if (!valueType.equals(configuration.getValueType())) {
      throw new ClassCastException("Cache " + cacheName + " has values of "
          + configuration.getValueType().getName() + ", not " + valueType.getName());
    }
    @SuppressWarnings("unchecked")
    Cache<K, V> typed = (Cache<K, V>) cache;
    return typed;
  }

  @Override
  public <K, V> Cache<K, V> getCache(String cacheName) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    @SuppressWarnings("unchecked")
    Cache<K, V> cache = (Cache<K, V>) caches.get(cacheName);
    return cache == null || cache.isClosed() ? null : cache; // a closing cache is not handed out
  }

  @Override
  public Iterable<String> getCacheNames() {
    requireOpen();
    return Collections.unmodifiableSet(new LinkedHashSet<>(caches.keySet()));
  }

  @Override
  public void destroyCache(String cacheName) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    GoldyloxCache<?, ?> cache;
    synchronized (this) {
      cache = caches.get(cacheName);
    }
    if (cache != null) {
      cache.destroy();
    }
  }

  @Override
  public void enableManagement(String cacheName, boolean enabled) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    GoldyloxCache<?, ?> cache = caches.get(cacheName);
    if (cache != null) {
      cache.setManagementEnabled(enabled);
    }
  }

  @Override
  public void enableStatistics(String cacheName, boolean enabled) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    GoldyloxCache<?, ?> cache = caches.get(cacheName);
    if (cache != null) {
      cache.setStatisticsEnabled(enabled);
    }
  }

  /**
   * Forgets a cache that closed itself. Called by {@link GoldyloxCache#close()} at its end, so until then a
   * createCache of the name finds it (and {@link #getCache} returns null for it).
   */
  public void release(GoldyloxCache<?, ?> cache) {
    caches.remove(cache.getName(), cache);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    closing = Thread.currentThread();
    try {
      for (GoldyloxCache<?, ?> cache : caches.values()) {
        cache.close();
      }
      caches.clear();
      workers.close();
    } finally {
      // Last: until now the provider keeps this manager, so a getCacheManager for its URI waits for the close
      // instead of opening the same directories beside it.
      provider.release(this);
      closing = null;
      terminated.countDown();
    }
  }

  /** Whether {@link #close()} has finished. */
  boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  /**
   * Waits until {@link #close()} has finished: only {@link GoldyloxCachingProvider#getCacheManager} calls it, for
   * a manager that is closing, so the wait is bounded by that close. A call from the closing thread itself (a
   * lifecycle listener asking for this URI's manager) would wait for ever and fails instead.
   */
  void awaitTermination() {
    if (closing == Thread.currentThread()) {
      throw new CacheException("CacheManager " + uri + " is closing on this thread; it cannot be reopened from"
          + " inside its own close()");
    }
    try {
      terminated.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException("Interrupted while CacheManager " + uri + " was closing", e);
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public GoldyloxCachingProvider getCachingProvider() {
    return provider;
  }

  @Override
  public URI getURI() {
    return uri;
  }

  @Override
  public ClassLoader getClassLoader() {
    return classLoader.get();
  }

  private ClassLoader getClassLoaderOrDefault() {
    ClassLoader loader = classLoader.get();
    return loader != null ? loader : provider.getDefaultClassLoader();
  }

  @Override
  public Properties getProperties() {
    return properties;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("Cannot unwrap a cache manager to " + clazz.getName());
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("CacheManager " + uri + " is closed");
    }
  }

  @Override
  public String toString() {
    return "GoldyloxCacheManager[" + uri + "]";
  }
}

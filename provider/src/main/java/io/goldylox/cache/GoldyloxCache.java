package io.goldylox.cache;

import static io.goldylox.cache.AtomicSteps.LOAD_ALLOWED;
import static io.goldylox.cache.AtomicSteps.PUT_TIME;
import static io.goldylox.cache.OperationBodies.GET;
import static io.goldylox.cache.OperationBodies.PUT;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.event.Closeables;
import io.goldylox.event.EventDispatcher;
import io.goldylox.expiry.ExpiryCalculator;
import io.goldylox.expiry.ExpirySweeper;
import io.goldylox.internal.Workers;
import io.goldylox.serialization.Copier;
import io.goldylox.serialization.ReferenceCopier;
import io.goldylox.serialization.SerializedBytes;
import io.goldylox.spi.GoldyloxCacheManager;
import io.goldylox.stats.CacheStatistics;
import io.goldylox.tier.HeapTier;
import io.goldylox.tier.StoredEntry;
import io.goldylox.tier.Tier;
import io.goldylox.tier.TieredTier;
import io.goldylox.writebehind.WriteBehindJournal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import javax.cache.Cache;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.event.EventType;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorResult;

/**
 * A Goldylox cache: the JCache API over a {@link Tier}.
 *
 * <h2>Overview</h2>
 * Every mutation of a key is one atomic step of the tier ({@link Tier#compute}). Inside it, the operation's body
 * reads and decides through an {@link EntryOperation}; then {@link AtomicSteps} applies the decision in one place:
 * the write-through writer (before anything changes, so a failing writer leaves the cache as it was), the new
 * expiry deadline, the stored copy of the value, and the events. Statistics are recorded by the calling thread
 * right after the step, from what the same {@link EntryOperation} reports; synchronous listeners run after the
 * key is released and before the call returns. Asynchronous listener events are queued inside the step, which is
 * what keeps them in per-key order.
 *
 * <p>Reads that hit do not take the key's lock: a {@code get} is a lookup, a deadline check (only for entries that
 * can expire) and, for policies whose access duration can change, a volatile write of the new deadline. Only a
 * miss that must load, or an expired entry that must be removed, goes through an atomic step.
 *
 * <h2>Allocation on the callers' paths</h2>
 * A hit allocates nothing (by reference). A single-key operation allocates its {@link EntryOperation} (step
 * function, entry view and report in one object; the bodies are non-capturing constants) and the
 * {@link StoredEntry} it stores, none when it stores the very object it holds already. A put in a plain cache
 * (see {@link #isPlainPut}) skips the operation object ({@link PlainPuts}): on a plain {@link HeapTier} whose reads
 * never move a deadline it overwrites a present key in place (by reference nothing allocated, by value the copy)
 * or is one map store of a new entry; on other tiers one small closure around the stored form. In a cache that puts
 * in place, an atomic step also allocates the 16-byte wrapper that freezes what it reads ({@link HeapTier}).
 *
 * <h2>Where the code is</h2>
 * This class keeps the paths that must not pay for a call more (the lock-free {@code get}, the choice of a
 * store-only {@code put}, whose store {@link PlainPuts} makes), the lifecycle and the monitoring accessors, and
 * checks the multi-key calls before handing them on. {@link SingleKeyOperations} has the other single-key
 * operations, {@link BulkOperations} the multi-key ones, {@link CacheLoading} loading, {@link CacheIterator}
 * iteration, {@link AsyncView} the asynchronous view, and {@link LiveConfiguration} listener registration,
 * configuration copies and the statistics and management switches.
 *
 * <h2>Threads</h2>
 * Callers' threads do all of the above. The manager's {@link Workers} run {@code loadAll} and asynchronous
 * listeners; their timer runs {@link ExpirySweeper} sweeps, which remove expired entries through the same atomic
 * step. No caller ever waits for either. {@link #close()} runs on the caller's thread and gives the name back to
 * the manager last, once the MBeans are unregistered and the tiers closed.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class GoldyloxCache<K, V> implements Cache<K, V> {

  /** {@link #closed}, for the one compare-and-set that closes the cache once. */
  private static final VarHandle CLOSED;

  static {
    try {
      CLOSED = MethodHandles.lookup().findVarHandle(GoldyloxCache.class, "closed", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final GoldyloxCacheManager manager;
  private final String name;
  private final Copier copier;
  private final Tier<K> tier;
  /** The put of a plain cache ({@link #isPlainPut}): in place, or one store. */
  private final PlainPuts<K> plainPuts;
  /**
   * Whether a stored value may be {@code SerializedBytes} to decode. Not in a plain heap by reference: its values
   * are the callers' own objects, so a hit returns the value without touching it (one memory access less).
   */
  private final boolean storedMayBeSerialized;
  private final ExpiryPolicy expiryPolicy;
  private final ExpiryCalculator expiry;
  private final ExpirySweeper sweeper;
  /** The write-through writer, typed as the cache (its factory is typed {@code ? super K, ? super V}). */
  private final CacheWriter<K, V> writer;
  /** The write-behind journal, or {@code null}; excludes {@link #writer} (write-through). */
  private final WriteBehindJournal<K, V> writeBehind;
  /** Whether a miss may find a value without the tiers: through the loader or a pending write-behind op. */
  private final boolean missMayFind;
  private final EventDispatcher<K, V> events;
  private final CacheStatistics statistics = new CacheStatistics();
  private final Executor asyncExecutor;
  private volatile AsyncView<K, V> async;
  /** Whether {@link #expiry} never gives a deadline: then steps need not read the clock (it is stateless). */
  private final boolean eternal;
  /** Whether a read may move an entry's deadline ({@link ExpiryCalculator#accessMayChangeDeadline}, constant). */
  private final boolean accessMayChangeDeadline;
  /** Set once by {@link #close}, through {@link #CLOSED}; read by every call (a plain volatile read). */
  private volatile boolean closed;
  /** The configured key and value types, checked on what the cache stores (package-private for the others). */
  final DeclaredTypes types;
  /** Runs the single-key operations (package-private for {@link EntryOperation}). */
  final AtomicSteps<K, V> steps;
  /** Finds what a miss may load (package-private for {@link EntryOperation}). */
  final CacheLoading<K, V> loading;
  private final BulkOperations<K, V> bulk;
  private final SingleKeyOperations<K, V> singleKey;
  /** The configuration, its listener registrations and its statistics and management switches. */
  private final LiveConfiguration<K, V> liveConfiguration;

  /**
   * Creates a cache. Called by {@link GoldyloxCacheManager} only.
   *
   * @param configuration a private copy; the cache owns it from now on
   */
  public GoldyloxCache(GoldyloxCacheManager manager, String name, GoldyloxConfiguration<K, V> configuration,
      Copier copier, Tier<K> tier, WriteBehindJournal<K, V> writeBehind, Workers workers,
      long maxPendingEventsPerListener) {
    this.manager = manager;
    this.name = name;
    this.copier = copier;
    this.tier = tier;
    this.storedMayBeSerialized = !(tier instanceof HeapTier && copier instanceof ReferenceCopier);
    this.asyncExecutor = workers.async();
    this.expiryPolicy = configuration.getExpiryPolicyFactory().create();
    this.expiry = ExpiryCalculator.of(expiryPolicy);
    this.eternal = expiry.isEternal();
    this.accessMayChangeDeadline = expiry.accessMayChangeDeadline();
    if (tier instanceof TieredTier && copier instanceof ReferenceCopier && !accessMayChangeDeadline) {
      // By reference, the heap holds objects: let promotions decode once instead of every hit after them.
      ((TieredTier<K>) tier).decodeOnPromotion(bytes -> copier.fromStored(new SerializedBytes(bytes)));
    }
    this.types = new DeclaredTypes(name, configuration.getKeyType(), configuration.getValueType());
    this.sweeper = new ExpirySweeper(workers.timer(), this::sweepExpired);
    tier.attachExpiry(sweeper::deadlineSet, accessMayChangeDeadline);
    CacheLoader<K, V> loader = configuration.getCacheLoaderFactory() == null
        ? null : configuration.getCacheLoaderFactory().create();
    boolean readThrough = configuration.isReadThrough() && loader != null;
    this.writeBehind = writeBehind;
    this.missMayFind = readThrough || writeBehind != null;
    @SuppressWarnings("unchecked")
    CacheWriter<K, V> createdWriter = configuration.isWriteThrough()
        && configuration.getCacheWriterFactory() != null
        ? (CacheWriter<K, V>) configuration.getCacheWriterFactory().create() : null;
    this.writer = createdWriter;
    this.plainPuts = new PlainPuts<>(tier, copier,
        writer == null && writeBehind == null && eternal && !accessMayChangeDeadline);
    this.events = new EventDispatcher<>(this, workers.events(), maxPendingEventsPerListener);
    for (CacheEntryListenerConfiguration<K, V> listener : configuration.getCacheEntryListenerConfigurations()) {
      events.register(listener);
    }
    this.steps = new AtomicSteps<>(this, tier, copier, writer, writeBehind, expiry, sweeper, events, statistics);
    tier.attachExpiredRemovals(steps.expiredRemovals()); // the mover's and compactor's expired: with EXPIRED
    this.loading = new CacheLoading<>(this, steps, copier, loader, readThrough, writeBehind, workers.loads(),
        workers.events()); // a nested loadAll (started by a listener) must not queue behind waiting loaders
    this.bulk = new BulkOperations<>(this, steps, copier, writer, statistics);
    this.singleKey = new SingleKeyOperations<>(this, steps, copier, statistics, missMayFind);
    statistics.setEnabled(configuration.isStatisticsEnabled());
    statistics.setTierEvictions(tier::evictions);
    this.liveConfiguration = new LiveConfiguration<>(manager.getURI(), name, configuration, events, statistics);
    // Last: entries found at open (a disk tier's) expire on their deadlines; the sweep may run at once, on the
    // timer, and needs every field above (the schedule orders these writes before it).
    sweeper.deadlineSet(tier.earliestDeadline());
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reads

  @Override
  public V get(K key) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    long start = statistics.startNanos();
    V value = read(key);
    statistics.recordGetTime(start);
    return value;
  }

  /** One get: the lock-free hit path, else a miss (expiring and loading through an atomic step). */
  private V read(K key) {
    return read(key, tier.get(key));
  }

  /** A get of {@code key}, which the tier holds as {@code entry} (null: it holds none). */
  V read(K key, StoredEntry entry) {
    if (entry != null) {
      long now = entry.isMortal() || accessMayChangeDeadline ? System.currentTimeMillis() : 0L;
      if (!entry.isMortal() || !entry.isExpiredAt(now)) {
        touch(key, entry, now);
        statistics.recordHits(1);
        return decode(entry.value());
      }
    }
    statistics.recordMisses(1);
    if (!missMayFind) {
      if (entry != null) {
        steps.expire(copier.copyKey(key)); // found expired, nothing to load: drop it (EXPIRED), a miss
      }
      return null;
    }
    EntryOperation<K, V> op = steps.execute(copier.copyKey(key), GET, null, null, missMayFind ? LOAD_ALLOWED : 0);
    op.deliverSyncEvents();
    return op.result();
  }

  /** Applies the access duration to an entry read without its lock. */
  void touch(Object key, StoredEntry entry, long now) {
    if (accessMayChangeDeadline) {
      long deadline = expiry.onAccess(now);
      if (deadline != ExpiryCalculator.UNCHANGED) {
        long previous = entry.expireAtMillis();
        entry.setExpireAtMillis(deadline);
        tier.deadlineMoved(key, entry, previous);
        sweeper.deadlineSet(deadline);
      }
    }
  }

  @Override
  public Map<K, V> getAll(Set<? extends K> keys) {
    requireOpen();
    requireNoNulls(keys, "keys");
    return bulk.getAll(keys);
  }

  @Override
  public boolean containsKey(K key) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    StoredEntry entry = tier.get(key);
    return entry != null && (!entry.isMortal() || !entry.isExpiredAt(System.currentTimeMillis()));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Loading

  @Override
  public void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener listener) {
    requireOpen();
    requireNoNulls(keys, "keys");
    loading.loadAll(keys, replaceExistingValues, listener);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writes

  @Override
  public void put(K key, V value) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    types.mapping(key, value);
    long start = statistics.startNanos();
    if (isPlainPut()) {
      plainPuts.put(key, value);
      statistics.recordPuts(1);
      statistics.recordPutTime(start);
      return;
    }
    steps.finish(steps.execute(copier.copyKey(key), PUT, value, null, 0), start, PUT_TIME);
  }

  /**
   * Whether a put is only a store: an eternal cache without a writer or write-behind journal and with no listener
   * for CREATED, UPDATED or EXPIRED. Listeners are read per call: one
   * registered concurrently with a put may or may not hear of it, as with any operation that races a registration.
   */
  private boolean isPlainPut() {
    return writer == null && writeBehind == null && eternal
        && !events.wants(EventType.CREATED) && !events.wants(EventType.UPDATED) && !events.wants(EventType.EXPIRED);
  }

  @Override
  public V getAndPut(K key, V value) {
    return singleKey.getAndPut(key, value);
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> map) {
    requireOpen();
    Objects.requireNonNull(map, "map");
    for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
      Objects.requireNonNull(entry.getKey(), "a key in the map");
      Objects.requireNonNull(entry.getValue(), "a value in the map");
      types.mapping(entry.getKey(), entry.getValue());
    }
    Map<? extends K, ? extends V> rest = map;
    if (isPlainPut()) {
      rest = plainPuts.putAll(map, statistics, this::isPlainPut);
      if (rest == null) {
        return;
      }
    }
    bulk.putAll(rest); // (the keys left when a listener came during a plain putAll)
  }
  @Override
  public boolean putIfAbsent(K key, V value) {
    return singleKey.putIfAbsent(key, value);
  }

  @Override
  public boolean remove(K key) {
    return singleKey.remove(key);
  }

  @Override
  public boolean remove(K key, V oldValue) {
    return singleKey.remove(key, oldValue);
  }

  @Override
  public V getAndRemove(K key) {
    return singleKey.getAndRemove(key);
  }

  @Override
  public boolean replace(K key, V oldValue, V newValue) {
    return singleKey.replace(key, oldValue, newValue);
  }

  @Override
  public boolean replace(K key, V value) {
    return singleKey.replace(key, value);
  }

  @Override
  public V getAndReplace(K key, V value) {
    return singleKey.getAndReplace(key, value);
  }

  @Override
  public void removeAll(Set<? extends K> keys) {
    requireOpen();
    requireNoNulls(keys, "keys");
    bulk.removeKeys(new ArrayList<>(keys));
  }

  @Override
  public void removeAll() {
    requireOpen();
    Set<K> keys = new java.util.LinkedHashSet<>();
    long now = System.currentTimeMillis();
    for (Iterator<Map.Entry<K, StoredEntry>> it = tier.iterator(); it.hasNext(); ) {
      Map.Entry<K, StoredEntry> entry = it.next();
      if (!entry.getValue().isExpiredAt(now)) {
        keys.add(entry.getKey());
      }
    }
    tier.unsharedCopies().forEachRemaining(copy -> keys.add(copy.getKey())); // of keys a shared store lost too
    if (!keys.isEmpty()) {
      bulk.removeKeys(new ArrayList<>(keys));
    }
  }

  @Override
  public void clear() {
    requireOpen();
    tier.clear();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Entry processors

  @Override
  public <T> T invoke(K key, EntryProcessor<K, V, T> processor, Object... arguments) {
    return singleKey.invoke(key, processor, arguments);
  }

  @Override
  public <T> Map<K, EntryProcessorResult<T>> invokeAll(
      Set<? extends K> keys, EntryProcessor<K, V, T> processor, Object... arguments) {
    requireOpen();
    requireNoNulls(keys, "keys");
    Objects.requireNonNull(processor, "entryProcessor");
    return bulk.invokeAll(keys, processor, arguments);
  }

  /** One sweep of the expiry timer (see {@link AtomicSteps#sweepExpired}). */
  private long sweepExpired(long now) {
    return steps.sweepExpired(now);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Iteration

  @Override
  public Iterator<Cache.Entry<K, V>> iterator() {
    requireOpen();
    return new CacheIterator<>(this, steps, statistics, copier, tier.iterator());
  }

  // ---------------------------------------------------------------------------------------------------------
  // Listeners, configuration, management, lifecycle

  @Override
  public void registerCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    requireOpen();
    liveConfiguration.register(listenerConfiguration);
  }

  @Override
  public void deregisterCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    requireOpen();
    liveConfiguration.deregister(listenerConfiguration);
  }

  @Override
  public <C extends Configuration<K, V>> C getConfiguration(Class<C> clazz) {
    return liveConfiguration.copy(clazz);
  }

  /** The configuration as JMX and the manager read it (not a copy). */
  public GoldyloxConfiguration<K, V> configuration() {
    return liveConfiguration.configuration();
  }

  /** Turns statistics on or off, registering or unregistering the statistics MBean. */
  public void setStatisticsEnabled(boolean enabled) {
    liveConfiguration.setStatisticsEnabled(enabled);
  }

  /** Turns management on or off, registering or unregistering the configuration MBean. */
  public void setManagementEnabled(boolean enabled) {
    liveConfiguration.setManagementEnabled(enabled);
  }

  /** This cache's statistics counters (for the jmx module and tests). */
  public CacheStatistics statistics() {
    return statistics;
  }

  /** This cache's listeners (for monitoring: queued, dropped and failed asynchronous events). */
  public EventDispatcher<K, V> events() {
    return events;
  }

  /** The write-behind journal (for monitoring: lag, batches, retries, dead letters), or {@code null}. */
  public WriteBehindJournal<K, V> writeBehind() {
    return writeBehind;
  }

  /** Entries removed because they expired, since the cache was created (for monitoring). */
  public long expiredEntries() {
    return steps.expiredEntries();
  }

  /** The background expiry sweeper (for monitoring). */
  public ExpirySweeper expirySweeper() {
    return sweeper;
  }

  /** The storage tiers (for monitoring). */
  public Tier<K> tier() {
    return tier;
  }

  /** The number of mappings held, expired ones not yet reclaimed included. */
  public long size() {
    return tier.size();
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public GoldyloxCacheManager getCacheManager() {
    return manager;
  }

  @Override
  public void close() {
    close(false);
  }

  /** Closes the cache and drops its entries, persistent ones included ({@code CacheManager.destroyCache}). */
  public void destroy() {
    close(true);
  }

  private void close(boolean dropEntries) {
    if (!CLOSED.compareAndSet(this, false, true)) {
      return;
    }
    try {
      manager.notifyLifecycle(this, false);
      liveConfiguration.unregisterMBeans();
      sweeper.close();
      events.close();
      loading.close();
      Closeables.closeQuietly(writer);
      if (writeBehind != null) {
        writeBehind.close(); // flushes what it can within its bound; the rest is replayed at the next open
      }
      Closeables.closeQuietly(expiryPolicy);
      if (dropEntries) {
        tier.clear();
      }
      tier.close();
    } finally {
      // Last: until the MBeans are gone and the directories unlocked, createCache of this name says it exists.
      manager.release(this);
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz == AsyncCache.class) {
      return clazz.cast(asyncView());
    }
    throw new IllegalArgumentException("Cannot unwrap cache " + name + " to " + clazz.getName());
  }

  @Override
  public String toString() {
    return "GoldyloxCache[" + name + "]";
  }

  // ---------------------------------------------------------------------------------------------------------
  // Helpers

  @SuppressWarnings("unchecked")
  V decode(Object stored) {
    return storedMayBeSerialized ? (V) copier.fromStored(stored) : (V) stored;
  }

  /** The asynchronous view, made on first use (a benign race may make two; they are equivalent). */
  private AsyncView<K, V> asyncView() {
    AsyncView<K, V> view = async;
    if (view == null) {
      view = new AsyncView<>(this, tier, asyncExecutor);
      async = view;
    }
    return view;
  }

  /** Whether a read may move an entry's deadline (constant). */
  boolean accessMayChangeDeadline() {
    return accessMayChangeDeadline;
  }

  /** Whether a miss may find a value without the tiers: through the loader or a pending write-behind op. */
  boolean missMayFind() {
    return missMayFind;
  }

  void requireOpen() {
    if (closed) {
      throw new IllegalStateException("Cache " + name + " is closed");
    }
  }

  private static void requireNoNulls(Collection<?> keys, String what) {
    Objects.requireNonNull(keys, what);
    for (Object key : keys) {
      if (key == null) {
        throw new NullPointerException(what + " contains null");
      }
    }
  }
}

package io.goldylox.cache;

import io.goldylox.cache.EntryOperation.Body;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.event.Closeables;
import io.goldylox.event.EventDispatcher;
import io.goldylox.event.EventDispatcher.SyncEvents;
import io.goldylox.expiry.ExpiryCalculator;
import io.goldylox.expiry.ExpirySweeper;
import io.goldylox.internal.CacheEntry;
import io.goldylox.internal.Workers;
import io.goldylox.management.CacheConfigurationBean;
import io.goldylox.management.CacheStatisticsBean;
import io.goldylox.management.MBeanRegistrar;
import io.goldylox.serialization.Copier;
import io.goldylox.serialization.ReferenceCopier;
import io.goldylox.serialization.SerializedBytes;
import io.goldylox.spi.GoldyloxCacheManager;
import io.goldylox.stats.CacheStatistics;
import io.goldylox.tier.HeapTier;
import io.goldylox.tier.StoredEntry;
import io.goldylox.tier.Tier;
import io.goldylox.tier.TieredTier;
import io.goldylox.writebehind.Pending;
import io.goldylox.writebehind.WriteBehindJournal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.cache.Cache;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.event.EventType;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import javax.cache.integration.CompletionListener;
import javax.cache.management.CacheMXBean;
import javax.cache.management.CacheStatisticsMXBean;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;
import javax.management.ObjectName;

/**
 * A Goldylox cache: the JCache API over a {@link Tier}.
 *
 * <h2>Overview</h2>
 * Every mutation of a key is one atomic step of the tier ({@link Tier#compute}). Inside it, the operation's body
 * reads and decides through an {@link EntryOperation}; then {@link #commit} applies the decision in one place:
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
 * (see {@link #isPlainPut}) skips the operation object: on a plain {@link HeapTier} it is one map store of a new
 * entry; on other tiers one small closure around the stored form.
 *
 * <h2>Threads</h2>
 * Callers' threads do all of the above. The manager's {@link Workers} run {@code loadAll} and asynchronous
 * listeners; their timer runs {@link ExpirySweeper} sweeps, which remove expired entries through the same atomic
 * step. No caller ever waits for either.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class GoldyloxCache<K, V> implements Cache<K, V> {

  /** Step flags: the step may load a missing value (read-through, pending write-behind). */
  static final int LOAD_ALLOWED = 1;
  /** Step flags: the caller told the writer already (putAll, removeAll). */
  private static final int SKIP_WRITER = 2;

  /** What {@link #finish} records. */
  private static final int HIT_OR_MISS = 1;
  private static final int GET_TIME = 2;
  private static final int PUT_TIME = 4;
  private static final int REMOVE_TIME = 8;

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
  private final GoldyloxConfiguration<K, V> configuration;
  private final Copier copier;
  private final Tier<K> tier;
  /** {@link #tier} when it is a plain {@link HeapTier}, where a plain put is one map store; else null. */
  private final HeapTier<K> plainHeap;
  /**
   * Whether a stored value may be {@code SerializedBytes} to decode. Not in a plain heap by reference: its values
   * are the callers' own objects, so a hit returns the value without touching it (one memory access less).
   */
  private final boolean storedMayBeSerialized;
  private final ExpiryPolicy expiryPolicy;
  private final ExpiryCalculator expiry;
  private final ExpirySweeper sweeper;
  private final CacheLoader<K, V> loader;
  /** The write-through writer, typed as the cache (its factory is typed {@code ? super K, ? super V}). */
  private final CacheWriter<K, V> writer;
  private final boolean readThrough;
  /** The write-behind journal, or {@code null}; excludes {@link #writer} (write-through). */
  private final WriteBehindJournal<K, V> writeBehind;
  /** Whether a miss may find a value without the tiers: through the loader or a pending write-behind op. */
  private final boolean missMayFind;
  private final EventDispatcher<K, V> events;
  private final CacheStatistics statistics = new CacheStatistics();
  private final CacheStatisticsMXBean statisticsBean = new CacheStatisticsBean(statistics);
  private final CacheMXBean configurationBean;
  private final Executor loads;
  private final Executor asyncExecutor;
  private volatile AsyncView<K, V> async;
  /** Whether {@link #expiry} never gives a deadline: then steps need not read the clock (it is stateless). */
  private final boolean eternal;
  /** Whether a read may move an entry's deadline ({@link ExpiryCalculator#accessMayChangeDeadline}, constant). */
  private final boolean accessMayChangeDeadline;
  /** Set once by {@link #close}, through {@link #CLOSED}; read by every call (a plain volatile read). */
  private volatile boolean closed;
  /** Entries removed because they expired (found by a read or a write, or reclaimed by a sweep). */
  private final java.util.concurrent.atomic.LongAdder expiredEntries = new java.util.concurrent.atomic.LongAdder();

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
    this.configuration = configuration;
    this.copier = copier;
    this.tier = tier;
    this.plainHeap = tier instanceof HeapTier ? (HeapTier<K>) tier : null;
    this.storedMayBeSerialized = !(tier instanceof HeapTier && copier instanceof ReferenceCopier);
    this.loads = workers.loads();
    this.asyncExecutor = workers.async();
    this.expiryPolicy = configuration.getExpiryPolicyFactory().create();
    this.expiry = ExpiryCalculator.of(expiryPolicy);
    this.eternal = expiry.isEternal();
    this.accessMayChangeDeadline = expiry.accessMayChangeDeadline();
    if (tier instanceof TieredTier && copier instanceof ReferenceCopier && !accessMayChangeDeadline) {
      // By reference, the heap holds objects: let promotions decode once instead of every hit after them.
      ((TieredTier<K>) tier).decodeOnPromotion(bytes -> copier.fromStored(new SerializedBytes(bytes)));
    }
    this.sweeper = new ExpirySweeper(workers.timer(), this::sweepExpired);
    this.loader = configuration.getCacheLoaderFactory() == null
        ? null : configuration.getCacheLoaderFactory().create();
    this.readThrough = configuration.isReadThrough() && loader != null;
    this.writeBehind = writeBehind;
    this.missMayFind = readThrough || writeBehind != null;
    @SuppressWarnings("unchecked")
    CacheWriter<K, V> createdWriter = configuration.isWriteThrough()
        && configuration.getCacheWriterFactory() != null
        ? (CacheWriter<K, V>) configuration.getCacheWriterFactory().create() : null;
    this.writer = createdWriter;
    this.events = new EventDispatcher<>(this, workers.events(), maxPendingEventsPerListener);
    for (CacheEntryListenerConfiguration<K, V> listener : configuration.getCacheEntryListenerConfigurations()) {
      events.register(listener);
    }
    this.configurationBean = new CacheConfigurationBean(() -> this.configuration);
    statistics.setEnabled(configuration.isStatisticsEnabled());
    statistics.setTierEvictions(tier::evictions);
    if (configuration.isStatisticsEnabled()) {
      MBeanRegistrar.register(statisticsBean, objectName(MBeanRegistrar.Kind.STATISTICS));
    }
    if (configuration.isManagementEnabled()) {
      MBeanRegistrar.register(configurationBean, objectName(MBeanRegistrar.Kind.CONFIGURATION));
    }
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
    if (entry == null && !missMayFind) {
      return null;
    }
    EntryOperation<K, V> op = execute(copier.copyKey(key), GET, null, null, missMayFind ? LOAD_ALLOWED : 0);
    op.deliverSyncEvents();
    return op.result();
  }

  /** Applies the access duration to an entry read without its lock. */
  private void touch(Object key, StoredEntry entry, long now) {
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
    long start = statistics.startNanos();
    Map<K, V> result = new HashMap<>(keys.size() * 2);
    List<K> missing = null;
    for (K key : keys) {
      V value = readWithoutLoading(key);
      if (value != null) {
        result.put(key, value);
      } else if (missMayFind) {
        if (missing == null) {
          missing = new ArrayList<>();
        }
        missing.add(key);
      }
    }
    if (missing != null) {
      Map<K, V> loaded = loadMissing(missing);
      SyncEvents<K, V> sync = null;
      for (Map.Entry<K, V> entry : loaded.entrySet()) {
        K key = entry.getKey();
        V value = entry.getValue();
        if (key == null || value == null) {
          continue;
        }
        EntryOperation<K, V> op = execute(copier.copyKey(key), LOAD_IF_ABSENT_THEN_GET, value, null, 0);
        sync = op.mergeSyncEvents(sync);
        if (op.result() != null) {
          result.put(key, op.result());
        }
      }
      if (sync != null) {
        sync.deliver();
      }
    }
    statistics.recordGetTime(start);
    return result;
  }

  /** A get that counts a hit or miss but never loads; expired entries are removed. */
  private V readWithoutLoading(K key) {
    StoredEntry entry = tier.get(key);
    if (entry != null) {
      long now = entry.isMortal() || accessMayChangeDeadline ? System.currentTimeMillis() : 0L;
      if (!entry.isMortal() || !entry.isExpiredAt(now)) {
        touch(key, entry, now);
        statistics.recordHits(1);
        return decode(entry.value());
      }
      expire(key);
    }
    statistics.recordMisses(1);
    return null;
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
    if (loader == null) {
      if (listener != null) {
        listener.onCompletion();
      }
      return;
    }
    List<K> snapshot = new ArrayList<>(new LinkedHashSet<K>(keys));
    try {
      loads.execute(new LoadAllTask(snapshot, replaceExistingValues, listener));
    } catch (RejectedExecutionException e) {
      IllegalStateException closing = new IllegalStateException("The cache manager of " + name + " is closed", e);
      if (listener != null) {
        listener.onException(closing);
      } else {
        throw closing;
      }
    }
  }

  /** A {@code loadAll} waiting for a loader thread; its listener hears exactly once, also if it never runs. */
  private final class LoadAllTask implements Workers.CancellableTask {
    private final List<K> keys;
    private final boolean replaceExistingValues;
    private final CompletionListener listener;

    LoadAllTask(List<K> keys, boolean replaceExistingValues, CompletionListener listener) {
      this.keys = keys;
      this.replaceExistingValues = replaceExistingValues;
      this.listener = listener;
    }

    @Override
    public void run() {
      try {
        loadAllNow(keys, replaceExistingValues);
      } catch (Exception e) {
        if (listener != null) {
          listener.onException(e);
        }
        return;
      }
      if (listener != null) {
        listener.onCompletion();
      }
    }

    @Override
    public void cancelled() {
      if (listener != null) {
        listener.onException(new IllegalStateException(
            "The cache manager of " + name + " closed before this loadAll could run"));
      }
    }
  }

  /** The body of {@link #loadAll}, on a worker thread. */
  private void loadAllNow(List<K> keys, boolean replaceExistingValues) {
    List<K> toLoad = keys;
    if (!replaceExistingValues) {
      toLoad = new ArrayList<>(keys.size());
      for (K key : keys) {
        if (!containsKey(key)) {
          toLoad.add(key);
        }
      }
    }
    if (toLoad.isEmpty()) {
      return;
    }
    Map<K, V> loaded = loadMany(toLoad);
    SyncEvents<K, V> sync = null;
    for (Map.Entry<K, V> entry : loaded.entrySet()) {
      K key = entry.getKey();
      V value = entry.getValue();
      if (key == null || value == null) {
        continue;
      }
      EntryOperation<K, V> op = execute(copier.copyKey(key), replaceExistingValues ? LOAD : LOAD_IF_ABSENT,
          value, null, 0);
      sync = op.mergeSyncEvents(sync);
    }
    if (sync != null) {
      sync.deliver();
    }
  }

  /**
   * The value a miss finds: the operation still pending in the write-behind journal (read-your-writes: the store
   * may not have it yet), else the loader's (read-through), else none. Loader exceptions come out as
   * {@link CacheLoaderException}.
   */
  V loadOne(K key) {
    if (writeBehind != null) {
      Pending<V> pending = writeBehind.pending(key);
      if (pending != null) {
        return pending.isDelete() ? null : copyOf(pending.value());
      }
    }
    if (!readThrough) {
      return null;
    }
    try {
      return loader.load(key);
    } catch (CacheLoaderException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheLoaderException("CacheLoader.load failed for key " + key + " in cache " + name, e);
    }
  }

  /** {@link #loadOne} for many keys: pending write-behind operations first, one loader call for the rest. */
  private Map<K, V> loadMissing(List<K> keys) {
    if (writeBehind == null) {
      return readThrough ? loadMany(keys) : Map.of();
    }
    Map<K, V> found = new HashMap<>();
    List<K> toLoad = new ArrayList<>(keys.size());
    for (K key : keys) {
      Pending<V> pending = writeBehind.pending(key);
      if (pending == null) {
        toLoad.add(key);
      } else if (!pending.isDelete()) {
        found.put(key, copyOf(pending.value()));
      }
    }
    if (readThrough && !toLoad.isEmpty()) {
      found.putAll(loadMany(toLoad));
    }
    return found;
  }

  /** A copy of a caller's value as a reader must get it (the object itself by reference). */
  private V copyOf(V value) {
    return decode(copier.toStored(value));
  }

  private Map<K, V> loadMany(List<K> keys) {
    try {
      Map<K, V> loaded = loader.loadAll(keys);
      return loaded == null ? Map.of() : loaded;
    } catch (CacheLoaderException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheLoaderException("CacheLoader.loadAll failed in cache " + name, e);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writes

  @Override
  public void put(K key, V value) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    long start = statistics.startNanos();
    if (isPlainPut()) {
      // Nothing to tell and nothing to compute: no writer, no journal, no deadline, no listener for the change.
      Object stored = copier.toStored(value);
      if (plainHeap != null) {
        // An eternal cache's heap holds only eternal entries (no lower tier restores mortal ones): the previous
        // entry does not matter, and a blind store holds the key's lock shortest, which counts under contention.
        plainHeap.store(copier.copyKey(key), new StoredEntry(stored, StoredEntry.ETERNAL));
      } else {
        K copy = copier.copyKey(key);
        if (!tier.storeBlind(copy, new StoredEntry(stored, StoredEntry.ETERNAL))) {
          tier.compute(copy, (k, current) -> plainPut(current, stored)); // captures only stored
        }
      }
      statistics.recordPuts(1);
      statistics.recordPutTime(start);
      return;
    }
    finish(execute(copier.copyKey(key), PUT, value, null, 0), start, PUT_TIME);
  }

  /**
   * The entry a plain put of {@code stored} leaves where {@code current} was. An eternal policy leaves an update's
   * deadline unchanged; only entries persisted under another policy have one at all. Static, so that the put's
   * closure captures the stored form alone.
   */
  private static StoredEntry plainPut(StoredEntry current, Object stored) {
    if (current == null) {
      return new StoredEntry(stored, StoredEntry.ETERNAL);
    }
    long deadline = current.isMortal() && !current.isExpiredAt(System.currentTimeMillis())
        ? current.expireAtMillis() : StoredEntry.ETERNAL;
    return storedEntry(current, stored, deadline);
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
    requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = execute(copier.copyKey(key), GET_AND_PUT, value, null, 0);
    finish(op, start, HIT_OR_MISS | GET_TIME | PUT_TIME);
    return op.result();
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> map) {
    requireOpen();
    Objects.requireNonNull(map, "map");
    for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
      Objects.requireNonNull(entry.getKey(), "a key in the map");
      Objects.requireNonNull(entry.getValue(), "a value in the map");
    }
    long start = statistics.startNanos();
    // Convert every value first: one the cache cannot store fails the call before the writer or the cache
    // sees any of them, so writer and cache never disagree.
    Map<Object, Object> storedForms = new HashMap<>(map.size() * 2);
    for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
      storedForms.put(entry.getKey(), copier.toStored(entry.getValue()));
    }
    Set<Object> failedKeys = Set.of();
    RuntimeException failure = null;
    if (writer != null && !map.isEmpty()) {
      List<Cache.Entry<? extends K, ? extends V>> batch = new ArrayList<>(map.size());
      for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
        batch.add(new CacheEntry<>(entry.getKey(), entry.getValue()));
      }
      try {
        writer.writeAll(batch);
      } catch (Exception e) {
        failure = asWriterException(e);
        failedKeys = new HashSet<>();
        for (Cache.Entry<? extends K, ? extends V> left : batch) {
          failedKeys.add(left.getKey());
        }
      }
    }
    SyncEvents<K, V> sync = null;
    for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
      if (failedKeys.contains(entry.getKey())) {
        continue;
      }
      V value = entry.getValue();
      Object stored = storedForms.get(entry.getKey());
      EntryOperation<K, V> op = execute(copier.copyKey(entry.getKey()), PUT_STORED, value, stored,
          writer != null ? SKIP_WRITER : 0);
      sync = op.mergeSyncEvents(sync);
    }
    statistics.recordPutTime(start);
    if (sync != null) {
      sync.deliver();
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public boolean putIfAbsent(K key, V value) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = execute(copier.copyKey(key), PUT_IF_ABSENT, value, null, 0);
    finish(op, start, HIT_OR_MISS | PUT_TIME);
    return (Boolean) op.result;
  }

  @Override
  public boolean remove(K key) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = execute(key, REMOVE, null, null, 0);
    finish(op, start, REMOVE_TIME);
    return (Boolean) op.result;
  }

  @Override
  public boolean remove(K key, V oldValue) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(oldValue, "oldValue");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = execute(key, REMOVE_IF_EQUAL, oldValue, null, 0);
    finish(op, start, HIT_OR_MISS | GET_TIME | REMOVE_TIME);
    return (Boolean) op.result;
  }

  @Override
  public V getAndRemove(K key) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = execute(key, GET_AND_REMOVE, null, null, 0);
    finish(op, start, HIT_OR_MISS | GET_TIME | REMOVE_TIME);
    return op.result();
  }

  @Override
  public boolean replace(K key, V oldValue, V newValue) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(oldValue, "oldValue");
    Objects.requireNonNull(newValue, "newValue");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = execute(key, REPLACE_IF_EQUAL, oldValue, newValue, 0);
    finish(op, start, HIT_OR_MISS | GET_TIME | PUT_TIME);
    return (Boolean) op.result;
  }

  @Override
  public boolean replace(K key, V value) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = execute(key, REPLACE, value, null, 0);
    finish(op, start, HIT_OR_MISS | GET_TIME | PUT_TIME);
    return (Boolean) op.result;
  }

  @Override
  public V getAndReplace(K key, V value) {
    requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = execute(key, GET_AND_REPLACE, value, null, 0);
    finish(op, start, HIT_OR_MISS | GET_TIME | PUT_TIME);
    return op.result();
  }

  @Override
  public void removeAll(Set<? extends K> keys) {
    requireOpen();
    requireNoNulls(keys, "keys");
    removeKeys(new ArrayList<>(keys));
  }

  @Override
  public void removeAll() {
    requireOpen();
    List<K> keys = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Iterator<Map.Entry<K, StoredEntry>> it = tier.iterator(); it.hasNext(); ) {
      Map.Entry<K, StoredEntry> entry = it.next();
      if (!entry.getValue().isExpiredAt(now)) {
        keys.add(entry.getKey());
      }
    }
    if (!keys.isEmpty()) {
      removeKeys(keys);
    }
  }

  /** Deletes {@code keys} through the writer (one {@code deleteAll}), then removes those it deleted. */
  private void removeKeys(List<K> keys) {
    long start = statistics.startNanos();
    Set<Object> failedKeys = Set.of();
    RuntimeException failure = null;
    if (writer != null && !keys.isEmpty()) {
      List<K> batch = new ArrayList<>(keys);
      try {
        writer.deleteAll(batch);
      } catch (Exception e) {
        failure = asWriterException(e);
        failedKeys = new HashSet<>(batch);
      }
    }
    SyncEvents<K, V> sync = null;
    for (K key : keys) {
      if (failedKeys.contains(key)) {
        continue;
      }
      EntryOperation<K, V> op = execute(key, DISCARD, null, null, writer != null ? SKIP_WRITER : 0);
      sync = op.mergeSyncEvents(sync);
    }
    statistics.recordRemoveTime(start);
    if (sync != null) {
      sync.deliver();
    }
    if (failure != null) {
      throw failure;
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
    requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(processor, "entryProcessor");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = execute(copier.copyKey(key), INVOKE, processor, arguments,
        missMayFind ? LOAD_ALLOWED : 0);
    finish(op, start, HIT_OR_MISS | GET_TIME);
    return op.result();
  }

  @Override
  public <T> Map<K, EntryProcessorResult<T>> invokeAll(
      Set<? extends K> keys, EntryProcessor<K, V, T> processor, Object... arguments) {
    requireOpen();
    requireNoNulls(keys, "keys");
    Objects.requireNonNull(processor, "entryProcessor");
    Map<K, EntryProcessorResult<T>> results = new LinkedHashMap<>();
    for (K key : keys) {
      try {
        T result = invoke(key, processor, arguments);
        if (result != null) {
          results.put(key, () -> result);
        }
      } catch (RuntimeException e) {
        EntryProcessorException failure = e instanceof EntryProcessorException
            ? (EntryProcessorException) e : new EntryProcessorException(e);
        results.put(key, () -> {
          throw failure;
        });
      }
    }
    return results;
  }

  // ---------------------------------------------------------------------------------------------------------
  // What each single-key operation does inside its atomic step. None captures anything: the call's own objects
  // come in as the body's arguments, so one instance of each serves every call of every cache and no call
  // allocates a closure. Written for any key and value type: they only pass on the values their caller gave.

  /** Does nothing: the step still drops an expired entry it finds, firing EXPIRED ({@link #expire}). */
  private static final Body<Object, Object> NOTHING = (op, none, unused) -> null;

  /** A get that missed or found an expired entry: reads, loading when the step allows it. */
  private static final Body<Object, Object> GET = (op, none, unused) -> op.getValue();

  /** {@code put(key, first)}. */
  private static final Body<Object, Object> PUT = (op, value, unused) -> {
    op.setValue(value);
    return null;
  };

  /** One key of {@code putAll}: the value {@code first} whose stored form {@code second} is made already. */
  private static final Body<Object, Object> PUT_STORED = (op, value, stored) -> {
    op.setValue(value, stored);
    return null;
  };

  /** {@code getAndPut(key, first)}. */
  private static final Body<Object, Object> GET_AND_PUT = (op, value, unused) -> {
    Object old = op.originalValue();
    op.setValue(value);
    return old;
  };

  /** {@code putIfAbsent(key, first)}. */
  private static final Body<Object, Object> PUT_IF_ABSENT = (op, value, unused) -> {
    if (op.existedBefore()) {
      return Boolean.FALSE;
    }
    op.setValue(value);
    return Boolean.TRUE;
  };

  /** {@code remove(key)}. */
  private static final Body<Object, Object> REMOVE = (op, none, unused) -> {
    boolean existed = op.existedBefore();
    op.remove();
    return existed;
  };

  /** A removal that reports nothing: {@code removeAll}, {@code Iterator.remove}. */
  private static final Body<Object, Object> DISCARD = (op, none, unused) -> {
    op.remove();
    return null;
  };

  /** {@code remove(key, first)}. */
  private static final Body<Object, Object> REMOVE_IF_EQUAL = (op, oldValue, unused) -> {
    if (!op.existedBefore()) {
      return Boolean.FALSE;
    }
    if (oldValue.equals(op.originalValue())) {
      op.remove();
      return Boolean.TRUE;
    }
    op.markAccessed();
    return Boolean.FALSE;
  };

  /** {@code getAndRemove(key)}. */
  private static final Body<Object, Object> GET_AND_REMOVE = (op, none, unused) -> {
    Object old = op.originalValue();
    op.remove();
    return old;
  };

  /** {@code replace(key, first, second)}. */
  private static final Body<Object, Object> REPLACE_IF_EQUAL = (op, oldValue, newValue) -> {
    if (!op.existedBefore()) {
      return Boolean.FALSE;
    }
    if (oldValue.equals(op.originalValue())) {
      op.setValue(newValue);
      return Boolean.TRUE;
    }
    op.markAccessed();
    return Boolean.FALSE;
  };

  /** {@code replace(key, first)}. */
  private static final Body<Object, Object> REPLACE = (op, value, unused) -> {
    if (!op.existedBefore()) {
      return Boolean.FALSE;
    }
    op.setValue(value);
    return Boolean.TRUE;
  };

  /** {@code getAndReplace(key, first)}. */
  private static final Body<Object, Object> GET_AND_REPLACE = (op, value, unused) -> {
    if (!op.existedBefore()) {
      return null;
    }
    Object old = op.originalValue();
    op.setValue(value);
    return old;
  };

  /** {@code loadAll} replacing existing values: stores the loaded value {@code first}. */
  private static final Body<Object, Object> LOAD = (op, value, unused) -> {
    op.setLoaded(value);
    return null;
  };

  /** {@code loadAll} keeping existing values: stores the loaded value {@code first} where there is none. */
  private static final Body<Object, Object> LOAD_IF_ABSENT = (op, value, unused) -> {
    if (!op.exists()) {
      op.setLoaded(value);
    }
    return null;
  };

  /** One loaded key of {@code getAll}: stores {@code first} where there is none, returns the value then held. */
  private static final Body<Object, Object> LOAD_IF_ABSENT_THEN_GET = (op, value, unused) -> {
    if (!op.exists()) {
      op.setLoaded(value);
    }
    return op.exists() ? op.getValue() : null;
  };

  /** {@code invoke(key, first, second...)}: the processor {@code first} with the arguments {@code second}. */
  private static final Body<Object, Object> INVOKE = (op, processor, arguments) -> {
    @SuppressWarnings("unchecked")
    EntryProcessor<Object, Object, ?> typed = (EntryProcessor<Object, Object, ?>) processor;
    try {
      return typed.process(op, (Object[]) arguments);
    } catch (EntryProcessorException e) {
      throw e;
    } catch (Exception e) {
      throw new EntryProcessorException(e);
    }
  };

  // ---------------------------------------------------------------------------------------------------------
  // The one place where an operation's decision becomes a change

  /**
   * Runs {@code body} on {@code key} inside one atomic step of the tier and applies its decision. The caller
   * passes a key it may store (already copied for store-by-value when the step may insert it). The returned
   * operation reports what the step did; the caller finishes it ({@link #finish}) or delivers its events.
   */
  private EntryOperation<K, V> execute(K key, Body<Object, Object> body, Object first, Object second, int flags) {
    // The bodies above are written for Object keys and values; they only pass on the caller's K and V.
    @SuppressWarnings("unchecked")
    Body<K, V> typed = (Body<K, V>) (Body<?, ?>) body;
    EntryOperation<K, V> op = new EntryOperation<>(this, typed, first, second, flags);
    tier.compute(key, op); // runs step(op, key, current) under the key's lock
    if (op.deadline != StoredEntry.ETERNAL) {
      sweeper.deadlineSet(op.deadline);
    }
    if (op.expired != null) {
      expiredEntries.increment();
    }
    if (op.put) {
      statistics.recordPuts(1);
    }
    if (op.removal) {
      statistics.recordRemovals(1);
    }
    return op;
  }

  /**
   * The atomic step of {@code op} on key {@code k}, whose mapping is {@code current}: drops an expired entry, runs
   * the body, commits its decision and returns the entry to keep. Called by {@link EntryOperation#apply} only,
   * inside {@link Tier#compute}.
   */
  StoredEntry step(EntryOperation<K, V> op, K k, StoredEntry current) {
    // An eternal cache holding an eternal entry never needs the time.
    long now = eternal && (current == null || !current.isMortal()) ? 0L : System.currentTimeMillis();
    StoredEntry live = current;
    if (current != null && current.isExpiredAt(now)) {
      live = null;
      op.expired = current;
    }
    op.begin(k, live);
    op.runBody();
    return commit(k, op, now, (op.flags & SKIP_WRITER) == 0);
  }

  /**
   * Turns an operation's decision into the entry to keep, inside the key's atomic step: writer first (it may
   * throw, which aborts the step and leaves the mapping as it was), then expiry, then the events.
   */
  private StoredEntry commit(K key, EntryOperation<K, V> op, long now, boolean useWriter) {
    StoredEntry live = op.original();
    StoredEntry next;
    EventType event = null;
    V eventValue = null;
    V eventOld = null;
    switch (op.outcome()) {
      case NONE:
        next = live;
        break;
      case ACCESS: {
        long deadline = expiry.onAccess(now);
        if (deadline != ExpiryCalculator.UNCHANGED) {
          live.setExpireAtMillis(deadline);
          op.deadline = deadline;
        }
        next = live;
        break;
      }
      case LOAD:
      case CREATE:
      case UPDATE: {
        V value = op.newValue();
        boolean update = live != null;
        // Convert first: a value the cache cannot store (not serializable, say) must never reach the writer.
        Object stored = op.storedForm() != null ? op.storedForm() : copier.toStored(value);
        if (op.outcome() != EntryOperation.Outcome.LOAD && useWriter) {
          if (writer != null) {
            write(key, value);
          } else if (writeBehind != null) {
            // Appends to the journal and returns; never waits for the writer. A value stored by value is already
            // bytes of the journal's serializer: they are journaled as they are, not serialized a second time.
            writeBehind.put(key, value,
                stored instanceof SerializedBytes ? ((SerializedBytes) stored).bytes() : null);
          }
        }
        long deadline;
        if (update) {
          deadline = expiry.onUpdate(now);
          if (deadline == ExpiryCalculator.UNCHANGED) {
            deadline = live.expireAtMillis();
          }
        } else {
          deadline = expiry.onCreation(now);
          if (deadline <= now) {
            next = null; // born expired: not stored, no event, not counted
            break;
          }
        }
        next = update ? storedEntry(live, stored, deadline) : new StoredEntry(stored, deadline);
        op.deadline = deadline;
        if (op.outcome() != EntryOperation.Outcome.LOAD) {
          op.put = true;
        }
        event = update ? EventType.UPDATED : EventType.CREATED;
        if (events.wants(event)) {
          eventValue = value;
          eventOld = update ? op.originalValue() : null;
        }
        break;
      }
      case REMOVE:
        if (useWriter) {
          if (writer != null) {
            delete(key);
          } else if (writeBehind != null) {
            writeBehind.delete(key);
          }
        }
        next = null;
        if (live != null) {
          op.removal = true;
          event = EventType.REMOVED;
          if (events.wants(event)) {
            eventOld = op.originalValue();
            eventValue = eventOld;
          }
        }
        break;
      default:
        throw new AssertionError(op.outcome());
    }
    // Events, only once nothing can fail any more: an expiry found on the way first, then the change itself.
    if (op.expired != null && events.wants(EventType.EXPIRED)) {
      V expiredValue = decode(op.expired.value());
      op.sync = events.publish(EventType.EXPIRED, key, expiredValue, expiredValue, op.sync);
    }
    if (event != null && events.wants(event)) {
      op.sync = events.publish(event, key, eventValue, eventOld, op.sync);
    }
    return next;
  }

  /**
   * The entry that replaces {@code live}: {@code live} itself when it already holds this very stored form and
   * deadline (a put of the same object, by reference), else a new one. Keeping {@code live} saves an allocation
   * and is indistinguishable from replacing it: the value is the same object and the deadline the same.
   */
  private static StoredEntry storedEntry(StoredEntry live, Object stored, long deadline) {
    return live.value() == stored && live.expireAtMillis() == deadline ? live : new StoredEntry(stored, deadline);
  }

  private void write(K key, V value) {
    try {
      writer.write(new CacheEntry<>(key, value));
    } catch (Exception e) {
      throw asWriterException(e);
    }
  }

  private void delete(K key) {
    try {
      writer.delete(key);
    } catch (Exception e) {
      throw asWriterException(e);
    }
  }

  private static CacheWriterException asWriterException(Exception e) {
    return e instanceof CacheWriterException ? (CacheWriterException) e : new CacheWriterException(e);
  }

  /**
   * Removes the entry of {@code key} if it is (still) expired, firing EXPIRED: a step that does nothing, since
   * every step drops the expired entry it finds. It re-checks even when it is the entry a reader found expired: a
   * lock-free read may have moved its deadline since.
   */
  private void expire(K key) {
    execute(key, NOTHING, null, null, 0).deliverSyncEvents();
  }

  /** One sweep of the expiry timer: removes what expired by {@code now}, returns the earliest other deadline. */
  private long sweepExpired(long now) {
    long earliest = StoredEntry.ETERNAL;
    if (closed) {
      return earliest;
    }
    for (Iterator<Map.Entry<K, StoredEntry>> it = tier.localIterator(); it.hasNext(); ) {
      Map.Entry<K, StoredEntry> mapping = it.next();
      StoredEntry entry = mapping.getValue();
      if (entry.isExpiredAt(now)) {
        try {
          expire(mapping.getKey());
        } catch (RuntimeException e) {
          // A synchronous EXPIRED listener threw on the sweeper thread: nobody to report it to but the log.
          System.getLogger(GoldyloxCache.class.getName()).log(System.Logger.Level.WARNING,
              "An EXPIRED listener of cache " + name + " threw during an expiry sweep", e);
        }
      } else if (entry.expireAtMillis() < earliest) {
        earliest = entry.expireAtMillis();
      }
    }
    return earliest;
  }

  /**
   * Ends a single-key operation on the calling thread, after the key was released: records what the flags say
   * (a hit or miss by whether the entry existed, and the timings), then delivers the synchronous events.
   */
  private void finish(EntryOperation<K, V> op, long start, int counts) {
    if ((counts & HIT_OR_MISS) != 0) {
      if (op.existedBefore()) {
        statistics.recordHits(1);
      } else {
        statistics.recordMisses(1);
      }
    }
    if ((counts & GET_TIME) != 0) {
      statistics.recordGetTime(start);
    }
    if ((counts & PUT_TIME) != 0) {
      statistics.recordPutTime(start);
    }
    if ((counts & REMOVE_TIME) != 0) {
      statistics.recordRemoveTime(start);
    }
    op.deliverSyncEvents();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Iteration

  @Override
  public Iterator<Cache.Entry<K, V>> iterator() {
    requireOpen();
    return new EntryIterator();
  }

  /** Weakly consistent iterator: skips expired entries, counts each entry returned as a hit. */
  private final class EntryIterator implements Iterator<Cache.Entry<K, V>> {
    private final Iterator<Map.Entry<K, StoredEntry>> mappings = tier.iterator();
    private CacheEntry<K, V> next;
    private CacheEntry<K, V> last;

    @Override
    public boolean hasNext() {
      while (next == null && mappings.hasNext()) {
        Map.Entry<K, StoredEntry> mapping = mappings.next();
        StoredEntry entry = mapping.getValue();
        long now = System.currentTimeMillis();
        if (entry.isExpiredAt(now)) {
          continue;
        }
        touch(mapping.getKey(), entry, now);
        statistics.recordHits(1);
        next = new CacheEntry<>(copier.copyKey(mapping.getKey()), decode(entry.value()));
      }
      return next != null;
    }

    @Override
    public Cache.Entry<K, V> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      last = next;
      next = null;
      return last;
    }

    @Override
    public void remove() {
      if (last == null) {
        throw new IllegalStateException("next() has not been called, or remove() was already called");
      }
      requireOpen();
      K key = last.getKey();
      last = null;
      long start = statistics.startNanos();
      EntryOperation<K, V> op = execute(key, DISCARD, null, null, 0);
      statistics.recordRemoveTime(start);
      op.deliverSyncEvents();
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Listeners, configuration, management, lifecycle

  @Override
  public void registerCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    requireOpen();
    Objects.requireNonNull(listenerConfiguration, "cacheEntryListenerConfiguration");
    synchronized (configuration) {
      events.register(listenerConfiguration);
      configuration.addCacheEntryListenerConfiguration(listenerConfiguration);
    }
  }

  @Override
  public void deregisterCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    requireOpen();
    Objects.requireNonNull(listenerConfiguration, "cacheEntryListenerConfiguration");
    synchronized (configuration) {
      events.deregister(listenerConfiguration);
      configuration.removeCacheEntryListenerConfiguration(listenerConfiguration);
    }
  }

  @Override
  public <C extends Configuration<K, V>> C getConfiguration(Class<C> clazz) {
    GoldyloxConfiguration<K, V> copy;
    synchronized (configuration) {
      copy = new GoldyloxConfiguration<>(configuration);
    }
    if (clazz.isInstance(copy)) {
      return clazz.cast(copy);
    }
    throw new IllegalArgumentException("The configuration of cache " + name + " is a "
        + GoldyloxConfiguration.class.getName() + ", not a " + clazz.getName());
  }

  /** The configuration as JMX and the manager read it (not a copy). */
  public GoldyloxConfiguration<K, V> configuration() {
    return configuration;
  }

  /** Turns statistics on or off, registering or unregistering the statistics MBean. */
  public void setStatisticsEnabled(boolean enabled) {
    synchronized (configuration) {
      configuration.setStatisticsEnabled(enabled);
      statistics.setEnabled(enabled);
      if (enabled) {
        MBeanRegistrar.register(statisticsBean, objectName(MBeanRegistrar.Kind.STATISTICS));
      } else {
        MBeanRegistrar.unregister(objectName(MBeanRegistrar.Kind.STATISTICS));
      }
    }
  }

  /** Turns management on or off, registering or unregistering the configuration MBean. */
  public void setManagementEnabled(boolean enabled) {
    synchronized (configuration) {
      configuration.setManagementEnabled(enabled);
      if (enabled) {
        MBeanRegistrar.register(configurationBean, objectName(MBeanRegistrar.Kind.CONFIGURATION));
      } else {
        MBeanRegistrar.unregister(objectName(MBeanRegistrar.Kind.CONFIGURATION));
      }
    }
  }

  private ObjectName objectName(MBeanRegistrar.Kind kind) {
    return MBeanRegistrar.objectName(kind, manager.getURI(), name);
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
    return expiredEntries.sum();
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
    manager.release(this);
    manager.notifyLifecycle(this, false);
    MBeanRegistrar.unregister(objectName(MBeanRegistrar.Kind.STATISTICS));
    MBeanRegistrar.unregister(objectName(MBeanRegistrar.Kind.CONFIGURATION));
    sweeper.close();
    events.close();
    Closeables.closeQuietly(loader);
    Closeables.closeQuietly(writer);
    if (writeBehind != null) {
      writeBehind.close(); // flushes what it can within its bound; the rest is replayed at the next open
    }
    Closeables.closeQuietly(expiryPolicy);
    if (dropEntries) {
      tier.clear();
    }
    tier.close();
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

  /**
   * Whether a read of {@code entry} finishes without waiting on anything: a live entry, or a miss that no loader
   * and no write-behind journal can answer. For the asynchronous view.
   */
  boolean readCompletesAtOnce(StoredEntry entry) {
    if (entry == null) {
      return !missMayFind;
    }
    return !entry.isMortal() || !entry.isExpiredAt(System.currentTimeMillis());
  }

  /** Whether changes may wait on another process (a remote tier): the asynchronous view then hands them over. */
  boolean changesMayWait() {
    return tier instanceof io.goldylox.remote.NearCacheTier;
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

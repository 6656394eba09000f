package io.goldylox.remote;

import io.goldylox.config.RemoteConfig;
import io.goldylox.tier.StoredEntry;
import io.goldylox.tier.Tier;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.LongConsumer;

/**
 * A cache's storage when it has a {@code remote} block: its local tiers (heap, off-heap, disk) become a near cache
 * of a {@link RemoteStore} that every node of the fleet shares, and every change made here invalidates the other
 * nodes' near copies. The JCache layer sees only a {@link Tier}.
 *
 * <ul>
 *   <li><b>get</b>: a local hit is a local lookup, no network. A local miss reads the store (one round trip,
 *       bounded by its timeout) and fills the local tiers, unless an invalidation of that key, or a drop of the
 *       whole near cache, arrived meanwhile ({@link Invalidations}). While the invalidation stream is down, local
 *       copies are not served at all: every read goes to the store.</li>
 *   <li><b>compute</b> (every change): under the key's local lock, takes the key's lock in the store and reads the
 *       shared value, runs the operation once on it, then writes the result, releases the lock and announces the
 *       change, in one step of the store. Two round trips; atomic across nodes, so conditional operations and
 *       entry processors lose no update when two JVMs change one key. A plain put ({@link #storeBlind}) is one
 *       round trip, unless another node holds the key's lock.</li>
 *   <li><b>Own changes</b>: a node never hears its own invalidations, so each change it makes moves the key's
 *       stripe counter after the write, turning away fills of values read before it; a write that failed without
 *       an answer drops the near copy.</li>
 *   <li><b>Failures</b>: a {@link CircuitBreaker} spares callers the timeout during an outage; with
 *       {@code on-failure = local} the near cache serves and takes changes alone until the store answers again,
 *       and is then dropped.</li>
 *   <li><b>Expiry</b>: the deadline travels with the value and becomes the store's own expiry, so an entry
 *       expires on every node at once. A node expires its near copies alone ({@link #computeExpiry}: no round
 *       trip, EXPIRED fired on this node), and fills report their deadlines to the cache's expiry sweep.</li>
 *   <li><b>iterator, size, clear</b> act on the shared copy; the expiry sweep visits only the local copies
 *       ({@link #localIterator}).</li>
 * </ul>
 *
 * <p>Threads: callers; the invalidation worker ({@link Invalidations}); the store's I/O threads (which only
 * signal). A read that fills and a change hold the key's local lock during their round trips, which bounds how
 * long another local caller of a key in the same lock may wait: the store's timeout. Unlike a purely local tier,
 * a {@link #get} that misses may therefore take the key's local lock (to fill).
 *
 * @param <K> the key type
 */
public final class NearCacheTier<K> implements Tier<K> {


  private final Tier<K> local;
  private final RemoteStore remote;
  private final RemoteCodec codec;
  private final RemoteMetrics metrics;
  private final Invalidations<K> invalidations;
  /** Every call to the store: timed, counted, behind the circuit breaker, judged by on-failure. */
  private final StoreCalls calls;
  private final String cacheName;
  /** Where fills report their deadlines, so the expiry sweep comes for them ({@link #attachExpiry}). */
  private volatile LongConsumer sweepPlan = deadline -> { };
  /** Whether reads move deadlines: then a near copy's deadline may be earlier than the shared one. */
  private volatile boolean readsMoveDeadlines;
  /**
   * The expired near copy a read last found gone from the store too, so that expiring it right after takes no
   * second read of the store. Compared by identity: a copy the store no longer holds cannot come back alive
   * (another node's access cannot extend a deadline that is gone; a new value is a new entry).
   */
  private volatile StoredEntry confirmedDead;

  private NearCacheTier(Tier<K> local, RemoteStore remote, RemoteConfig config, RemoteCodec codec,
      RemoteMetrics metrics, String cacheName) {
    this.local = local;
    this.remote = remote;
    this.codec = codec;
    this.metrics = metrics;
    this.cacheName = cacheName;
    this.invalidations = new Invalidations<>(local, codec, metrics, cacheName, remote.describe());
    this.calls = new StoreCalls(metrics, Math.max(TimeUnit.MILLISECONDS.toNanos(500), 5 * config.timeout().toNanos()),
        config.onFailure() == RemoteConfig.OnFailure.LOCAL, cacheName, remote.describe(),
        invalidations::dropNearCache);
    // Near hits never call the store: a node whose reads are all near hits learns that the store answers again
    // from its own heartbeat answered in time (under on-failure = local it then drops what it changed alone; it
    // kept serving those changes for good, found by a new-user trial).
    invalidations.onAnswered(calls::succeeded);
  }

  /**
   * Puts {@code local} under {@code remote}: starts the invalidation worker, subscribes to the other nodes'
   * changes and drops whatever the local tiers held from before (a restarted disk tier may hold values that
   * changed elsewhere meanwhile). Closes {@code remote} if that fails.
   */
  public static <K> NearCacheTier<K> open(Tier<K> local, RemoteStore remote, RemoteConfig config,
      io.goldylox.serialization.Serializer serializer, io.goldylox.serialization.Copier copier,
      java.util.function.Supplier<ClassLoader> classLoader, Class<?> valueType, String cacheName) {
    RemoteMetrics metrics = new RemoteMetrics();
    RemoteCodec codec = new RemoteCodec(serializer, copier, classLoader, valueType, metrics, cacheName);
    NearCacheTier<K> tier = new NearCacheTier<>(local, remote, config, codec, metrics, cacheName);
    try {
      tier.invalidations.clearedBeforeListening();
      tier.invalidations.start();
      remote.listen(tier.invalidations);
    } catch (RuntimeException | Error e) {
      tier.invalidations.close();
      remote.close();
      throw e;
    }
    return tier;
  }

  @Override
  public void attachExpiry(LongConsumer sweepPlan, boolean readsMoveDeadlines) {
    this.sweepPlan = sweepPlan;
    this.readsMoveDeadlines = readsMoveDeadlines;
  }

  @Override
  public StoredEntry get(Object key) {
    StoredEntry expiredNear = null;
    if (invalidations.coherent()) {
      StoredEntry near = local.get(key);
      if (near != null) {
        if (!mayLiveOnElsewhere(near)) {
          return near;
        }
        expiredNear = near; // another node's read may have moved the shared deadline: the store knows
      }
    }
    byte[] keyBytes = codec.key(key);
    long epoch = invalidations.epoch();
    long stripe = invalidations.stripe(keyBytes);
    byte[] record;
    try {
      record = calls.timed(() -> remote.get(keyBytes));
    } catch (RemoteStoreException e) {
      if (!calls.fallsBack(e)) {
        throw e;
      }
      metrics.localFallbacks.increment();
      return local.get(key); // on-failure = local: the near copy, whatever it is
    }
    StoredEntry entry = live(record);
    if (entry == null) {
      metrics.remoteMisses.increment();
      return confirmedDead(expiredNear); // the cache expires it (EXPIRED), through computeExpiry
    }
    metrics.remoteHits.increment();
    if (invalidations.unchanged(keyBytes, epoch, stripe)) {
      fill(keyBytes, entry, epoch, stripe);
    }
    return entry;
  }

  /**
   * {@link #get} of several keys: the near hits locally, the misses from the store together, a page of
   * {@value SharedPages#PAGE} keys a round trip, each filled as {@link #get} fills.
   */
  @Override
  public StoredEntry[] getAll(Object[] keys) {
    StoredEntry[] entries = new StoredEntry[keys.length];
    int[] misses = new int[keys.length];
    int missCount = 0;
    boolean coherent = invalidations.coherent();
    for (int i = 0; i < keys.length; i++) {
      StoredEntry near = coherent ? local.get(keys[i]) : null;
      entries[i] = near; // an expired one stays unless the store has the key alive (see get)
      if (near == null || mayLiveOnElsewhere(near)) {
        misses[missCount++] = i;
      }
    }
    for (int from = 0; from < missCount; from += SharedPages.PAGE) {
      readPage(keys, entries, misses, from, Math.min(missCount, from + SharedPages.PAGE));
    }
    return entries;
  }

  /** Reads the keys {@code misses[from..to)} from the store in one round trip, into {@code entries}. */
  private void readPage(Object[] keys, StoredEntry[] entries, int[] misses, int from, int to) {
    List<byte[]> keyBytes = new ArrayList<>(to - from);
    long[] stripes = new long[to - from];
    long epoch = invalidations.epoch();
    for (int j = 0; j < stripes.length; j++) {
      byte[] bytes = codec.key(keys[misses[from + j]]);
      keyBytes.add(bytes);
      stripes[j] = invalidations.stripe(bytes);
    }
    List<byte[]> records;
    try {
      records = calls.timed(() -> remote.getAll(keyBytes));
    } catch (RemoteStoreException e) {
      if (!calls.fallsBack(e)) {
        throw e;
      }
      metrics.localFallbacks.add(stripes.length);
      for (int j = 0; j < stripes.length; j++) {
        entries[misses[from + j]] = local.get(keys[misses[from + j]]); // on-failure = local: whatever it is
      }
      return;
    }
    for (int j = 0; j < stripes.length; j++) {
      StoredEntry entry = live(records.get(j));
      if (entry == null) {
        metrics.remoteMisses.increment();
        continue;
      }
      metrics.remoteHits.increment();
      entries[misses[from + j]] = entry;
      if (invalidations.unchanged(keyBytes.get(j), epoch, stripes[j])) {
        fill(keyBytes.get(j), entry, epoch, stripes[j]);
      }
    }
  }

  /**
   * {@link #get} without blocking: a near hit completes at once; otherwise the stage completes on the store's
   * I/O thread, and the fill of the near cache is handed to the invalidation worker.
   */
  @Override
  public CompletionStage<StoredEntry> getAsync(Object key) {
    StoredEntry expiredNear = null;
    if (invalidations.coherent()) {
      StoredEntry near = local.get(key);
      if (near != null) {
        if (!mayLiveOnElsewhere(near)) {
          return CompletableFuture.completedFuture(near);
        }
        expiredNear = near;
      }
    }
    StoredEntry nearFound = expiredNear;
    byte[] keyBytes = codec.key(key);
    long epoch = invalidations.epoch();
    long stripe = invalidations.stripe(keyBytes);
    try {
      calls.check(); // not tried while the breaker is open: no round trip, and the breaker stays as it is
    } catch (RemoteStoreException e) {
      if (calls.fallsBack(e)) {
        metrics.localFallbacks.increment();
        return CompletableFuture.completedFuture(local.get(key));
      }
      return CompletableFuture.failedFuture(e);
    }
    long start = System.nanoTime();
    CompletionStage<byte[]> read;
    try {
      read = remote.getAsync(keyBytes);
    } catch (RemoteStoreException e) {
      read = CompletableFuture.failedFuture(e);
    }
    return read.handle((record, error) -> {
      calls.counted(start);
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof RemoteStoreException) {
          calls.failed((RemoteStoreException) cause);
          if (calls.fallsBack((RemoteStoreException) cause)) {
            metrics.localFallbacks.increment();
            return local.get(key);
          }
        }
        throw error instanceof CompletionException ? (CompletionException) error : new CompletionException(error);
      }
      calls.succeeded();
      StoredEntry entry = live(record);
      if (entry == null) {
        metrics.remoteMisses.increment();
        return confirmedDead(nearFound);
      }
      metrics.remoteHits.increment();
      if (invalidations.unchanged(keyBytes, epoch, stripe)) {
        invalidations.fillLater(() -> fill(keyBytes, entry, epoch, stripe));
      }
      return entry;
    });
  }

  /**
   * Installs a value read from the store as the near copy, in place of none or of an expired one, unless a local
   * change or an invalidation came first; a mortal one is reported to the expiry sweep's plan.
   */
  private void fill(byte[] keyBytes, StoredEntry entry, long epoch, long stripe) {
    @SuppressWarnings("unchecked")
    K key = (K) codec.decodeKey(keyBytes); // the tier keeps its own copy of the key, never the caller's object
    if (key != null) {
      StoredEntry kept = local.compute(key, (k, current) ->
          !expired(entry) && (current == null || expired(current)) && invalidations.unchanged(keyBytes, epoch, stripe)
              ? entry : current);
      if (kept == entry && entry.isMortal()) {
        sweepPlan.accept(entry.expireAtMillis());
      }
    }
  }

  /** Notes that the store holds no live copy of {@code expiredNear} (may be null); returns it. */
  private StoredEntry confirmedDead(StoredEntry expiredNear) {
    if (expiredNear != null) {
      confirmedDead = expiredNear;
    }
    return expiredNear;
  }

  /** The entry a record read from the store stands for, or {@code null}: none, unreadable, or already expired. */
  private StoredEntry live(byte[] record) {
    StoredEntry entry = record == null ? null : codec.decode(record);
    return entry == null || expired(entry) ? null : entry; // expired here though Redis's clock kept it: a miss
  }

  private static boolean expired(StoredEntry entry) {
    return entry.isMortal() && entry.isExpiredAt(System.currentTimeMillis());
  }

  /**
   * Whether {@code near}, a near copy, is expired while the shared copy may live on: when reads move deadlines,
   * another node's read may have moved the shared copy's deadline later without telling this node.
   */
  private boolean mayLiveOnElsewhere(StoredEntry near) {
    return near.isMortal() && readsMoveDeadlines && expired(near);
  }

  /**
   * Expires the near copy alone: the store expires its copy itself at the same deadline, so expiring costs no
   * round trip and no lock, and fires EXPIRED on this node for the copy it held. When reads move deadlines, an
   * expired near copy is first checked against the shared copy (one read, no lock): if another node's read moved
   * its deadline, the shared copy becomes the near copy instead.
   */
  @Override
  public StoredEntry computeExpiry(K key,
      BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function) {
    byte[] keyBytesOfKey = codec.key(key);
    if (!readsMoveDeadlines && invalidations.coherent() && !invalidations.pending(keyBytesOfKey)) {
      return local.compute(key, function);
    }
    return local.compute(key, (k, near) -> {
      if (near == null || !expired(near) || near == confirmedDead) {
        return function.apply(k, near); // absent, live, or just found gone from the store by a read
      }
      byte[] keyBytes = keyBytesOfKey;
      long epoch = invalidations.epoch();
      long stripe = invalidations.stripe(keyBytes);
      byte[] record;
      try {
        record = calls.timed(() -> remote.get(keyBytes));
      } catch (RemoteStoreException e) {
        if (!calls.fallsBack(e)) {
          throw e; // the near copy stays; the sweep comes back for it
        }
        metrics.localFallbacks.increment();
        return function.apply(k, near); // on-failure = local: the near copy's own deadline decides
      }
      StoredEntry shared = live(record);
      if (shared != null) {
        if (invalidations.unchanged(keyBytes, epoch, stripe)) {
          sweepPlan.accept(shared.expireAtMillis());
          return function.apply(k, shared); // live: kept, and the near copy takes the shared deadline
        }
        return null; // alive in the store but changed meanwhile: drop the near copy, no EXPIRED
      }
      return function.apply(k, near);
    });
  }

  @Override
  public StoredEntry compute(K key, BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function) {
    byte[] keyBytes = codec.key(key);
    try {
      return local.compute(key, (k, nearCurrent) -> step(k, keyBytes, nearCurrent, function));
    } catch (AmbiguousWrite e) {
      // The write may have been applied after its timeout, and this node ignores its own invalidations: the near
      // copy must go, so that the next read asks the store. Readers in flight are turned away by the stripe.
      invalidations.droppedHere(keyBytes);
      local.compute(key, (k, nearCurrent) -> null);
      throw e.failure;
    }
  }

  /** A change of {@code k}, inside its local atomic step: lock in the store, run once, write and announce. */
  private StoredEntry step(K k, byte[] keyBytes, StoredEntry nearCurrent,
      BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function) {
    RemoteStore.Lock lock;
    try {
      lock = calls.timed(() -> remote.lock(keyBytes));
    } catch (RemoteStoreException e) {
      if (!calls.fallsBack(e)) {
        throw e;
      }
      metrics.localFallbacks.increment();
      StoredEntry next = function.apply(k, nearCurrent); // on-failure = local: a change of the near copy alone
      invalidations.droppedHere(keyBytes);
      return next;
    }
    boolean released = false;
    try {
      // No shared copy but an expired near copy: the store expired it; the operation finds it expired (EXPIRED).
      StoredEntry current = lock.value() == null && nearCurrent != null && expired(nearCurrent)
          ? nearCurrent : shared(nearCurrent, lock.value());
      long deadline = current == null ? 0 : current.expireAtMillis();
      StoredEntry next = function.apply(k, current);
      boolean unchanged = next == current && (current == null || current.expireAtMillis() == deadline)
          || next == null && lock.value() == null;
      if (unchanged && lock.value() != null) {
        released = true;
        remote.unlock(lock);
        return next; // nothing changed: the near copy becomes the shared one as read under the lock
      }
      // A change; or nothing changed where the store holds no copy, while other nodes may still hold theirs (of an
      // entry the store evicted or lost in a flush): then the write deletes nothing and announces it all the same,
      // so that no node goes on serving what the shared copy no longer has. Same round trips as an unlock.
      byte[] record = next == null || unchanged ? null : codec.encode(next);
      long expireAt = record == null ? StoredEntry.ETERNAL : next.expireAtMillis();
      released = true;
      try {
        calls.timed(() -> {
          remote.writeAndUnlock(lock, record, expireAt);
          return null;
        });
      } catch (RemoteKeyBusyException e) {
        throw e; // the lease ran out: nothing was written
      } catch (RemoteStoreException e) {
        if (!calls.fallsBack(e)) {
          throw new AmbiguousWrite(e);
        }
        metrics.localFallbacks.increment();
        invalidations.droppedHere(keyBytes);
        return next; // on-failure = local: the operation ran; it stays in this near cache only
      }
      metrics.invalidationsSent.increment();
      // A node never hears its own invalidation: readers of this key that read the store before this write
      // must not fill what they read. After the write, so that a reader who sees the new count read it.
      invalidations.droppedHere(keyBytes);
      return next;
    } finally {
      if (!released) {
        remote.unlock(lock);
      }
    }
  }

  /** A write that failed without an answer: it may or may not have been applied. Carries the failure out. */
  private static final class AmbiguousWrite extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final RemoteStoreException failure;

    AmbiguousWrite(RemoteStoreException failure) {
      super(failure.getMessage(), failure, false, false);
      this.failure = failure;
    }
  }

  /**
   * A plain put (nothing to tell, nothing to compute, eternal): one round trip that sets and announces unless
   * another node holds the key's lock (then false: the caller takes the lock through {@link #compute}).
   */
  @Override
  public boolean storeBlind(K key, StoredEntry entry) {
    byte[] keyBytes = codec.key(key);
    byte[] record = codec.encode(entry);
    boolean[] stored = new boolean[1];
    try {
      local.compute(key, (k, nearCurrent) -> {
        try {
          stored[0] = calls.timed(() -> remote.storeUnlocked(keyBytes, record));
        } catch (RemoteStoreException e) {
          if (!calls.fallsBack(e)) {
            throw new AmbiguousWrite(e);
          }
          metrics.localFallbacks.increment();
          invalidations.droppedHere(keyBytes);
          stored[0] = true;
          return entry; // on-failure = local: this near cache only
        }
        if (stored[0]) {
          metrics.invalidationsSent.increment();
          invalidations.droppedHere(keyBytes); // as after a locked write (see step)
          return entry;
        }
        return nearCurrent;
      });
    } catch (AmbiguousWrite e) {
      invalidations.droppedHere(keyBytes);
      local.compute(key, (k, nearCurrent) -> null);
      throw e.failure;
    }
    return stored[0];
  }

  /** Near copies are the shared store's to expire: the local tiers drop what they meet expired, as before. */
  @Override
  public void attachExpiredRemovals(io.goldylox.tier.ExpiredRemovals<K> removals) {
    local.attachExpiredRemovals(io.goldylox.tier.ExpiredRemovals.dropping());
  }

  /** Access expiry moved a deadline: the shared copy follows, without the reader waiting for it. */
  @Override
  public void deadlineMoved(Object key, StoredEntry entry, long previousDeadline) {
    remote.moveDeadline(codec.key(key), entry.expireAtMillis(), previousDeadline);
  }

  /**
   * The entry the shared record stands for: the near copy itself when it is that record (so a cache by reference
   * hands back the very object that was put, as the spec asks), else the record decoded.
   */
  private StoredEntry shared(StoredEntry near, byte[] record) {
    if (record == null) {
      return null;
    }
    if (near != null && java.util.Arrays.equals(codec.encode(near), record)) {
      return near;
    }
    return codec.decode(record);
  }

  @Override
  public boolean remove(K key, StoredEntry expected) {
    // The store expires its copy itself, at the same deadline; this removes the near copy only.
    return local.remove(key, expected);
  }

  /** Every mapping of the shared copy, fetched page by page ({@link SharedPages}). */
  @Override
  public Iterator<Map.Entry<K, StoredEntry>> iterator() {
    return new SharedPages<>(calls.timed(remote::keys), batch -> calls.timed(() -> remote.getAll(batch)), codec);
  }

  /** The near copies only: what an expiry sweep of this node visits. */
  @Override
  public Iterator<Map.Entry<K, StoredEntry>> localIterator() {
    return local.localIterator();
  }

  /** Every near copy: the store may have lost some of them (evicted, flushed), and iterator() misses those. */
  @Override
  public Iterator<Map.Entry<K, StoredEntry>> unsharedCopies() {
    return local.localIterator();
  }

  @Override
  public long size() {
    return calls.timed(remote::size);
  }

  @Override
  public void clear() {
    calls.timed(() -> {
      remote.clear();
      return null;
    });
    metrics.invalidationsSent.increment();
    // This node ignores its own clear message: fills of values read before the clear must not land, so the near
    // cache is dropped as on another node's clear (the worker empties it, then it is trusted again).
    invalidations.dropNearCache();
    local.clear();
  }

  /**
   * Always 0: a near copy that leaves the local tiers is still in the shared store, so it is no eviction. What
   * Redis itself evicts under its {@code maxmemory} policy is not seen here.
   */
  @Override
  public long evictions() {
    return 0;
  }

  /** The local tiers under this near cache (for monitoring). */
  public Tier<K> local() {
    return local;
  }

  public RemoteMetrics metrics() {
    return metrics;
  }

  /** The store, described for messages and MBeans (password masked). */
  public String remoteDescription() {
    return remote.describe();
  }

  /** Other nodes' invalidations received and not yet applied to the local tiers (a snapshot). */
  public int invalidationBacklog() {
    return invalidations.backlog();
  }

  /** Whether the near cache is being served (the invalidation stream is up). */
  public boolean coherent() {
    return invalidations.coherent();
  }

  @Override
  public void close() {
    invalidations.close();
    remote.close();
    local.close();
  }
}

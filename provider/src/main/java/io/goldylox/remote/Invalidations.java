package io.goldylox.remote;

import io.goldylox.tier.Tier;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Applies other nodes' changes to a {@link NearCacheTier}'s local tiers, and tells its readers whether the near
 * cache may be trusted.
 *
 * <h2>Threads</h2>
 * The store's I/O thread calls the listener methods; they only count, enqueue and unpark, never block (a short
 * monitor guards the rare connection-state changes, never held while anything waits). The worker thread
 * {@code goldylox-near-<cache>} parks until woken, then removes the invalidated keys from the local tiers (each
 * removal takes that key's local lock, which a caller may hold during a round trip: that is why the I/O thread
 * never does it). Readers call {@link #coherent}, {@link #epoch} and {@link #stripe} (volatile reads).
 *
 * <h2>Why a read-then-fill cannot install a stale value</h2>
 * Every invalidation first increments its key's stripe counter (and a drop of the whole near cache increments
 * {@link #epoch}), on the I/O thread, before the worker removes anything. A reader that missed locally notes both
 * counters before its round trip and fills the near cache, under the key's local lock, only if neither moved. If
 * one moved before the fill, the fill is skipped; if it moves after, the worker's removal comes after the fill.
 *
 * <h2>Bounds</h2>
 * At most {@value #MAX_QUEUED} keys wait for the worker. Past that, keys are not queued one by one: the whole near
 * cache is dropped instead (counted in {@link RemoteMetrics#nearCacheDrops}), so no invalidation is ever lost
 * and the queue never grows without bound.
 */
final class Invalidations<K> implements RemoteStore.InvalidationListener, Runnable {

  private static final System.Logger LOG = System.getLogger(Invalidations.class.getName());
  static final int MAX_QUEUED = 65_536;
  private static final int STRIPES = 1024;

  private final Tier<K> local;
  private final RemoteCodec codec;
  private final RemoteMetrics metrics;
  private final String description;
  private final Thread worker;
  private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);
  /** Invalidations received and not yet applied, per stripe. */
  private final java.util.concurrent.atomic.AtomicIntegerArray pending =
      new java.util.concurrent.atomic.AtomicIntegerArray(STRIPES);
  private final AtomicLong epoch = new AtomicLong();
  private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  /** Fills of the near cache after asynchronous reads, which must not run on the store's I/O thread. */
  private final ConcurrentLinkedQueue<Runnable> fills = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queuedFills = new AtomicInteger();
  private final Object state = new Object();

  // Guarded by state; coherent is also read without it.
  private boolean connected;
  private long link;
  private boolean dropDue;
  /** Set by {@link #clearedBeforeListening}: the first connection needs no drop, the tiers were just cleared. */
  private boolean clearedBeforeFirstConnection;
  private volatile boolean coherent;
  /** Run when the store answers this node's heartbeat ({@link #answered}); set once, after construction. */
  private volatile Runnable onAnswered = () -> { };
  private volatile boolean stop;

  Invalidations(Tier<K> local, RemoteCodec codec, RemoteMetrics metrics, String cacheName, String description) {
    this.local = local;
    this.codec = codec;
    this.metrics = metrics;
    this.description = description;
    this.worker = new Thread(this, "goldylox-near-" + cacheName);
    worker.setDaemon(true);
  }

  void start() {
    worker.start();
  }

  /** Whether local copies may be served: the invalidation stream is up and nothing is waiting to be dropped. */
  boolean coherent() {
    return coherent;
  }

  /**
   * Invalidated keys received and not yet removed from the local tiers (a snapshot). Once it reads 0 after an
   * invalidation was received, that invalidation's removal is done: a later fill is not undone by it.
   */
  int backlog() {
    return queued.get();
  }

  long epoch() {
    return epoch.get();
  }

  long stripe(byte[] key) {
    return stripes.get(index(key));
  }

  /** Whether no invalidation of {@code key}'s stripe and no drop happened since the two counters were read. */
  boolean unchanged(byte[] key, long epochSeen, long stripeSeen) {
    return coherent && epoch.get() == epochSeen && stripes.get(index(key)) == stripeSeen;
  }

  /** Whether an invalidation of {@code key}'s stripe was received and not applied yet. */
  boolean pending(byte[] key) {
    return pending.get(index(key)) > 0;
  }

  private static int index(byte[] key) {
    int h = Arrays.hashCode(key);
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  // ---- The store's I/O thread. ----

  @Override
  public void invalidated(byte[] key) {
    stripes.incrementAndGet(index(key));
    metrics.invalidationsReceived.increment();
    if (queued.incrementAndGet() > MAX_QUEUED) {
      queued.decrementAndGet();
      dropAll();
      return;
    }
    pending.incrementAndGet(index(key));
    queue.add(key);
    LockSupport.unpark(worker);
  }

  @Override
  public void cleared() {
    dropAll(); // first, so that a reader who sees the message counted no longer gets near copies
    metrics.invalidationsReceived.increment();
  }

  /**
   * The store has not connected since the cache opened: like a lost link (the near cache is changed alone until the
   * first connection, which then drops it), but no outage to count or log.
   */
  @Override
  public void notConnectedYet() {
    synchronized (state) {
      connected = false;
      coherent = false;
      link++;
      clearedBeforeFirstConnection = false;
    }
    epoch.incrementAndGet();
  }

  @Override
  public void disconnected() {
    notConnectedYet(); // also before the first connection: that connection then drops the near cache too
    metrics.disconnects.increment();
    LOG.log(System.Logger.Level.WARNING, "Lost the invalidation stream of " + description
        + ": the near cache is not trusted until it is back (reads go to Redis; under on-failure = local the near"
        + " copy answers while Redis fails), and then dropped");
  }

  /** What {@link #answered} runs: the near cache's recovery from an outage (its store calls' breaker). */
  void onAnswered(Runnable action) {
    this.onAnswered = action;
  }

  @Override
  public void answered() {
    onAnswered.run();
  }

  @Override
  public void connected() {
    synchronized (state) {
      connected = true;
      link++;
      if (clearedBeforeFirstConnection) {
        // Opening: the local tiers were cleared before the subscription, and nothing read the store since.
        clearedBeforeFirstConnection = false;
        coherent = !dropDue;
        return;
      }
    }
    dropAll();
  }

  /**
   * Called once by the opening thread before the store delivers anything: clears what the local tiers kept from
   * before (a restarted disk tier may hold values changed elsewhere since), so that the first connection can
   * trust the near cache at once.
   */
  void clearedBeforeListening() {
    local.clear();
    synchronized (state) {
      clearedBeforeFirstConnection = true;
    }
  }

  /**
   * This node is dropping its own near copy of {@code key} (a write whose outcome is unknown): reads in flight
   * must not fill it again. Any thread.
   */
  void droppedHere(byte[] key) {
    stripes.incrementAndGet(index(key));
  }

  /** Drops the whole near cache (on the worker) before it is trusted again; any thread, never blocks. */
  void dropNearCache() {
    dropAll();
  }

  /** Drops the whole near cache (on the worker) before it is trusted again. */
  private void dropAll() {
    synchronized (state) {
      dropDue = true;
      coherent = false;
    }
    epoch.incrementAndGet();
    LockSupport.unpark(worker);
  }

  /**
   * Runs {@code fill} on the worker (from the store's I/O thread, after an asynchronous read). At most
   * {@value #MAX_QUEUED} wait; past that the fill is skipped and counted: the near cache is an optimisation, and
   * the next read of the key goes to the store.
   */
  void fillLater(Runnable fill) {
    if (queuedFills.incrementAndGet() > MAX_QUEUED) {
      queuedFills.decrementAndGet();
      metrics.skippedFills.increment();
      return;
    }
    fills.add(fill);
    LockSupport.unpark(worker);
  }

  // ---- The worker. ----

  @Override
  public void run() {
    while (!stop) {
      try {
        if (!work()) {
          LockSupport.park(this);
        }
      } catch (RuntimeException e) {
        // A local tier failed a removal: drop everything rather than keep a copy that may be stale.
        LOG.log(System.Logger.Level.WARNING, "Near cache of " + description + " failed to apply an invalidation;"
            + " dropping it whole", e);
        dropAll();
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(10)); // no tight loop on a failing tier
      }
    }
  }

  /** One step of work; false when there was none. */
  private boolean work() {
    long seenLink;
    boolean drop;
    synchronized (state) {
      drop = dropDue;
      dropDue = false;
      seenLink = link;
    }
    if (drop) {
      int discarded = 0;
      for (byte[] dropped; (dropped = queue.poll()) != null; ) {
        discarded++;
        pending.decrementAndGet(index(dropped));
      }
      try {
        local.clear();
      } finally {
        queued.addAndGet(-discarded); // applied (by the clear), or given up to the next drop on failure
      }
      metrics.nearCacheDrops.increment();
      synchronized (state) {
        if (connected && link == seenLink && !dropDue) {
          coherent = true;
        }
      }
      return true;
    }
    byte[] key = queue.poll();
    if (key == null) {
      Runnable fill = fills.poll();
      if (fill == null) {
        return false;
      }
      queuedFills.decrementAndGet();
      fill.run(); // guarded by the invalidation counters, as a reader's own fill
      return true;
    }
    // Counted in the backlog until the removal is done, not merely dequeued: the removal may wait for the key's
    // local lock (a caller's round trip), and until it is done the near copy is still there.
    try {
      @SuppressWarnings("unchecked")
      K decoded = (K) codec.decodeKey(key);
      if (decoded != null) {
        // A copy past its deadline stays for this node's expiry sweep, which removes it with its EXPIRED event
        // (reads never serve it); an announcement of the key (a change, or another node's remove of what Redis
        // had expired) must not take the event away (a review).
        long now = System.currentTimeMillis();
        local.compute(decoded, (k, current) -> current != null && current.isExpiredAt(now) ? current : null);
      }
    } finally {
      pending.decrementAndGet(index(key));
      queued.decrementAndGet();
    }
    return true;
  }

  /** Stops the worker and waits for it (at most one step). Called by the closing thread. */
  void close() {
    stop = true;
    LockSupport.unpark(worker);
    try {
      worker.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

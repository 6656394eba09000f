package io.goldylox.redis;

import io.goldylox.config.RemoteConfig;
import io.goldylox.remote.RemoteKeyBusyException;
import io.goldylox.remote.RemoteStore;
import io.goldylox.remote.RemoteStoreException;
import io.goldylox.redis.RedisScripts.Script;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link RemoteStore} on Redis, through Lettuce: one cache's mappings under its key prefix ({@link RedisKeys}),
 * per-key lease locks and atomic write-and-announce steps as Lua scripts ({@link RedisScripts}), invalidations on a
 * pub/sub channel ({@link InvalidationSubscriber}).
 *
 * <p>Holds one share of its owner's {@link RedisConnections} (a client, a data connection used through the
 * synchronous API with the configured timeout, a pub/sub connection, the timers' connection; shared with the other
 * caches of its cache manager over the same Redis), its own timer, and a random 16-byte node id that marks its
 * locks and messages.
 * Threads: any number of caller threads at once (Lettuce multiplexes them on the one data connection; a caller
 * waiting for a lock parks itself, nothing else); Lettuce's I/O threads deliver invalidations and complete
 * {@link #moveDeadline}; one thread closes it.
 */
public final class RedisRemoteStore implements RemoteStore {

  private static final System.Logger LOG = System.getLogger(RedisRemoteStore.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long FIRST_BACKOFF_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  private static final int SCAN_COUNT = 1000;
  private static final byte[] EMPTY = new byte[0];
  private static final byte[] NO = {'0'};
  private static final byte[] YES = {'1'};

  private final RemoteConfig config;
  private final RedisKeys keys;
  private final String description;
  private final RedisFailures failures;
  private final RedisConnections connections;
  private final RedisCommands<byte[], byte[]> sync;
  private final RedisScripts scripts;
  private final InvalidationSubscriber subscriber;
  private final byte[] nodeId = new byte[InvalidationSubscriber.NODE_ID_LENGTH];
  private final byte[] lease;
  private final AtomicLong lockCounter = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  /**
   * The store's timer thread {@code goldylox-redis-<prefix>}: lease renewals and the invalidation heartbeat, each
   * sent asynchronously; parked between runs; stopped by {@link #close}.
   */
  private final ScheduledThreadPoolExecutor timer;
  /** Keeps the leases of the locks this node holds from running out while their steps run. */
  private final LeaseKeeper leases;

  private RedisRemoteStore(RemoteConfig config, RedisKeys keys, String description, RedisFailures failures,
      RedisConnections connections) {
    this.config = config;
    this.keys = keys;
    this.description = description;
    this.failures = failures;
    this.connections = connections;
    this.sync = connections.data.sync();
    this.scripts = new RedisScripts(connections.data);
    RANDOM.nextBytes(nodeId);
    this.lease = ascii(config.lockLease().toMillis());
    this.subscriber = new InvalidationSubscriber(connections, keys, nodeId, failures);
    this.timer = new ScheduledThreadPoolExecutor(1, task -> {
      Thread thread = new Thread(task, "goldylox-redis-" + keys.prefix());
      thread.setDaemon(true);
      return thread;
    });
    long beat = heartbeatMillis(config);
    byte[] heartbeat = invalidation(InvalidationSubscriber.OP_HEARTBEAT, EMPTY);
    byte[] probeKey = keys.data("goldylox-probe".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    timer.scheduleAtFixedRate(() -> {
      subscriber.checkHeartbeat(TimeUnit.MILLISECONDS.toNanos(3 * beat));
      try {
        connections.beat.async().publish(keys.channel(), heartbeat);
        // Whether the store serves callers' commands again: a GET (which the cache needs anyway) on the callers'
        // own data connection, answered without error within the timeout. Not the PUBLISH, which a Redis that
        // refuses data answers (LOADING, MASTERDOWN), nor a read on the timer's connection, which says nothing of
        // the data connection's (reviews). A Redis that refuses only writes (OOM) answers it: the outage ends.
        long sent = System.nanoTime();
        long timeoutNanos = config.timeout().toNanos();
        connections.data.async().get(probeKey).whenComplete((value, error) -> {
          if (error == null && System.nanoTime() - sent <= timeoutNanos) {
            subscriber.storeAnswered();
          }
        });
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, () -> failures.wrap("PUBLISH a heartbeat", e).getMessage());
      }
    }, beat, beat, TimeUnit.MILLISECONDS);
    this.leases = new LeaseKeeper(config.lockLease(), timer, held -> {
      try {
        scripts.runAsync(Script.RENEW, new byte[][] {keys.lock(held.key)}, held.token, lease);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, () -> failures.wrap("renew a lock (EVALSHA)", e).getMessage());
      }
    });
  }

  /**
   * Connects to the Redis of {@code config} for cache {@code cacheName}, checks that it answers and loads the
   * scripts.
   *
   * @throws RemoteStoreException naming the masked URI and the reason, with nothing left running
   */
  public static RedisRemoteStore open(RemoteConfig config, String cacheName) {
    return open(config, cacheName, null);
  }

  /**
   * {@link #open(RemoteConfig, String)} for a cache of {@code owner} (its cache manager): the connections are those
   * of the owner's other stores over the same Redis named the same way ({@link RedisConnections#acquire}).
   */
  public static RedisRemoteStore open(RemoteConfig config, String cacheName, Object owner) {
    String prefix = config.keyPrefixFor(cacheName);
    String description = config.maskedUri() + " (key prefix '" + prefix + "')";
    RedisFailures failures = new RedisFailures(description, config.timeout(),
        RedisConnections.openTimeout(config), config.password());
    RedisConnections connections;
    try {
      connections = RedisConnections.acquire(config, owner);
    } catch (RuntimeException e) {
      throw failures.openFailed(cacheName, e);
    }
    RedisRemoteStore store = null;
    try {
      store = new RedisRemoteStore(config, new RedisKeys(prefix), description, failures, connections);
      store.scripts.loadAll();
      return store;
    } catch (RuntimeException e) {
      closeAfterFailedOpen(store, connections);
      throw failures.openFailed(cacheName, e);
    } catch (Error e) {
      closeAfterFailedOpen(store, connections);
      throw e;
    }
  }

  private static void closeAfterFailedOpen(RedisRemoteStore store, RedisConnections connections) {
    if (store != null) {
      store.timer.shutdownNow();
      store.subscriber.close();
    }
    connections.release();
  }

  @Override
  public byte[] get(byte[] key) {
    try {
      return sync.get(keys.data(key));
    } catch (RuntimeException e) {
      throw failures.wrap("GET", e);
    }
  }

  @Override
  public CompletionStage<byte[]> getAsync(byte[] key) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    try {
      connections.data.async().get(keys.data(key)).whenComplete((value, error) -> {
        if (error != null) {
          result.completeExceptionally(failures.wrap("GET", unwrap(error)));
        } else {
          result.complete(value);
        }
      });
    } catch (RuntimeException e) {
      result.completeExceptionally(failures.wrap("GET", e));
    }
    return result;
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  @Override
  public List<byte[]> getAll(List<byte[]> keyList) {
    if (keyList.isEmpty()) {
      return new ArrayList<>();
    }
    byte[][] dataKeys = new byte[keyList.size()][];
    for (int i = 0; i < dataKeys.length; i++) {
      dataKeys[i] = keys.data(keyList.get(i));
    }
    List<KeyValue<byte[], byte[]>> values;
    try {
      values = sync.mget(dataKeys);
    } catch (RuntimeException e) {
      throw failures.wrap("MGET", e);
    }
    List<byte[]> result = new ArrayList<>(values.size());
    for (KeyValue<byte[], byte[]> value : values) {
      result.add(value.hasValue() ? value.getValue() : null);
    }
    return result;
  }

  @Override
  public Lock lock(byte[] key) {
    byte[][] lockKeys = {keys.lock(key), keys.data(key)};
    byte[] token = ByteBuffer.allocate(nodeId.length + Long.BYTES).put(nodeId)
        .putLong(lockCounter.incrementAndGet()).array();
    long start = System.nanoTime();
    long waitNanos = config.lockWait().toNanos();
    long backoff = FIRST_BACKOFF_NANOS;
    while (true) {
      List<Object> reply;
      try {
        reply = scripts.run(Script.LOCK, lockKeys, token, lease);
      } catch (RuntimeException e) {
        // A call that timed out may still run once Redis answers again (it was sent): release its token after it,
        // on the same connection, so the key is not left locked for a lease by a lock nobody holds.
        releaseAbandoned(key, token);
        throw failures.wrap("lock (EVALSHA)", e);
      }
      if (((Long) reply.get(0)) == 1L) {
        RedisLock held = new RedisLock(key, reply.size() > 1 ? (byte[]) reply.get(1) : null, token);
        leases.hold(held);
        return held;
      }
      long waited = System.nanoTime() - start;
      if (waited >= waitNanos) {
        throw new RemoteKeyBusyException("Redis " + description + ": the key is locked by another node for longer"
            + " than lock-wait " + config.lockWait() + " (its lease has " + reply.get(1) + " ms left)");
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new RemoteStoreException("Redis " + description + ": interrupted while waiting for the lock of a key"
            + " another node holds");
      }
      LockSupport.parkNanos(this, Math.min(backoff, waitNanos - waited));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
    }
  }

  /** Sends the unlock of a lock attempt whose answer never came; its own failure leaves the lock to its lease. */
  private void releaseAbandoned(byte[] key, byte[] token) {
    try {
      scripts.runAsync(Script.UNLOCK, new byte[][] {keys.lock(key)}, token).whenComplete((released, error) -> {
        if (error != null) {
          LOG.log(System.Logger.Level.DEBUG, () -> failures.wrap("unlock an abandoned lock (EVALSHA)", error)
              .getMessage() + "; the lock is left to its lease (" + config.lockLease() + ")");
        }
      });
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> failures.wrap("unlock an abandoned lock (EVALSHA)", e).getMessage()
          + "; the lock is left to its lease (" + config.lockLease() + ")");
    }
  }

  @Override
  public void writeAndUnlock(Lock lock, byte[] value, long expireAtMillis) {
    RedisLock held = held(lock);
    leases.release(held);
    byte[] message = invalidation(InvalidationSubscriber.OP_KEY, held.key);
    byte[][] scriptKeys = {keys.lock(held.key), keys.data(held.key)};
    Long written;
    try {
      written = scripts.run(Script.WRITE_AND_UNLOCK, scriptKeys, held.token, value == null ? YES : NO,
          value == null ? EMPTY : value, expireAtMillis == Long.MAX_VALUE ? EMPTY : ascii(expireAtMillis),
          keys.channel(), message);
    } catch (RuntimeException e) {
      throw failures.wrap("write (EVALSHA)", e);
    }
    if (written == null || written != 1L) {
      throw new RemoteKeyBusyException("Redis " + description + ": the lock lease (" + config.lockLease()
          + ") ran out before the write; nothing was written");
    }
  }

  @Override
  public boolean storeUnlocked(byte[] key, byte[] value) {
    byte[] message = invalidation(InvalidationSubscriber.OP_KEY, key);
    Long stored;
    try {
      stored = scripts.run(Script.STORE_UNLOCKED, new byte[][] {keys.lock(key), keys.data(key)}, value,
          keys.channel(), message);
    } catch (RuntimeException e) {
      throw failures.wrap("store (EVALSHA)", e);
    }
    return stored != null && stored == 1L;
  }

  @Override
  public void moveDeadline(byte[] key, long expireAtMillis, long previousDeadline) {
    byte[] deadline = ByteBuffer.allocate(Long.BYTES).putLong(expireAtMillis).array();
    byte[] previous = ByteBuffer.allocate(Long.BYTES).putLong(previousDeadline).array();
    boolean earlier = expireAtMillis < previousDeadline;
    try {
      scripts.<Long>runAsync(Script.MOVE_DEADLINE, new byte[][] {keys.data(key)},
          ascii(DEADLINE_OFFSET), deadline, expireAtMillis == Long.MAX_VALUE ? EMPTY : ascii(expireAtMillis),
          previous, earlier ? YES : NO, keys.channel(), invalidation(InvalidationSubscriber.OP_KEY, key))
          .whenComplete((moved, error) -> {
            if (error != null) {
              LOG.log(System.Logger.Level.DEBUG, () -> failures.wrap("move a deadline (EVALSHA)", error)
                  .getMessage() + "; the entry keeps its earlier deadline");
            }
          });
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> failures.wrap("move a deadline (EVALSHA)", e).getMessage()
          + "; the entry keeps its earlier deadline");
    }
  }

  @Override
  public void unlock(Lock lock) {
    try {
      RedisLock held = held(lock);
      leases.release(held);
      scripts.run(Script.UNLOCK, new byte[][] {keys.lock(held.key)}, held.token);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> failures.wrap("unlock (EVALSHA)", e).getMessage()
          + "; the lock is left to its lease (" + config.lockLease() + ")");
    }
  }

  @Override
  public Iterator<byte[]> keys() {
    return new KeyIterator();
  }

  @Override
  public long size() {
    long count = 0;
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<byte[]> page = scan(cursor, "SCAN (size)");
      for (byte[] dataKey : page.getKeys()) {
        if (keys.stripData(dataKey) != null) {
          count++;
        }
      }
      cursor = page;
    } while (!cursor.isFinished());
    return count;
  }

  @Override
  public void clear() {
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<byte[]> page = scan(cursor, "SCAN (clear)");
      List<byte[]> found = page.getKeys();
      if (!found.isEmpty()) {
        try {
          sync.unlink(found.toArray(new byte[0][]));
        } catch (RuntimeException e) {
          throw failures.wrap("UNLINK (clear)", e);
        }
      }
      cursor = page;
    } while (!cursor.isFinished());
    try {
      sync.publish(keys.channel(), invalidation(InvalidationSubscriber.OP_CLEAR, EMPTY));
    } catch (RuntimeException e) {
      throw failures.wrap("PUBLISH (clear)", e);
    }
  }

  @Override
  public void listen(InvalidationListener listener) {
    subscriber.listen(listener, config.timeout());
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      timer.shutdownNow();
      subscriber.close();
      connections.release();
    }
  }

  @Override
  public String toString() {
    return "RedisRemoteStore[" + description + "]";
  }

  private KeyScanCursor<byte[]> scan(ScanCursor cursor, String operation) {
    try {
      return sync.scan(cursor, ScanArgs.Builder.matches(keys.scanPattern()).limit(SCAN_COUNT));
    } catch (RuntimeException e) {
      throw failures.wrap(operation, e);
    }
  }

  /**
   * How often a store publishes a heartbeat on its own invalidation channel: max(1 s, 5 × timeout). Its pub/sub
   * connection must hear it back within three periods, or the link is taken as silently dead.
   */
  static long heartbeatMillis(RemoteConfig config) {
    return Math.max(1_000, 5 * config.timeout().toMillis());
  }

  private byte[] invalidation(byte op, byte[] key) {
    return ByteBuffer.allocate(nodeId.length + 1 + key.length).put(nodeId).put(op).put(key).array();
  }

  private static RedisLock held(Lock lock) {
    if (!(lock instanceof RedisLock)) {
      throw new IllegalArgumentException("not a lock of a RedisRemoteStore: " + lock);
    }
    return (RedisLock) lock;
  }

  private static byte[] ascii(long number) {
    return Long.toString(number).getBytes(StandardCharsets.US_ASCII);
  }

  /** Which node of a store holds a lock is told by its token: this store's node id and a per-store counter. */
  static final class RedisLock implements Lock {
    private final byte[] key;
    private final byte[] value;
    private final byte[] token;

    RedisLock(byte[] key, byte[] value, byte[] token) {
      this.key = key;
      this.value = value;
      this.token = token;
    }

    @Override
    public byte[] key() {
      return key;
    }

    @Override
    public byte[] value() {
      return value;
    }
  }

  /** The store's keys, one SCAN page (about {@value #SCAN_COUNT} keys) at a time; weakly consistent. */
  private final class KeyIterator implements Iterator<byte[]> {
    private final ArrayDeque<byte[]> page = new ArrayDeque<>();
    private ScanCursor cursor = ScanCursor.INITIAL;

    @Override
    public boolean hasNext() {
      while (page.isEmpty() && !cursor.isFinished()) {
        KeyScanCursor<byte[]> next = scan(cursor, "SCAN (keys)");
        for (byte[] dataKey : next.getKeys()) {
          byte[] key = keys.stripData(dataKey);
          if (key != null) {
            page.add(key);
          }
        }
        cursor = next;
      }
      return !page.isEmpty();
    }

    @Override
    public byte[] next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return page.poll();
    }
  }
}

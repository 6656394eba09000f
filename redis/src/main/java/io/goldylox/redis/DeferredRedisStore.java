package io.goldylox.redis;

import io.goldylox.config.RemoteConfig;
import io.goldylox.remote.RemoteStore;
import io.goldylox.remote.RemoteStoreException;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The Redis store of a cache with {@code on-failure = local} whose Redis could not be reached when the cache opened:
 * the cache opens all the same and runs on its local tiers alone, while this store tries to open the real
 * {@link RedisRemoteStore} every heartbeat period (max(1 s, 5 × timeout)) until it succeeds. Until then every call
 * fails at once with a {@link RemoteStoreException} that says so (the near cache then serves and writes its local
 * copies alone, as in any outage), and the listener is told the invalidation stream is down, so that the first
 * subscription drops what the node changed alone. From then on every call goes to the real store.
 *
 * <p>Threads: callers read {@link #delegate} (volatile) and never wait on the connecting thread; one daemon thread
 * {@code goldylox-redis-connect-<prefix>} makes the attempts and is stopped by {@link #close}. {@link #listen},
 * the installation of the real store and {@link #close} are ordered by this object's monitor.
 */
final class DeferredRedisStore implements RemoteStore {

  private static final System.Logger LOG = System.getLogger(DeferredRedisStore.class.getName());

  private final RemoteConfig config;
  private final String cacheName;
  /** The cache manager, with whose other stores the real one shares connections. */
  private final Object owner;
  private final String description;
  private final ScheduledThreadPoolExecutor connector;
  /** The real store once it opened; null before. */
  private volatile RemoteStore delegate;
  /** Why the last attempt failed (the message callers get until the store opens). */
  private volatile RemoteStoreException lastFailure;

  // Guarded by this.
  private InvalidationListener listener;
  private boolean closed;
  private String lastReasonLogged;

  private DeferredRedisStore(RemoteConfig config, String cacheName, Object owner, RemoteStoreException failure) {
    this.config = config;
    this.cacheName = cacheName;
    this.owner = owner;
    this.description = config.maskedUri() + " (key prefix '" + config.keyPrefixFor(cacheName) + "')";
    this.lastFailure = failure;
    this.lastReasonLogged = failure.getMessage();
    this.connector = new ScheduledThreadPoolExecutor(1, task -> {
      Thread thread = new Thread(task, "goldylox-redis-connect-" + config.keyPrefixFor(cacheName));
      thread.setDaemon(true);
      return thread;
    });
    connector.setRemoveOnCancelPolicy(true);
  }

  /**
   * A store for {@code cacheName} that keeps trying to open after {@code failure}, the first attempt's; logs one
   * WARN that says the cache runs alone meanwhile.
   */
  static DeferredRedisStore start(RemoteConfig config, String cacheName, Object owner,
      RemoteStoreException failure) {
    DeferredRedisStore store = new DeferredRedisStore(config, cacheName, owner, failure);
    long period = RedisRemoteStore.heartbeatMillis(config);
    LOG.log(System.Logger.Level.WARNING, failure.getMessage() + ". The cache opens without it (on-failure = local):"
        + " its local tiers serve and take its operations alone, and it tries to connect every " + period + " ms;"
        + " once connected it drops what it changed alone and shares the store's copy");
    store.connector.scheduleWithFixedDelay(store::attempt, period, period, TimeUnit.MILLISECONDS);
    return store;
  }

  /** One attempt, on the connector thread: opens the real store and, if this store is still open, installs it. */
  private void attempt() {
    RedisRemoteStore opened;
    try {
      opened = RedisRemoteStore.open(config, cacheName, owner);
    } catch (RemoteStoreException e) {
      lastFailure = e;
      synchronized (this) {
        if (!closed && !e.getMessage().equals(lastReasonLogged)) {
          lastReasonLogged = e.getMessage();
          LOG.log(System.Logger.Level.WARNING, e.getMessage() + "; trying again");
        }
      }
      return;
    }
    synchronized (this) {
      if (closed) {
        opened.close();
        return;
      }
      delegate = opened;
      if (listener != null) {
        // Redis answered: the callers' breaker, opened by the failures so far, closes now (the node then reads the
        // store, as while any link is not trusted), before the subscription lets the near cache be trusted again.
        listener.answered();
        try {
          opened.listen(listener);
        } catch (RuntimeException e) {
          delegate = null;
          opened.close(); // no callback of its subscriber after this
          listener.notConnectedYet(); // undoes a connected() that came after listen() gave up waiting
          LOG.log(System.Logger.Level.DEBUG, "Subscribing failed; trying again", e);
          lastFailure = e instanceof RemoteStoreException ? (RemoteStoreException) e
              : new RemoteStoreException("Redis " + description + ": subscribing failed", e);
          return;
        }
      }
    }
    connector.shutdown();
    LOG.log(System.Logger.Level.INFO, "Cache '" + cacheName + "' connected to Redis " + description);
  }

  /** The real store, or the failure that says why there is none yet. */
  private RemoteStore store() {
    RemoteStore store = delegate;
    if (store == null) {
      throw notConnected();
    }
    return store;
  }

  private RemoteStoreException notConnected() {
    RemoteStoreException failure = lastFailure;
    String reason = failure.getMessage();
    int at = reason.indexOf(description);
    if (at >= 0) {
      reason = reason.substring(at + description.length()).replaceFirst("^: ", ""); // the reason without the URI
    }
    return new RemoteStoreException("Redis " + description + " has not been connected since the cache opened (last"
        + " attempt: " + reason + ")", failure);
  }

  @Override
  public byte[] get(byte[] key) {
    return store().get(key);
  }

  @Override
  public CompletionStage<byte[]> getAsync(byte[] key) {
    RemoteStore store = delegate;
    return store != null ? store.getAsync(key) : CompletableFuture.failedFuture(notConnected());
  }

  @Override
  public List<byte[]> getAll(List<byte[]> keys) {
    return store().getAll(keys);
  }

  @Override
  public Lock lock(byte[] key) {
    return store().lock(key);
  }

  @Override
  public void writeAndUnlock(Lock lock, byte[] value, long expireAtMillis) {
    store().writeAndUnlock(lock, value, expireAtMillis); // a lock comes from the real store: it is there
  }

  @Override
  public void moveDeadline(byte[] key, long expireAtMillis, long previousDeadline) {
    RemoteStore store = delegate;
    if (store != null) {
      store.moveDeadline(key, expireAtMillis, previousDeadline); // else, as any failure of it: only the local one
    }
  }

  @Override
  public boolean storeUnlocked(byte[] key, byte[] value) {
    return store().storeUnlocked(key, value);
  }

  @Override
  public void unlock(Lock lock) {
    RemoteStore store = delegate;
    if (store != null) {
      store.unlock(lock);
    }
  }

  @Override
  public Iterator<byte[]> keys() {
    return store().keys();
  }

  @Override
  public long size() {
    return store().size();
  }

  @Override
  public void clear() {
    store().clear();
  }

  /**
   * Keeps {@code newListener} for the real store and tells it at once that there is no invalidation stream yet: its
   * near cache is changed alone until the first subscription, which then drops it.
   */
  @Override
  public void listen(InvalidationListener newListener) {
    RemoteStore store;
    synchronized (this) {
      if (listener != null) {
        throw new IllegalStateException("listen() was already called");
      }
      listener = newListener;
      store = delegate;
      if (store == null) {
        newListener.notConnectedYet();
        return;
      }
    }
    store.listen(newListener); // connected before the cache listened (not in this provider's order)
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() {
    RemoteStore store;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      store = delegate;
    }
    connector.shutdownNow(); // interrupts an attempt in progress, which then closes what it opened
    try {
      connector.awaitTermination(RedisConnections.MIN_OPEN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (store != null) {
      store.close();
    }
  }

  @Override
  public String toString() {
    return "DeferredRedisStore[" + description + (delegate != null ? ", connected]" : ", not connected yet]");
  }
}

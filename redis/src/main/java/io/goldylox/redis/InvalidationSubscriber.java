package io.goldylox.redis;

import io.goldylox.remote.RemoteStore;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Receives the other nodes' invalidations on the store's pub/sub connection and reports the state of that
 * connection to the {@link RemoteStore.InvalidationListener}: {@code disconnected()} when the connection drops,
 * {@code connected()} each time Redis confirms the subscription (the first one, and Lettuce's resubscription after
 * each reconnect), so the listener never trusts a stream that is not flowing yet.
 *
 * <p>A message is the sender's 16-byte node id, an op byte ({@code 'k'}: the key that follows changed;
 * {@code 'c'}: the cache was cleared) and, for {@code 'k'}, the key. Messages carrying this node's id are ignored.
 *
 * <p>Owns nothing but its state and one subscription of its channel on the pub/sub connection, which its store's
 * {@link RedisConnections} may share with other stores (each message reaches every store's subscriber, which keeps
 * its own channel's). Threads: Lettuce's I/O
 * threads call the callbacks, which only forward to the listener (which must not block). The connection-state
 * calls are made under a short monitor, so that a {@code disconnected()} and the {@code connected()} of the
 * reconnection that follows reach the listener in that order even when they come from two I/O threads. The thread
 * calling {@link #listen} waits, bounded, for the first confirmation; the closing thread calls {@link #close}.
 */
final class InvalidationSubscriber extends RedisPubSubAdapter<byte[], byte[]>
    implements RedisConnectionStateListener {

  private static final System.Logger LOG = System.getLogger(InvalidationSubscriber.class.getName());
  static final int NODE_ID_LENGTH = 16;
  static final byte OP_KEY = 'k';
  static final byte OP_CLEAR = 'c';
  /** A store's own heartbeat: proves its pub/sub connection still receives (see {@link #checkHeartbeat}). */
  static final byte OP_HEARTBEAT = 'h';

  private final StatefulRedisPubSubConnection<byte[], byte[]> connection;
  private final RedisConnections connections;
  private final RedisKeys keys;
  private final byte[] nodeId;
  private final RedisFailures failures;
  private final CountDownLatch firstSubscription = new CountDownLatch(1);
  private final Object state = new Object();
  private volatile Throwable subscribeFailure;
  /** Set by {@link #listen} before it subscribes: {@link #close} then gives the channel back. */
  private volatile boolean subscribing;
  private volatile boolean confirmed;
  /** When this node last heard its own heartbeat (or subscribed). */
  private volatile long lastHeartbeat = System.nanoTime();

  // Guarded by state.
  private RemoteStore.InvalidationListener listener;
  private boolean up;
  private boolean closed;
  /** The link was declared silent by {@link #checkHeartbeat} (not by Lettuce); a heartbeat heard clears it. */
  private boolean silent;

  InvalidationSubscriber(RedisConnections connections, RedisKeys keys, byte[] nodeId, RedisFailures failures) {
    this.connections = connections;
    this.connection = connections.pubSub;
    this.keys = keys;
    this.nodeId = nodeId;
    this.failures = failures;
  }

  /** Subscribes and returns once Redis confirmed it; throws if that takes longer than {@code timeout}. */
  void listen(RemoteStore.InvalidationListener newListener, Duration timeout) {
    synchronized (state) {
      if (listener != null) {
        throw new IllegalStateException("listen() was already called");
      }
      if (closed) {
        throw new IllegalStateException("the store is closed");
      }
      listener = newListener;
    }
    connection.addListener((RedisPubSubListener<byte[], byte[]>) this);
    connection.addListener((RedisConnectionStateListener) this);
    Throwable failure;
    try {
      subscribing = true;
      connections.subscribe(keys.channel()).whenComplete((ignored, error) -> {
        if (error != null) {
          subscribeFailure = error;
          firstSubscription.countDown(); // no confirmation is coming: wake listen() now
        }
      });
      firstSubscription.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (confirmed) {
        return;
      }
      failure = subscribeFailure != null ? subscribeFailure : new TimeoutException("no confirmation");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = e;
    } catch (RuntimeException e) {
      failure = e;
    }
    throw failures.wrap("SUBSCRIBE", failure);
  }

  /**
   * The store answered a command of the store's own (its heartbeat's PUBLISH) within the command timeout: tells
   * the listener, whose callers may stop treating the store as down. Not the heartbeat's message coming back,
   * which may arrive late from a store too slow to answer commands in time (a review's brownout probe).
   */
  void storeAnswered() {
    RemoteStore.InvalidationListener heard;
    synchronized (state) {
      heard = closed ? null : listener;
    }
    if (heard != null) {
      try {
        heard.answered();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "Invalidation listener failed on answered()", e);
      }
    }
  }

  /** This node's heartbeat came back: the link receives; if it had been declared silent, it is trusted again. */
  private void heardHeartbeat() {
    lastHeartbeat = System.nanoTime();
    synchronized (state) {
      if (!silent || closed || listener == null) {
        return;
      }
      silent = false;
      up = true;
      LOG.log(System.Logger.Level.INFO, "The invalidation channel of " + keys.prefix() + " receives again");
      try {
        listener.connected();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "Invalidation listener failed on connected()", e);
      }
    }
  }

  /**
   * On the store's timer: when the link is up but this node has not heard its own heartbeat for
   * {@code maxSilenceNanos}, the connection may be half-open (closed by a firewall or a peer that vanished
   * without a reset, which TCP keepalive notices only after hours): report it disconnected, so that the near
   * cache is bypassed, until a heartbeat is heard again.
   */
  void checkHeartbeat(long maxSilenceNanos) {
    if (System.nanoTime() - lastHeartbeat <= maxSilenceNanos) {
      return;
    }
    synchronized (state) {
      if (!up || closed || listener == null) {
        return;
      }
      up = false;
      silent = true;
      LOG.log(System.Logger.Level.WARNING, "The invalidation channel of " + keys.prefix() + " has not delivered"
          + " this node's heartbeat for " + TimeUnit.NANOSECONDS.toMillis(maxSilenceNanos) + " ms: its near"
          + " cache is not trusted until it does");
      try {
        listener.disconnected();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "Invalidation listener failed on disconnected()", e);
      }
    }
  }

  /**
   * From now on nothing is delivered (the store is closing on purpose: no disconnected() either); leaves the
   * connection, which other stores may share: its listeners removed, its channel given back.
   */
  void close() {
    synchronized (state) {
      closed = true;
    }
    connection.removeListener((RedisPubSubListener<byte[], byte[]>) this);
    connection.removeListener((RedisConnectionStateListener) this);
    if (subscribing) {
      connections.unsubscribe(keys.channel());
    }
  }

  // ---- Lettuce's I/O threads. ----

  @Override
  public void subscribed(byte[] channel, long count) {
    if (!keys.isChannel(channel)) {
      return;
    }
    synchronized (state) {
      if (closed || listener == null) {
        return;
      }
      if (confirmed && (up || silent)) {
        // Another store's SUBSCRIBE of this channel on the shared connection: nothing new about this link (a
        // review: it dropped this store's near cache, and trusted a link this store had found silent).
        return;
      }
      up = true;
      silent = false;
      lastHeartbeat = System.nanoTime();
      confirmed = true;
      try {
        listener.connected();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "Invalidation listener failed on connected()", e);
      }
    }
    firstSubscription.countDown();
  }

  @Override
  public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
    if (handler != connection) {
      return; // the data connection, or another client's
    }
    synchronized (state) {
      if (closed || listener == null || !up) {
        return;
      }
      up = false;
      try {
        listener.disconnected();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "Invalidation listener failed on disconnected()", e);
      }
    }
  }

  @Override
  public void message(byte[] channel, byte[] message) {
    if (!keys.isChannel(channel) || message.length <= NODE_ID_LENGTH) {
      return;
    }
    if (Arrays.equals(message, 0, NODE_ID_LENGTH, nodeId, 0, NODE_ID_LENGTH)) {
      if (message[NODE_ID_LENGTH] == OP_HEARTBEAT) {
        heardHeartbeat();
      }
      return; // this node's own change
    }
    RemoteStore.InvalidationListener target;
    synchronized (state) {
      if (closed || listener == null) {
        return;
      }
      target = listener;
    }
    byte op = message[NODE_ID_LENGTH];
    try {
      if (op == OP_HEARTBEAT) {
        return; // another node's
      }
      if (op == OP_KEY) {
        target.invalidated(Arrays.copyOfRange(message, NODE_ID_LENGTH + 1, message.length));
      } else if (op == OP_CLEAR) {
        target.cleared();
      } else {
        LOG.log(System.Logger.Level.DEBUG, "Ignoring an invalidation message with op byte " + op);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "Invalidation listener failed", e);
    }
  }
}

package io.goldylox.redis;

import io.goldylox.config.RemoteConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ConnectionFuture;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.StaticCredentialsProvider;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * What the {@link RedisRemoteStore}s of one owner (a cache manager) share in Lettuce for one Redis named the same
 * way (URI, user, password, timeout): a {@link RedisClient} (on the JVM's {@link SharedResources}), the data
 * connection, the pub/sub connection with its channel subscriptions counted, and the timers' connection; how they are
 * opened (every step bounded, everything released again when a step fails), shared ({@link #acquire}, counted) and
 * closed with the last {@link #release}. So a node's caches over one Redis hold three connections in all, not three
 * each. Stores opened without an owner (tests, tools) get connections of their own.
 *
 * <p>Threads: opening and caches' stores' opening and closing threads call {@link #acquire}, {@link #release},
 * {@link #subscribe} and {@link #unsubscribe} (each ordered by a monitor; an open runs under its slot's monitor, so
 * a second cache of the owner waits for the first one's open). The connections themselves are thread-safe and
 * used by every caller thread.
 */
final class RedisConnections {

  private static final System.Logger LOG = System.getLogger(RedisConnections.class.getName());
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  final RedisClient client;
  final StatefulRedisConnection<byte[], byte[]> data;
  final StatefulRedisPubSubConnection<byte[], byte[]> pubSub;
  /**
   * The store's own timer's connection, for its heartbeat PUBLISH: apart from the data connection, whose commands
   * run in order, since a PUBLISH that Redis holds back (CLIENT PAUSE WRITE, as a failover does) held back every
   * read queued behind it there (a review).
   */
  final StatefulRedisConnection<byte[], byte[]> beat;
  private final ClientResources resources;

  /** The shared connections, per owner and way of naming the server. */
  private static final ConcurrentHashMap<Key, Slot> SHARED = new ConcurrentHashMap<>();

  /** Channels subscribed on {@link #pubSub}, with how many stores subscribed each. Guarded by itself. */
  private final Map<ByteBuffer, Integer> channels = new HashMap<>();
  /** Guarded by the slot's monitor (or unshared: by the one store). */
  private int users;
  private Slot slot;

  private RedisConnections(ClientResources resources, RedisClient client, StatefulRedisConnection<byte[], byte[]> data,
      StatefulRedisPubSubConnection<byte[], byte[]> pubSub, StatefulRedisConnection<byte[], byte[]> beat) {
    this.resources = resources;
    this.client = client;
    this.data = data;
    this.pubSub = pubSub;
    this.beat = beat;
  }

  /**
   * Connects both connections and checks with a PING that the data connection answers; on any failure, shuts
   * the client down, releases the shared resources and rethrows Lettuce's exception (the caller words it).
   */
  /**
   * What bounds opening the connections (TCP connect, handshake, the first PING): at least {@link #MIN_OPEN}, more
   * than a command's {@code timeout}, since a cold JVM's first handshake (TLS, class loading, JIT) on a loaded
   * machine can take longer than a warm command (new-user trial: 5 of 9 JVMs started together failed to open
   * against a healthy Redis with the default 200 ms). Commands keep {@code timeout}.
   */
  static Duration openTimeout(RemoteConfig config) {
    return config.timeout().compareTo(MIN_OPEN) < 0 ? MIN_OPEN : config.timeout();
  }

  static final Duration MIN_OPEN = Duration.ofSeconds(2);

  /**
   * The connections for a store of {@code owner} (compared by identity; null: connections of the store's own) to
   * the Redis of {@code config}: those its other stores named the same way use, or new ones (opened here, on the
   * calling thread). Each call needs one {@link #release}.
   *
   * @throws RuntimeException Lettuce's, when opening fails (nothing is left open)
   */
  static RedisConnections acquire(RemoteConfig config, Object owner) {
    if (owner == null) {
      RedisConnections own = open(config);
      own.users = 1;
      return own;
    }
    Key key = new Key(new Identity(owner), config.uri(), config.user(), config.password(), config.timeout());
    while (true) {
      Slot slot = SHARED.computeIfAbsent(key, k -> new Slot(k));
      synchronized (slot) {
        if (slot.gone) {
          continue; // released to zero (or found dead) meanwhile: take a new slot
        }
        if (slot.connections != null && !slot.connections.pubSubAnswers(openTimeout(config).toMillis())) {
          // Its stores keep it (their heartbeats handle it); new stores get connections of a new slot.
          slot.gone = true;
          SHARED.remove(key, slot);
          LOG.log(System.Logger.Level.WARNING, "The shared pub/sub connection to " + config.maskedUri()
              + " does not answer; new caches get connections of their own");
          continue;
        }
        if (slot.connections == null) {
          try {
            slot.connections = open(config);
          } catch (RuntimeException | Error e) {
            slot.gone = true;
            SHARED.remove(key, slot);
            throw e;
          }
          slot.connections.slot = slot;
        }
        slot.connections.users++;
        return slot.connections;
      }
    }
  }

  /** Gives back one {@link #acquire}: the last one closes the connections. */
  void release() {
    Slot own = slot;
    if (own == null) {
      if (--users == 0) {
        close();
      }
      return;
    }
    synchronized (own) {
      if (--users > 0) {
        return;
      }
      own.gone = true;
      SHARED.remove(own.key, own); // unless a new slot replaced it (this one found dead)
    }
    close();
  }

  /** Subscribes {@code channel} for one more store (Redis confirms every SUBSCRIBE, also of a channel it has). */
  CompletionStage<Void> subscribe(byte[] channel) {
    synchronized (channels) { // the commands go out in the order of the counts (a review: SUBSCRIBE, then a racing
      channels.merge(ByteBuffer.wrap(channel.clone()), 1, Integer::sum); // UNSUBSCRIBE of the count it replaced)
      return pubSub.async().subscribe(channel);
    }
  }

  /** One store less listens to {@code channel}: the last one unsubscribes it (asynchronously, best effort). */
  void unsubscribe(byte[] channel) {
    synchronized (channels) {
      ByteBuffer name = ByteBuffer.wrap(channel);
      Integer count = channels.get(name);
      if (count == null) {
        return;
      }
      if (count > 1) {
        channels.put(name, count - 1);
        return;
      }
      channels.remove(name);
      try {
        pubSub.async().unsubscribe(channel);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "Unsubscribing failed", e);
      }
    }
  }

  /**
   * Whether the shared pub/sub connection answers a PING within {@code millis}: one that does not (half-open, which
   * its stores' heartbeats notice only after three periods) is not given to another store (a review: every new
   * cache of the manager then failed to subscribe).
   */
  private boolean pubSubAnswers(long millis) {
    try {
      pubSub.async().ping().get(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      return false;
    }
  }

  /** What makes two stores' connections the same: their owner and every setting that shapes a connection. */
  private record Key(Identity owner, java.net.URI uri, String user, String password, Duration timeout) {
    @Override
    public String toString() {
      return "Key[" + uri + "]"; // never the password
    }
  }

  /** An owner compared by identity (a cache manager's equals is not ours to rely on). */
  private static final class Identity {
    private final Object owner;

    Identity(Object owner) {
      this.owner = owner;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Identity && ((Identity) other).owner == owner;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(owner);
    }
  }

  /** One key's place in {@link #SHARED}; its monitor orders opening, sharing and the last release. */
  private static final class Slot {
    final Key key;
    RedisConnections connections;
    boolean gone;

    Slot(Key key) {
      this.key = key;
    }
  }

  private static RedisConnections open(RemoteConfig config) {
    Duration timeout = config.timeout();
    Duration openTimeout = openTimeout(config);
    ClientResources resources = SharedResources.acquire();
    RedisClient client = null;
    try {
      RedisURI uri = uri(config);
      client = RedisClient.create(resources, uri);
      client.setOptions(ClientOptions.builder()
          .autoReconnect(true)
          // A call made while the connection is down fails at once instead of queueing until it is back.
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .socketOptions(SocketOptions.builder().connectTimeout(openTimeout).keepAlive(true).build())
          // Commands expire after the connection's own timeout (setTimeout below): the open bound for the first
          // PING, then the command timeout. (A fixed timeout would hold the PING to the command timeout.)
          .timeoutOptions(TimeoutOptions.builder().connectionTimeout().build())
          .build());
      // Connecting takes a TCP connect and a handshake (HELLO/AUTH, SELECT), each bounded by the timeout in
      // Lettuce; the outer bound holds even if one of them were not.
      long bound = openTimeout.toMillis() * 3 + 1000;
      RedisClient opening = client;
      StatefulRedisConnection<byte[], byte[]> data =
          connect(() -> opening.connectAsync(ByteArrayCodec.INSTANCE, uri), bound);
      data.setTimeout(openTimeout);
      StatefulRedisPubSubConnection<byte[], byte[]> pubSub;
      try {
        pubSub = connect(() -> opening.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri), bound);
        pubSub.setTimeout(timeout);
      } catch (RuntimeException e) {
        data.closeAsync();
        throw e;
      }
      StatefulRedisConnection<byte[], byte[]> beat;
      try {
        beat = connect(() -> opening.connectAsync(ByteArrayCodec.INSTANCE, uri), bound);
        beat.setTimeout(timeout);
      } catch (RuntimeException e) {
        data.closeAsync();
        pubSub.closeAsync();
        throw e;
      }
      RedisConnections connections = new RedisConnections(resources, client, data, pubSub, beat);
      try {
        data.sync().ping();
      } catch (RuntimeException e) {
        connections.closeConnections();
        throw e;
      }
      data.setTimeout(timeout);
      return connections;
    } catch (RuntimeException | Error e) {
      if (client != null) {
        shutdown(client);
      }
      SharedResources.release(resources);
      throw e;
    }
  }

  private static RedisURI uri(RemoteConfig config) {
    RedisURI uri = RedisURI.create(config.uri()); // host, port, database, rediss:// as TLS, user info if any
    if (config.uri().getScheme().equalsIgnoreCase("rediss")) {
      uri.setSsl(true);
    }
    RedisCredentials credentials;
    if (config.password() != null) {
      credentials = RedisCredentials.just(config.user(), config.password());
    } else {
      // Credentials written in the URI (redis://user:password@host), or none.
      credentials = uri.getCredentialsProvider().resolveCredentials().block(Duration.ofSeconds(1));
    }
    // Always an immediate provider: with any other (RedisURI.setAuthentication and URI user info install one),
    // Lettuce resolves the credentials on the common ForkJoinPool in every handshake, so the handshake's outcome
    // may be handled off the event loop, racing the channel's close (see connect()).
    uri.setCredentialsProvider(new StaticCredentialsProvider(credentials));
    uri.setTimeout(openTimeout(config)); // Lettuce bounds the handshake (also a reconnect's) by it
    return uri;
  }

  /**
   * Connects, bounded by {@code millis}. Once, when Lettuce reports only that the connection closed during the
   * handshake (which hides the reason, e.g. a wrong password, if the channel closed before the failure was
   * reported), tries again to report the real reason.
   */
  private static <T> T connect(Supplier<ConnectionFuture<T>> attempt, long millis) {
    try {
      return await(attempt.get(), millis);
    } catch (RuntimeException e) {
      if (!closedPrematurely(e)) {
        throw e;
      }
      LOG.log(System.Logger.Level.DEBUG, "The connection closed during the handshake; trying once more", e);
      return await(attempt.get(), millis);
    }
  }

  private static boolean closedPrematurely(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      // Both say only that the channel closed during the handshake (seen for a wrong password, whose reply came
      // after the close): the second attempt reports the reason.
      if (t.getMessage() != null && (t.getMessage().contains("Connection closed prematurely")
          || t.getMessage().contains("RedisHandshakeHandler not registered"))) {
        return true;
      }
    }
    return false;
  }

  private static <T> T await(ConnectionFuture<T> future, long millis) {
    try {
      return future.get(millis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IllegalStateException(cause);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IllegalStateException(new TimeoutException("connecting timed out after " + millis + " ms"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      throw new IllegalStateException("interrupted while connecting", e);
    }
  }

  /** Closes the connections and the client, then releases the shared resources. Once, by the last release. */
  private void close() {
    closeConnections();
    shutdown(client);
    SharedResources.release(resources);
  }

  private void closeConnections() {
    try {
      pubSub.close();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "Closing the pub/sub connection failed", e);
    }
    try {
      data.close();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "Closing the data connection failed", e);
    }
    try {
      beat.close();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "Closing the heartbeat connection failed", e);
    }
  }

  private static void shutdown(RedisClient client) {
    try {
      client.shutdown(Duration.ZERO, SHUTDOWN_TIMEOUT);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "Shutting down the Redis client failed", e);
    }
  }
}

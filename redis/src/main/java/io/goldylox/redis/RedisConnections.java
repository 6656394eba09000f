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
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * What one {@link RedisRemoteStore} owns in Lettuce: its {@link RedisClient} (on the JVM's
 * {@link SharedResources}), the data connection, the pub/sub connection and the timer's connection; and how they are opened (every step
 * bounded by the configured timeout, and everything released again when a step fails) and closed.
 *
 * <p>Threads: the opening thread builds it; the closing thread closes it once. The connections themselves are
 * thread-safe and used by every caller thread.
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

  static RedisConnections open(RemoteConfig config) {
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

  /** Closes both connections and the client, then releases the shared resources. Call once. */
  void close() {
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

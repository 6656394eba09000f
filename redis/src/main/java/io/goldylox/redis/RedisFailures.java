package io.goldylox.redis;

import io.goldylox.remote.RemoteStoreException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.protocol.RedisProtocolException;
import io.netty.handler.codec.DecoderException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Turns Lettuce's exceptions into {@link RemoteStoreException}s whose message names the operation and the store
 * (its masked URI, never the password) and says what went wrong in words: did not answer in time, unreachable,
 * authentication failed, refused the command. Any text taken from a cause passes through {@link #redact} first.
 * Immutable; any thread.
 */
final class RedisFailures {

  private final String description;
  private final Duration timeout;
  /** What bounds opening: {@link RedisConnections#openTimeout}. */
  private final Duration openTimeout;
  private final String password;

  RedisFailures(String description, Duration timeout, Duration openTimeout, String password) {
    this.description = description;
    this.timeout = timeout;
    this.openTimeout = openTimeout;
    this.password = password;
  }

  /** The exception to throw for {@code error}, raised by operation {@code operation} (e.g. "GET"). */
  RemoteStoreException wrap(String operation, Throwable error) {
    if (error instanceof RemoteStoreException) {
      return (RemoteStoreException) error;
    }
    String reason = reason(error);
    String message;
    if (reason == null) {
      message = "Redis " + description + " did not answer " + operation + " within " + timeout;
    } else {
      message = "Redis " + description + " failed " + operation + ": " + reason;
    }
    return new RemoteStoreException(message, error);
  }

  /** The exception to throw when the store cannot be opened. */
  RemoteStoreException openFailed(String cacheName, Throwable error) {
    if (error instanceof RemoteStoreException) {
      return (RemoteStoreException) error;
    }
    String reason = reason(error);
    if (reason == null) {
      reason = "no answer within " + openTimeout + " (is a Redis server listening there, and not overloaded?)";
    }
    return new RemoteStoreException("Cache '" + cacheName + "' cannot open its remote store, Redis " + description
        + ": " + reason, error);
  }

  /**
   * Whether opening may succeed later without a change of configuration: Redis did not answer in time, refused or
   * lost the connection, or is still loading its data or without its master. Not a wrong password, a database
   * number the server lacks, a host name that does not resolve, or a server that does not speak Redis.
   */
  static boolean mayConnectLater(Throwable error) {
    boolean later = false;
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String text = t.getMessage() == null ? "" : t.getMessage();
      if (text.contains("WRONGPASS") || text.contains("NOAUTH") || text.contains("invalid password")
          || text.contains("invalid username-password") || text.contains("DB index is out of range")
          || t instanceof RedisProtocolException || t instanceof DecoderException || text.contains("Invalid first byte")
          || t instanceof UnknownHostException) {
        return false;
      }
      later |= t instanceof RedisCommandTimeoutException || t instanceof TimeoutException || text.contains("timed out")
          || t instanceof ConnectException || t instanceof RedisConnectionException || text.startsWith("LOADING")
          || text.startsWith("MASTERDOWN") || text.contains("Connection closed")
          || text.contains("not connected"); // connections another cache of the manager shares, reconnecting
    }
    return later;
  }

  /** Words for {@code error}; null when it is a timeout. */
  String reason(Throwable error) {
    String auth = null;
    boolean timedOut = false;
    boolean refused = false;
    boolean notRedis = false;
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String text = t.getMessage() == null ? "" : t.getMessage();
      if (text.contains("WRONGPASS") || text.contains("NOAUTH") || text.contains("invalid password")
          || text.contains("invalid username-password")) {
        auth = text;
      }
      if (t instanceof RedisCommandTimeoutException || t instanceof TimeoutException
          || text.contains("timed out")) {
        timedOut = true;
      }
      if (t instanceof ConnectException) {
        refused = true;
      }
      if (t instanceof RedisProtocolException || t instanceof DecoderException
          || text.contains("Invalid first byte")) {
        notRedis = true;
      }
    }
    if (auth != null) {
      return "authentication failed (" + redact(firstLine(auth)) + ")";
    }
    if (timedOut) {
      return null;
    }
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String detail = redact(firstLine(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()));
    if (refused) {
      return "cannot connect (" + detail + ")";
    }
    if (detail.contains("DB index is out of range")) {
      return "the server has no database of the URI's number (" + detail + "; a server has 16, 0-15, unless its"
          + " `databases` setting says otherwise)";
    }
    if (notRedis) {
      return "it answered something that is not the Redis protocol (" + detail + ")";
    }
    if (error instanceof RedisConnectionException || detail.contains("not connected")
        || detail.contains("Connection closed") || detail.contains("Connection is closed")) {
      return "unreachable (" + detail + ")";
    }
    if (error instanceof RedisCommandExecutionException) {
      return "refused by the server (" + detail + ")";
    }
    return detail;
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  /** {@code text} with the password, if it somehow appears, replaced by {@code ***}. */
  String redact(String text) {
    if (password == null || password.isEmpty() || text == null) {
      return text;
    }
    return text.replace(password, "***");
  }
}

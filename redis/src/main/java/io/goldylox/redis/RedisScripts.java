package io.goldylox.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The Lua scripts of a {@link RedisRemoteStore} and how they are called: loaded once with {@code SCRIPT LOAD}, run
 * with {@code EVALSHA}, loaded again and retried once when Redis answers {@code NOSCRIPT} (a restarted server, or
 * {@code SCRIPT FLUSH}). Script replies never carry a Lua boolean (whose RESP3 form differs from its RESP2 one).
 *
 * <p>Owns the digests of its connection's scripts (an atomic array: any caller thread may reload one). Calls run
 * on the callers' threads (sync API) or, for {@link #runAsync}, complete on Lettuce's I/O thread.
 */
final class RedisScripts {

  /** The scripts; KEYS and ARGV as each comment says. */
  enum Script {
    /**
     * KEYS: lock key, data key. ARGV: token, lease in ms. Returns {1} or {1, value} when the lock was taken, else
     * {0, PTTL of the lock}.
     */
    LOCK(ScriptOutputType.MULTI, String.join("\n",
        "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then",
        "  local value = redis.call('GET', KEYS[2])",
        "  if value then return {1, value} end",
        "  return {1}",
        "end",
        "return {0, redis.call('PTTL', KEYS[1])}")),

    /**
     * KEYS: lock key, data key. ARGV: token, delete flag ('1' deletes), value, expire-at ms ('' for never),
     * channel, invalidation message. Returns 0 (nothing done) when the lock is not held with this token, else 1.
     */
    WRITE_AND_UNLOCK(ScriptOutputType.INTEGER, String.join("\n",
        "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end",
        "if ARGV[2] == '1' then",
        "  redis.call('DEL', KEYS[2])",
        "else",
        "  redis.call('SET', KEYS[2], ARGV[3])",
        "  if ARGV[4] ~= '' then redis.call('PEXPIREAT', KEYS[2], ARGV[4]) end",
        "end",
        "redis.call('DEL', KEYS[1])",
        "redis.call('PUBLISH', ARGV[5], ARGV[6])",
        "return 1")),

    /**
     * KEYS: lock key, data key. ARGV: value, channel, invalidation message. Unless another node holds the key's
     * lock (then 0, nothing done), sets the value without expiry and announces it, as one step; returns 1.
     */
    STORE_UNLOCKED(ScriptOutputType.INTEGER, String.join("\n",
        "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end",
        "redis.call('SET', KEYS[2], ARGV[1])",
        "redis.call('PUBLISH', ARGV[2], ARGV[3])",
        "return 1")),

    /** KEYS: lock key. ARGV: token, lease in ms. Extends the lock's lease if it is still held with this token. */
    RENEW(ScriptOutputType.INTEGER, String.join("\n",
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end",
        "return 0")),

    /** KEYS: lock key. ARGV: token. Deletes the lock if it is still held with this token. */
    UNLOCK(ScriptOutputType.INTEGER, String.join("\n",
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end",
        "return 0")),

    /**
     * KEYS: data key. ARGV: deadline offset (0-based), the 8 new deadline bytes, expire-at ms ('' for never), the 8
     * previous deadline bytes, '1' to announce, channel, invalidation message. Rewrites the deadline inside the
     * record and the key's expiry, if the record exists and either still carries the previous deadline (not a
     * newer value written since) or carries an earlier deadline than the new one, and then publishes the message
     * when asked (a deadline moved earlier). The second case lets readers on several nodes, each with its own
     * near copy's deadline, all extend the shared one (deadlines are non-negative, so their big-endian bytes
     * compare as the numbers do); it never shortens a deadline it did not see.
     */
    MOVE_DEADLINE(ScriptOutputType.INTEGER, String.join("\n",
        "local from = tonumber(ARGV[1])",
        "if redis.call('STRLEN', KEYS[1]) < from + 8 then return 0 end",
        "local current = redis.call('GETRANGE', KEYS[1], from, from + 7)",
        "if current ~= ARGV[4] then",
        "  local later = false",
        "  for i = 1, 8 do",
        "    local n, c = string.byte(ARGV[2], i), string.byte(current, i)",
        "    if n ~= c then later = n > c break end",
        "  end",
        "  if not later then return 0 end",
        "end",
        "redis.call('SETRANGE', KEYS[1], from, ARGV[2])",
        "if ARGV[3] == '' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end",
        "if ARGV[5] == '1' then redis.call('PUBLISH', ARGV[6], ARGV[7]) end",
        "return 1"));

    final ScriptOutputType output;
    final byte[] text;

    Script(ScriptOutputType output, String text) {
      this.output = output;
      this.text = text.getBytes(StandardCharsets.UTF_8);
    }
  }

  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final AtomicReferenceArray<String> digests = new AtomicReferenceArray<>(Script.values().length);

  RedisScripts(StatefulRedisConnection<byte[], byte[]> connection) {
    this.connection = connection;
  }

  /** Loads every script (at open: a server that refuses scripts fails then, not on the first change). */
  void loadAll() {
    for (Script script : Script.values()) {
      load(script);
    }
  }

  private String load(Script script) {
    String digest = connection.sync().scriptLoad(script.text);
    digests.set(script.ordinal(), digest);
    return digest;
  }

  /** Runs {@code script} with EVALSHA on the caller's thread; Lettuce's exceptions pass through. */
  <T> T run(Script script, byte[][] keys, byte[]... args) {
    String digest = digests.get(script.ordinal());
    if (digest == null) {
      digest = load(script);
    }
    try {
      return connection.sync().evalsha(digest, script.output, keys, args);
    } catch (RedisNoScriptException e) {
      return connection.sync().evalsha(load(script), script.output, keys, args);
    }
  }

  /**
   * Runs {@code script} without waiting: EVALSHA, then on NOSCRIPT one EVAL (which also caches the script in
   * Redis). The stage completes on Lettuce's I/O thread.
   */
  <T> CompletionStage<T> runAsync(Script script, byte[][] keys, byte[]... args) {
    String digest = digests.get(script.ordinal());
    CompletionStage<T> first = digest == null
        ? CompletableFuture.failedFuture(new RedisNoScriptException("not loaded yet"))
        : connection.async().<T>evalsha(digest, script.output, keys, args);
    return first.handle((result, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(result);
      }
      Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
          ? error.getCause() : error;
      if (cause instanceof RedisNoScriptException) {
        return connection.async().<T>eval(script.text, script.output, keys, args).toCompletableFuture();
      }
      return CompletableFuture.<T>failedFuture(cause);
    }).thenCompose(stage -> stage);
  }
}

package io.goldylox.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The key layout of one cache in Redis, all under the cache's prefix {@code P} (UTF-8):
 * <ul>
 *   <li>{@code P d: key} holds a mapping's value record;</li>
 *   <li>{@code P l: key} holds the lock of a key while a node changes it (a random token with a lease);</li>
 *   <li>{@code P inv} is the pub/sub channel on which nodes announce changes.</li>
 * </ul>
 * Immutable; any thread.
 */
final class RedisKeys {

  private final String prefix;
  private final byte[] dataPrefix;
  private final byte[] lockPrefix;
  private final byte[] channel;
  private final byte[] scanPattern;

  RedisKeys(String prefix) {
    this.prefix = prefix;
    this.dataPrefix = utf8(prefix + "d:");
    this.lockPrefix = utf8(prefix + "l:");
    this.channel = utf8(prefix + "inv");
    this.scanPattern = utf8(escapeGlob(prefix) + "d:*");
  }

  /** The prefix as configured (for messages). */
  String prefix() {
    return prefix;
  }

  byte[] data(byte[] key) {
    return concat(dataPrefix, key);
  }

  byte[] lock(byte[] key) {
    return concat(lockPrefix, key);
  }

  /** The invalidation channel (a fresh copy). */
  byte[] channel() {
    return channel.clone();
  }

  boolean isChannel(byte[] candidate) {
    return Arrays.equals(channel, candidate);
  }

  /** The SCAN MATCH pattern of every data key of this cache, glob characters of the prefix escaped. */
  byte[] scanPattern() {
    return scanPattern.clone();
  }

  /** The cache key of a data key, or null when {@code dataKey} is not one of this cache's data keys. */
  byte[] stripData(byte[] dataKey) {
    if (dataKey.length < dataPrefix.length
        || !Arrays.equals(dataKey, 0, dataPrefix.length, dataPrefix, 0, dataPrefix.length)) {
      return null;
    }
    return Arrays.copyOfRange(dataKey, dataPrefix.length, dataKey.length);
  }

  /** Escapes the characters SCAN MATCH treats as glob syntax ({@code * ? [ ] \}) with a backslash. */
  static String escapeGlob(String text) {
    StringBuilder escaped = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        escaped.append('\\');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] joined = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, joined, a.length, b.length);
    return joined;
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}

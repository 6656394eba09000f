package io.goldylox.config;

import java.net.URI;
import javax.cache.CacheException;

/**
 * A Goldylox configuration file, or the defaults merged into a cache's configuration, cannot be used.
 *
 * <p>The message always says which file ({@link #source()}), which key ({@link #keyPath()}, a full HOCON path
 * such as {@code goldylox.caches.orders.off-heap.size}) and why. Immutable; thrown on the thread that loads the
 * file (a cache manager's constructor, or a test).
 */
public class ConfigurationException extends CacheException {

  private static final long serialVersionUID = 1L;

  private final URI source;
  private final String keyPath;
  private final String reason;

  /**
   * @param source the configuration file, or null when the error is not tied to a file
   * @param keyPath the full HOCON path of the offending key, or null when the error concerns the whole file
   * @param reason what is wrong, in words a user can act on
   */
  public ConfigurationException(URI source, String keyPath, String reason) {
    this(source, keyPath, reason, null);
  }

  public ConfigurationException(URI source, String keyPath, String reason, Throwable cause) {
    super(message(source, keyPath, reason), cause);
    this.source = source;
    this.keyPath = keyPath;
    this.reason = reason;
  }

  private static String message(URI source, String keyPath, String reason) {
    StringBuilder message = new StringBuilder("Goldylox configuration");
    if (source != null) {
      message.append(' ').append(source);
    }
    if (keyPath != null) {
      message.append(", key ").append(keyPath);
    }
    return message.append(": ").append(reason).toString();
  }

  /** The configuration file, or null. */
  public URI source() {
    return source;
  }

  /** The full HOCON path of the offending key (e.g. {@code goldylox.caches.orders.off-heap.size}), or null. */
  public String keyPath() {
    return keyPath;
  }

  /** What is wrong, without the file and key. */
  public String reason() {
    return reason;
  }
}

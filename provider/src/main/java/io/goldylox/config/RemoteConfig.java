package io.goldylox.config;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The {@code remote} block of a cache: a shared store (Redis) under the local tiers, which then act as a near
 * cache. A plain immutable value naming no client library; {@code io.goldylox.remote.NearCacheTier} and the store
 * named by the URI's scheme read it as it is. The password is never part of {@link #toString()}, of
 * {@link #describe()} or of any message: {@link #maskedUri()} hides one written inside the URI.
 *
 * <pre>{@code
 * remote {
 *   redis {
 *     uri = "redis://127.0.0.1:6379/0"     # or rediss:// for TLS
 *     key-prefix = "orders:"              # default "goldylox:<cache>:"
 *     timeout = 200ms                     # bound of every round trip
 *     lock-wait = 1s                      # longest wait for a key another node is changing
 *     lock-lease = 5s                     # how long a dead node's lock holds a key
 *     user = "app"                        # ACL user (optional)
 *     password-env = "REDIS_PASSWORD"     # or password = "...", or password-file = "/run/secrets/redis"
 *   }
 * }
 * }</pre>
 */
public final class RemoteConfig implements Serializable {

  private static final long serialVersionUID = 1L;

  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);
  public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_LOCK_LEASE = Duration.ofSeconds(5);

  /** What an operation does when the store fails or does not answer in time. */
  public enum OnFailure {
    /** The operation fails with a {@code CacheException} naming the store (the default). */
    FAIL,
    /**
     * The operation is served and written by this node's near cache alone, counted and logged once per outage;
     * when the store is back, the near cache is dropped (changes made meanwhile were never shared).
     */
    LOCAL;

    /** The spelling used in configuration files. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static OnFailure parse(String text) {
      for (OnFailure value : values()) {
        if (value.name().equalsIgnoreCase(text.trim())) {
          return value;
        }
      }
      return null;
    }
  }

  private final URI uri;
  private final String keyPrefix;
  private final Duration timeout;
  private final Duration lockWait;
  private final Duration lockLease;
  private final OnFailure onFailure;
  private final String user;
  private final String password;

  private RemoteConfig(Builder builder) {
    this.uri = builder.uri;
    this.keyPrefix = builder.keyPrefix;
    this.timeout = builder.timeout;
    this.lockWait = builder.lockWait;
    this.lockLease = builder.lockLease;
    this.onFailure = builder.onFailure;
    this.user = builder.user;
    this.password = builder.password;
  }

  public static Builder builder(String uri) {
    return new Builder(uri);
  }

  /** The store's URI as configured (it may hold a password: print {@link #maskedUri()} instead). */
  public URI uri() {
    return uri;
  }

  /** The URI with any password replaced by {@code ***}, for messages and MBeans. */
  public String maskedUri() {
    return mask(uri);
  }

  /** The prefix of every key of this cache in the store; null means {@code goldylox:<cache>:}. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /** The prefix for cache {@code cacheName}: the configured one, else {@code goldylox:<cache>:}. */
  public String keyPrefixFor(String cacheName) {
    return keyPrefix != null ? keyPrefix : "goldylox:" + cacheName + ":";
  }

  /**
   * This configuration for cache {@code cacheName} of a {@code default} block: its key prefix (default
   * {@code goldylox:}) becomes a root, under which the cache's keys get {@code <root><cache>:}.
   */
  public RemoteConfig forCache(String cacheName) {
    Builder builder = new Builder(uri).keyPrefix((keyPrefix != null ? keyPrefix : "goldylox:") + cacheName + ":")
        .timeout(timeout).lockWait(lockWait).lockLease(lockLease).onFailure(onFailure).user(user);
    return builder.password(password).build();
  }

  public Duration timeout() {
    return timeout;
  }

  public Duration lockWait() {
    return lockWait;
  }

  public Duration lockLease() {
    return lockLease;
  }

  public OnFailure onFailure() {
    return onFailure;
  }

  /** The ACL user, or null. */
  public String user() {
    return user;
  }

  /** The password (from the file, the environment or the configuration), or null. Never print it. */
  public String password() {
    return password;
  }

  /** The masked URI and key prefix, for messages. */
  public String describe() {
    return maskedUri() + (keyPrefix != null ? " (key prefix '" + keyPrefix + "')" : "");
  }

  static String mask(URI uri) {
    String userInfo = uri.getRawUserInfo();
    if (userInfo == null) {
      return uri.toString();
    }
    int colon = userInfo.indexOf(':');
    String masked = colon < 0 ? "***" : userInfo.substring(0, colon) + ":***";
    return uri.toString().replace(userInfo + "@", masked + "@");
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof RemoteConfig)) {
      return false;
    }
    RemoteConfig that = (RemoteConfig) other;
    return uri.equals(that.uri) && Objects.equals(keyPrefix, that.keyPrefix) && timeout.equals(that.timeout)
        && lockWait.equals(that.lockWait) && lockLease.equals(that.lockLease) && onFailure == that.onFailure
        && Objects.equals(user, that.user) && Objects.equals(password, that.password);
  }

  @Override
  public int hashCode() {
    return Objects.hash(uri, keyPrefix, timeout, lockWait, lockLease, onFailure, user);
  }

  @Override
  public String toString() {
    return "RemoteConfig[uri=" + maskedUri() + ", keyPrefix=" + keyPrefix + ", timeout=" + timeout + ", lockWait="
        + lockWait + ", lockLease=" + lockLease + ", onFailure=" + onFailure.configName()
        + (user != null ? ", user=" + user : "") + (password != null ? ", password=***" : "") + "]";
  }

  /** Builds a {@link RemoteConfig}; each setter checks its value and names it when it is wrong. Not thread-safe. */
  public static final class Builder {
    private final URI uri;
    private String keyPrefix;
    private Duration timeout = DEFAULT_TIMEOUT;
    private Duration lockWait = DEFAULT_LOCK_WAIT;
    private Duration lockLease = DEFAULT_LOCK_LEASE;
    private OnFailure onFailure = OnFailure.FAIL;
    private String user;
    private String password;

    private Builder(URI uri) {
      this.uri = uri;
    }

    private Builder(String uri) {
      Objects.requireNonNull(uri, "uri");
      URI parsed;
      try {
        parsed = URI.create(uri.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("uri must look like redis://host:port/db or rediss://host:port/db ("
            + e.getMessage().replace(uri, "<uri>") + ")");
      }
      if (parsed.getScheme() == null || parsed.getHost() == null) {
        throw new IllegalArgumentException("uri must look like redis://host:port/db or rediss://host:port/db, not "
            + mask(parsed));
      }
      this.uri = parsed;
    }

    public Builder keyPrefix(String keyPrefix) {
      if (keyPrefix == null || keyPrefix.isEmpty()) {
        throw new IllegalArgumentException("key-prefix must not be empty");
      }
      this.keyPrefix = keyPrefix;
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = positive("timeout", timeout);
      return this;
    }

    public Builder lockWait(Duration lockWait) {
      this.lockWait = positive("lock-wait", lockWait);
      return this;
    }

    public Builder lockLease(Duration lockLease) {
      this.lockLease = positive("lock-lease", lockLease);
      return this;
    }

    public Builder onFailure(OnFailure onFailure) {
      this.onFailure = Objects.requireNonNull(onFailure, "on-failure");
      return this;
    }

    public Builder user(String user) {
      this.user = user;
      return this;
    }

    public Builder password(String password) {
      this.password = password;
      return this;
    }

    public RemoteConfig build() {
      return new RemoteConfig(this);
    }

    private static Duration positive(String name, Duration value) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero() || value.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException(name + " must be more than 0 and at most a day, not " + value);
      }
      return value;
    }

    static OnFailure parseOnFailure(String text) {
      return OnFailure.parse(text);
    }
  }
}

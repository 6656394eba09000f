package io.goldylox.config;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheWriter;

/**
 * The {@code write-behind} block of a cache: which {@link CacheWriter} receives the journaled operations, where the
 * journal lives, and how the background flusher batches, syncs and retries. A plain immutable value (it names no
 * journal implementation); build one with {@link #builder()} or read it from a configuration file. It is the only
 * description of these settings: {@code io.goldylox.writebehind.WriteBehindJournal} and its flusher read it as it
 * is. Every value is checked when it is set or at {@link Builder#build()}; a bad one fails with an
 * {@link IllegalArgumentException} naming the setting and the value (the file reader turns it into a
 * {@link ConfigurationException} at the offending key). Immutable, so any thread may read it; a {@link Builder} is
 * not thread-safe.
 *
 * <pre>{@code
 * write-behind {
 *   writer = "com.example.OrderWriter"   # class of CacheWriter or Factory<CacheWriter>
 *   journal = "/var/lib/app/orders-journal"
 *   batch-size = 500
 *   max-delay = 100ms
 *   concurrency = 1                      # writer threads; above 1 the writer must be thread-safe
 *   coalesce = true
 *   durability = process                 # or os: plus a background sync every sync-interval
 *   sync-interval = 10ms
 *   retry { initial-delay = 100ms, max-delay = 30s, max-attempts = 200 }
 *   dead-letter = "/var/lib/app/orders-dead"   # default: the journal's path + "-dead-letter"
 *   close-timeout = infinite             # or a duration: how long close() keeps delivering
 *   max-lag = 1000000                    # operations not yet acknowledged past which on-max-lag applies
 *   on-max-lag = accept                  # or reject: such a put fails with a CacheWriterException
 * }
 * }</pre>
 */
public final class WriteBehindConfig implements Serializable {

  private static final long serialVersionUID = 1L;

  public static final int DEFAULT_BATCH_SIZE = 500;
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofMillis(100);
  public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofMillis(10);
  /** The most days any write-behind duration may be; also what an unbounded close-timeout is stored as. */
  private static final long MAX_DAYS = 365;
  /** The longest any write-behind duration may be, so that it converts to nanoseconds and deadlines safely. */
  public static final Duration MAX_DURATION = Duration.ofDays(MAX_DAYS);
  /** {@code close-timeout = infinite}: close() delivers everything while the writer accepts it. */
  public static final Duration UNBOUNDED_CLOSE = MAX_DURATION;
  /** The spelling of an unbounded close-timeout in configuration files. */
  public static final String INFINITE = "infinite";
  /** By default close() delivers everything the writer accepts, however long that takes. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = UNBOUNDED_CLOSE;
  /** Operations journaled and not yet acknowledged past which {@link OnMaxLag} applies. */
  public static final long DEFAULT_MAX_LAG = 1_000_000;
  /** Appended to the journal's path when no dead-letter path is given. */
  public static final String DEAD_LETTER_SUFFIX = "-dead-letter";
  /** The most writer threads ({@code concurrency}) one journal may have. */
  public static final int MAX_CONCURRENCY = 64;
  /** The largest {@code batch-size}: one batch is held in memory and handed to one writer call. */
  public static final int MAX_BATCH_SIZE = 1_000_000;

  /** How far an acknowledged operation survives. */
  public enum Durability {
    /**
     * An append is in the operating system's page cache when {@code put} returns: it survives a crash or
     * {@code kill -9} of the JVM, not a power loss or kernel crash (the default).
     */
    PROCESS,
    /**
     * As {@link #PROCESS}, plus a background thread forces the journal to disk every {@code sync-interval}
     * (callers never wait for it): a power loss loses at most about one interval of operations.
     */
    OS;

    /** The spelling used in configuration files. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Durability parse(String text) {
      for (Durability value : values()) {
        if (value.name().equalsIgnoreCase(text.trim())) {
          return value;
        }
      }
      return null;
    }
  }

  /** What a put does when the journal lag has reached {@code max-lag}. */
  public enum OnMaxLag {
    /**
     * The put is journaled as usual; the first one of each episode logs a WARN, and a metric counts episodes
     * (the default: the journal is on disk, so a lag costs disk space and replay time, not heap).
     */
    ACCEPT,
    /** The put (or remove) fails with a {@code CacheWriterException} that names the lag and the limit. */
    REJECT;

    /** The spelling used in configuration files. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static OnMaxLag parse(String text) {
      for (OnMaxLag value : values()) {
        if (value.name().equalsIgnoreCase(text.trim())) {
          return value;
        }
      }
      return null;
    }
  }

  /**
   * Exponential backoff for operations the writer failed: the first retry after {@code initialDelay}, each next
   * one after twice the previous delay, at most {@code maxDelay}; after {@code maxAttempts} failed attempts
   * (the first delivery included) the operation goes to the dead-letter journal.
   */
  public record Retry(Duration initialDelay, Duration maxDelay, int maxAttempts) implements Serializable {

    /**
     * About 1 h 36 min of retries (100 ms doubling to 30 s, 200 attempts): a database restart or failover, even a
     * maintenance window, does not send a whole backlog to the dead letters (with 10 attempts it did after 51 s).
     */
    public static final Retry DEFAULT = new Retry(Duration.ofMillis(100), Duration.ofSeconds(30), 200);

    /**
     * @throws IllegalArgumentException if a delay is missing, not positive or longer than {@link #MAX_DURATION},
     *     maxDelay < initialDelay or maxAttempts < 1
     */
    public Retry {
      requireDuration("retry initial-delay", initialDelay, true);
      requireDuration("retry max-delay", maxDelay, true);
      if (maxDelay.compareTo(initialDelay) < 0) {
        throw new IllegalArgumentException("retry max-delay (" + maxDelay + ") is shorter than initial-delay ("
            + initialDelay + ")");
      }
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("retry max-attempts must be at least 1, not " + maxAttempts);
      }
    }

    /** How long an operation is retried before it becomes a dead letter: the sum of its backoffs (ms). */
    public long budgetMillis() {
      long total = 0;
      int attempt = 1;
      for (; attempt < maxAttempts; attempt++) { // doubling: at most ~60 turns before the delay is max-delay
        long delay = backoffMillis(attempt);
        total += delay;
        if (delay >= maxDelay.toMillis()) {
          attempt++;
          break;
        }
      }
      long rest = Math.max(0, maxAttempts - attempt);
      return total + rest * maxDelay.toMillis();
    }

    /** The wait before the retry that follows failed attempt {@code attempts}: {@code initial * 2^(attempts-1)}. */
    public long backoffMillis(int attempts) {
      long delay = initialDelay.toMillis();
      long max = maxDelay.toMillis();
      for (int i = 1; i < attempts && delay < max; i++) {
        delay = Math.min(max, delay * 2);
      }
      return Math.min(delay, max);
    }
  }

  private final Factory<? extends CacheWriter<?, ?>> writerFactory;
  private final String writerName;
  // Paths are kept as strings: java.nio.file.Path is not Serializable, and JCache configurations are.
  private final String journal;
  private final int batchSize;
  /** Writer threads; 0 in a form serialized before the setting existed, read as 1. */
  private final int concurrency;
  private final Duration maxDelay;
  private final boolean coalesce;
  private final Durability durability;
  private final Duration syncInterval;
  private final Retry retry;
  private final String deadLetter;
  private final Duration closeTimeout;
  private final long maxLag;
  private final OnMaxLag onMaxLag;

  private WriteBehindConfig(Builder builder) {
    this.writerFactory = builder.writerFactory;
    this.writerName = builder.writerName;
    this.journal = builder.journal.toString();
    this.batchSize = builder.batchSize;
    this.concurrency = builder.concurrency;
    this.maxDelay = builder.maxDelay;
    this.coalesce = builder.coalesce;
    this.durability = builder.durability;
    this.syncInterval = builder.syncInterval;
    this.retry = builder.retry;
    this.deadLetter = (builder.deadLetter != null ? builder.deadLetter
        : builder.journal.resolveSibling(builder.journal.getFileName() + DEAD_LETTER_SUFFIX)).toString();
    this.closeTimeout = builder.closeTimeout;
    this.maxLag = builder.maxLag;
    this.onMaxLag = builder.onMaxLag;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values, to derive a changed copy. */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.writerFactory = writerFactory;
    builder.writerName = writerName;
    builder.journal = journal();
    builder.batchSize = batchSize;
    builder.concurrency = concurrency();
    builder.maxDelay = maxDelay;
    builder.coalesce = coalesce;
    builder.durability = durability;
    builder.syncInterval = syncInterval;
    builder.retry = retry;
    builder.deadLetter = deadLetter();
    builder.closeTimeout = closeTimeout;
    builder.maxLag = maxLag;
    builder.onMaxLag = onMaxLag;
    return builder;
  }

  /** Creates the writer the flusher delivers to. Its key and value types are the cache's (unchecked). */
  public Factory<? extends CacheWriter<?, ?>> writerFactory() {
    return writerFactory;
  }

  /** The writer's class name (or the factory's), for messages and management. */
  public String writerName() {
    return writerName;
  }

  /** The journal's directory. */
  public Path journal() {
    return Path.of(journal);
  }

  /** The most operations handed to one {@code writeAll}/{@code deleteAll} call. */
  public int batchSize() {
    return batchSize;
  }

  /**
   * The writer threads: keys are spread over them by hash, each key always to the same one, so per-key order is
   * kept; with more than one, the writer is called from several threads at once and must be thread-safe.
   */
  public int concurrency() {
    return Math.max(1, concurrency);
  }

  /** The longest an operation waits for its batch to fill; zero delivers as soon as the flusher is free. */
  public Duration maxDelay() {
    return maxDelay;
  }

  /**
   * Whether only the last operation per key reaches the writer: whatever is pending for a key when the flusher
   * comes to it, however many operations and batches that spans, is written once (its last put, or a delete).
   */
  public boolean coalesce() {
    return coalesce;
  }

  public Durability durability() {
    return durability;
  }

  /** How often the journal is synced to the device when {@link #durability()} is {@link Durability#OS}. */
  public Duration syncInterval() {
    return syncInterval;
  }

  public Retry retry() {
    return retry;
  }

  /** Where operations go after {@link Retry#maxAttempts()} failed attempts. */
  public Path deadLetter() {
    return Path.of(deadLetter);
  }

  /**
   * How long {@code close()} keeps delivering before it leaves the rest in the journal for the next start;
   * {@link #UNBOUNDED_CLOSE} (the default, {@code infinite}): until everything is delivered or has failed once.
   */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /** Whether {@link #closeTimeout()} is a bound (false: {@code infinite}). */
  public boolean closeTimeoutBounded() {
    return closeTimeout.compareTo(UNBOUNDED_CLOSE) < 0;
  }

  /** Operations journaled and not yet acknowledged by the writer past which {@link #onMaxLag()} applies. */
  public long maxLag() {
    return maxLag;
  }

  public OnMaxLag onMaxLag() {
    return onMaxLag;
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof WriteBehindConfig)) {
      return false;
    }
    WriteBehindConfig that = (WriteBehindConfig) other;
    return writerFactory.equals(that.writerFactory) && writerName.equals(that.writerName)
        && journal.equals(that.journal) && batchSize == that.batchSize
        && concurrency() == that.concurrency() && maxDelay.equals(that.maxDelay)
        && coalesce == that.coalesce && durability == that.durability && syncInterval.equals(that.syncInterval)
        && retry.equals(that.retry) && deadLetter.equals(that.deadLetter) && closeTimeout.equals(that.closeTimeout)
        && maxLag == that.maxLag && onMaxLag == that.onMaxLag;
  }

  @Override
  public int hashCode() {
    return Objects.hash(writerFactory, journal, batchSize, concurrency(), maxDelay, coalesce, durability, syncInterval, retry,
        deadLetter, closeTimeout, maxLag, onMaxLag);
  }

  @Override
  public String toString() {
    return "WriteBehindConfig{writer=" + writerName + ", journal=" + journal + ", batch-size=" + batchSize
        + ", concurrency=" + concurrency() + ", max-delay=" + maxDelay + ", coalesce=" + coalesce + ", durability=" + durability.configName()
        + ", sync-interval=" + syncInterval + ", retry=" + retry + ", dead-letter=" + deadLetter
        + ", close-timeout=" + (closeTimeoutBounded() ? closeTimeout.toString() : INFINITE) + ", max-lag=" + maxLag
        + ", on-max-lag=" + onMaxLag.configName() + "}";
  }

  /** Collects the values of a {@link WriteBehindConfig}; {@link #writer} and {@link #journal} are required. */
  public static final class Builder {

    private Factory<? extends CacheWriter<?, ?>> writerFactory;
    private String writerName;
    private Path journal;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int concurrency = 1;
    private Duration maxDelay = DEFAULT_MAX_DELAY;
    private boolean coalesce = true;
    private Durability durability = Durability.PROCESS;
    private Duration syncInterval = DEFAULT_SYNC_INTERVAL;
    private Retry retry = Retry.DEFAULT;
    private Path deadLetter;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private long maxLag = DEFAULT_MAX_LAG;
    private OnMaxLag onMaxLag = OnMaxLag.ACCEPT;

    private Builder() {}

    /** The writer, as a factory. */
    public Builder writer(Factory<? extends CacheWriter<?, ?>> factory) {
      this.writerFactory = Objects.requireNonNull(factory, "factory");
      this.writerName = factory instanceof ClassFactories.InstanceFactory
          ? ((ClassFactories.InstanceFactory<?>) factory).type().getName() : factory.getClass().getName();
      return this;
    }

    /**
     * The writer, as a class of {@link CacheWriter} (instantiated by its public no-argument constructor) or of
     * {@link Factory}{@code <CacheWriter>} (instantiated now).
     *
     * @throws IllegalArgumentException if the class is neither or cannot be instantiated
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Builder writer(Class<?> writerOrFactoryClass) {
      Factory<? extends CacheWriter<?, ?>> factory =
          (Factory) ClassFactories.factoryFor(writerOrFactoryClass, CacheWriter.class);
      writer(factory);
      this.writerName = writerOrFactoryClass.getName();
      return this;
    }

    /** The journal's directory; a relative path is resolved against the working directory now. */
    public Builder journal(Path journal) {
      this.journal = Objects.requireNonNull(journal, "journal").toAbsolutePath().normalize();
      return this;
    }

    /**
     * Writer threads (default 1). Above 1, keys are spread over them by hash and the writer is called from
     * several threads at once, so it must be thread-safe (for example, one pooled JDBC connection per call).
     *
     * @throws IllegalArgumentException unless 1 &lt;= concurrency &lt;= {@link #MAX_CONCURRENCY}
     */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
        throw new IllegalArgumentException("concurrency must be between 1 and " + MAX_CONCURRENCY + ", not "
            + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /** @throws IllegalArgumentException unless 1 &lt;= batchSize &lt;= {@link #MAX_BATCH_SIZE} */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
        throw new IllegalArgumentException("batch-size must be between 1 and " + MAX_BATCH_SIZE + ", not "
            + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /** @throws IllegalArgumentException if null, negative or longer than {@link #MAX_DURATION} */
    public Builder maxDelay(Duration maxDelay) {
      requireDuration("max-delay", maxDelay, false);
      this.maxDelay = maxDelay;
      return this;
    }

    public Builder coalesce(boolean coalesce) {
      this.coalesce = coalesce;
      return this;
    }

    /** @throws IllegalArgumentException if null */
    public Builder durability(Durability durability) {
      if (durability == null) {
        throw new IllegalArgumentException("durability must be process or os, not null");
      }
      this.durability = durability;
      return this;
    }

    /** @throws IllegalArgumentException if null, not positive or longer than {@link #MAX_DURATION} */
    public Builder syncInterval(Duration syncInterval) {
      requireDuration("sync-interval", syncInterval, true);
      this.syncInterval = syncInterval;
      return this;
    }

    public Builder retry(Retry retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    public Builder retry(Duration initialDelay, Duration maxDelay, int maxAttempts) {
      return retry(new Retry(initialDelay, maxDelay, maxAttempts));
    }

    public Builder deadLetter(Path deadLetter) {
      this.deadLetter = Objects.requireNonNull(deadLetter, "deadLetter").toAbsolutePath().normalize();
      return this;
    }

    /**
     * {@link #UNBOUNDED_CLOSE} for no bound.
     *
     * @throws IllegalArgumentException if null, negative or longer than {@link #MAX_DURATION}
     */
    public Builder closeTimeout(Duration closeTimeout) {
      requireDuration("close-timeout", closeTimeout, false);
      this.closeTimeout = closeTimeout;
      return this;
    }

    /** @throws IllegalArgumentException unless positive */
    public Builder maxLag(long maxLag) {
      if (maxLag < 1) {
        throw new IllegalArgumentException("max-lag must be positive, not " + maxLag);
      }
      this.maxLag = maxLag;
      return this;
    }

    /** @throws IllegalArgumentException if null */
    public Builder onMaxLag(OnMaxLag onMaxLag) {
      if (onMaxLag == null) {
        throw new IllegalArgumentException("on-max-lag must be accept or reject, not null");
      }
      this.onMaxLag = onMaxLag;
      return this;
    }

    /** @throws IllegalArgumentException if the writer or the journal is missing, or dead-letter is the journal */
    public WriteBehindConfig build() {
      if (writerFactory == null) {
        throw new IllegalArgumentException("write-behind needs a writer");
      }
      if (journal == null) {
        throw new IllegalArgumentException("write-behind needs a journal path");
      }
      if (journal.getFileName() == null) {
        throw new IllegalArgumentException("write-behind journal cannot be a file system root: " + journal);
      }
      if (journal.equals(deadLetter)) {
        throw new IllegalArgumentException("write-behind dead-letter must not be the journal itself: " + journal);
      }
      return new WriteBehindConfig(this);
    }
  }

  /** Requires {@code value} to be present, zero or positive (positive if {@code positive}), at most a year. */
  private static void requireDuration(String name, Duration value, boolean positive) {
    if (value == null) {
      throw new IllegalArgumentException(name + " is required, was null");
    }
    if (value.isNegative() || (positive && value.isZero())) {
      throw new IllegalArgumentException(name + " must be " + (positive ? "positive" : "zero or positive")
          + ", not " + value);
    }
    if (value.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException(name + " must be at most " + MAX_DAYS + " days, not " + value);
    }
  }
}

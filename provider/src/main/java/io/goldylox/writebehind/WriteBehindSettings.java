package io.goldylox.writebehind;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import javax.cache.CacheException;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheWriter;

/**
 * The write-behind configuration of one cache: which writer receives the operations, where they are journaled,
 * how they are batched, how durable an append is, and how failures are retried. Immutable; built with
 * {@link #builder(Path)}. Every setting is checked when {@link Builder#build()} runs, and a bad one fails with an
 * {@link IllegalArgumentException} naming the setting and the value.
 *
 * <p>These settings mirror the HOCON block {@code goldylox.caches.<name>.write-behind { ... }}:
 * {@code writer}, {@code journal}, {@code batch-size}, {@code max-delay}, {@code coalesce}, {@code durability},
 * {@code sync-interval}, {@code retry { initial-delay, max-delay, max-attempts }}, {@code dead-letter} and
 * {@code close-timeout}.
 */
public final class WriteBehindSettings {

  /** How far an acknowledged operation survives. */
  public enum Durability {
    /**
     * An append is in the operating system's page cache when {@code put} returns: it survives a crash or
     * {@code kill -9} of the JVM, not a power loss or kernel crash.
     */
    PROCESS,
    /**
     * As {@link #PROCESS}, plus a background thread forces the journal to disk every {@code sync-interval}
     * (callers never wait for it): a power loss loses at most about one interval of operations.
     */
    OS
  }

  static final int MAX_BATCH_SIZE = 1_000_000;
  static final String DEFAULT_ROLL_CYCLE = "FAST_HOURLY";

  private final Path journal;
  private final Factory<? extends CacheWriter<?, ?>> writerFactory;
  private final String writerClassName;
  private final int batchSize;
  private final Duration maxDelay;
  private final boolean coalesce;
  private final Durability durability;
  private final Duration syncInterval;
  private final Duration retryInitialDelay;
  private final Duration retryMaxDelay;
  private final int maxAttempts;
  private final Path deadLetter;
  private final Duration closeTimeout;
  private final String rollCycle;

  private WriteBehindSettings(Builder b) {
    this.journal = b.journal.toAbsolutePath().normalize();
    this.writerFactory = b.writerFactory;
    this.writerClassName = b.writerClassName;
    this.batchSize = b.batchSize;
    this.maxDelay = b.maxDelay;
    this.coalesce = b.coalesce;
    this.durability = b.durability;
    this.syncInterval = b.syncInterval;
    this.retryInitialDelay = b.retryInitialDelay;
    this.retryMaxDelay = b.retryMaxDelay;
    this.maxAttempts = b.maxAttempts;
    this.deadLetter = b.deadLetter == null
        ? journal.resolveSibling(journal.getFileName() + "-dead-letter")
        : b.deadLetter.toAbsolutePath().normalize();
    this.closeTimeout = b.closeTimeout;
    this.rollCycle = b.rollCycle;
  }

  /** A builder with the defaults of the issue: batch 500, 100 ms, coalescing, process durability, 10 retries. */
  public static Builder builder(Path journal) {
    return new Builder(journal);
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder(journal);
    b.writerFactory = writerFactory;
    b.writerClassName = writerClassName;
    b.batchSize = batchSize;
    b.maxDelay = maxDelay;
    b.coalesce = coalesce;
    b.durability = durability;
    b.syncInterval = syncInterval;
    b.retryInitialDelay = retryInitialDelay;
    b.retryMaxDelay = retryMaxDelay;
    b.maxAttempts = maxAttempts;
    b.deadLetter = deadLetter;
    b.closeTimeout = closeTimeout;
    b.rollCycle = rollCycle;
    return b;
  }

  /** The directory of the Chronicle journal (absolute). */
  public Path journal() {
    return journal;
  }

  /** The configured writer factory, or {@code null}. */
  public Factory<? extends CacheWriter<?, ?>> writerFactory() {
    return writerFactory;
  }

  /** The configured writer class name (a {@code CacheWriter} or a {@code Factory<CacheWriter>}), or {@code null}. */
  public String writerClassName() {
    return writerClassName;
  }

  /** Whether a writer is configured here (else the cache must pass one to {@code open}). */
  public boolean hasWriter() {
    return writerFactory != null || writerClassName != null;
  }

  /**
   * Creates the configured writer: from the factory, or by instantiating {@link #writerClassName()} through
   * {@code loader} (a {@code CacheWriter} is used as it is; a {@code Factory} is asked for one).
   *
   * @throws CacheException naming the class when it cannot be loaded, instantiated or is of the wrong type
   * @throws IllegalStateException when no writer is configured
   */
  @SuppressWarnings("unchecked")
  public <K, V> CacheWriter<K, V> createWriter(ClassLoader loader) {
    if (writerFactory != null) {
      Object writer = writerFactory.create();
      if (writer == null) {
        throw new CacheException("The write-behind writer factory " + writerFactory.getClass().getName()
            + " returned null");
      }
      return (CacheWriter<K, V>) writer;
    }
    if (writerClassName == null) {
      throw new IllegalStateException("No write-behind writer is configured for journal " + journal);
    }
    Object instance;
    try {
      Class<?> type = Class.forName(writerClassName, true,
          loader != null ? loader : WriteBehindSettings.class.getClassLoader());
      instance = type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new CacheException("Cannot create the write-behind writer " + writerClassName
          + " (it needs a public no-argument constructor): " + e, e);
    }
    if (instance instanceof CacheWriter) {
      return (CacheWriter<K, V>) instance;
    }
    if (instance instanceof Factory) {
      Object writer = ((Factory<?>) instance).create();
      if (writer instanceof CacheWriter) {
        return (CacheWriter<K, V>) writer;
      }
      throw new CacheException("The write-behind writer factory " + writerClassName + " created "
          + (writer == null ? "null" : "a " + writer.getClass().getName()) + ", not a javax.cache CacheWriter");
    }
    throw new CacheException("The write-behind writer " + writerClassName
        + " is neither a javax.cache.integration.CacheWriter nor a javax.cache.configuration.Factory of one");
  }

  /** The most operations per {@code writeAll} or {@code deleteAll} call. */
  public int batchSize() {
    return batchSize;
  }

  /** The longest an operation waits for its batch to fill before the batch is delivered. */
  public Duration maxDelay() {
    return maxDelay;
  }

  /** Whether only the last operation per key inside a batch is delivered. */
  public boolean coalesce() {
    return coalesce;
  }

  public Durability durability() {
    return durability;
  }

  /** With {@link Durability#OS}, how often the journal is forced to disk. */
  public Duration syncInterval() {
    return syncInterval;
  }

  /** The wait before the first retry of a failed operation; it doubles with each further attempt. */
  public Duration retryInitialDelay() {
    return retryInitialDelay;
  }

  /** The longest wait between two attempts. */
  public Duration retryMaxDelay() {
    return retryMaxDelay;
  }

  /** Attempts (the first one included) before an operation moves to the dead-letter journal. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The directory of the dead-letter journal (absolute; default: the journal's sibling {@code <name>-dead-letter}). */
  public Path deadLetter() {
    return deadLetter;
  }

  /** How long {@code close()} keeps delivering before it leaves the rest to the next start. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /** The Chronicle roll cycle name; tests shorten it to see old cycle files deleted. */
  String rollCycle() {
    return rollCycle;
  }

  @Override
  public String toString() {
    return "WriteBehindSettings[journal=" + journal + ", writer="
        + (writerClassName != null ? writerClassName
            : writerFactory != null ? writerFactory.getClass().getName() : "(given at open)")
        + ", batchSize=" + batchSize + ", maxDelay=" + maxDelay + ", coalesce=" + coalesce
        + ", durability=" + durability + ", syncInterval=" + syncInterval + ", retry=" + retryInitialDelay
        + ".." + retryMaxDelay + " x" + maxAttempts + ", deadLetter=" + deadLetter
        + ", closeTimeout=" + closeTimeout + "]";
  }

  /** Collects settings; {@link #build()} checks them all. Not thread-safe. */
  public static final class Builder {
    private Path journal;
    private Factory<? extends CacheWriter<?, ?>> writerFactory;
    private String writerClassName;
    private int batchSize = 500;
    private Duration maxDelay = Duration.ofMillis(100);
    private boolean coalesce = true;
    private Durability durability = Durability.PROCESS;
    private Duration syncInterval = Duration.ofMillis(10);
    private Duration retryInitialDelay = Duration.ofMillis(100);
    private Duration retryMaxDelay = Duration.ofSeconds(30);
    private int maxAttempts = 10;
    private Path deadLetter;
    private Duration closeTimeout = Duration.ofSeconds(5);
    private String rollCycle = DEFAULT_ROLL_CYCLE;

    private Builder(Path journal) {
      this.journal = journal;
    }

    public Builder journal(Path journal) {
      this.journal = journal;
      return this;
    }

    /** The writer, made by a factory (replaces a writer class name). */
    public Builder writerFactory(Factory<? extends CacheWriter<?, ?>> factory) {
      this.writerFactory = factory;
      this.writerClassName = null;
      return this;
    }

    /** The writer, as the name of a {@code CacheWriter} or {@code Factory<CacheWriter>} class (replaces a factory). */
    public Builder writerClassName(String className) {
      this.writerClassName = className;
      this.writerFactory = null;
      return this;
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay = maxDelay;
      return this;
    }

    public Builder coalesce(boolean coalesce) {
      this.coalesce = coalesce;
      return this;
    }

    public Builder durability(Durability durability) {
      this.durability = durability;
      return this;
    }

    public Builder syncInterval(Duration syncInterval) {
      this.syncInterval = syncInterval;
      return this;
    }

    public Builder retryInitialDelay(Duration delay) {
      this.retryInitialDelay = delay;
      return this;
    }

    public Builder retryMaxDelay(Duration delay) {
      this.retryMaxDelay = delay;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder deadLetter(Path deadLetter) {
      this.deadLetter = deadLetter;
      return this;
    }

    public Builder closeTimeout(Duration closeTimeout) {
      this.closeTimeout = closeTimeout;
      return this;
    }

    /** A Chronicle roll cycle name ({@code RollCycles} or {@code TestRollCycles}); for tests. */
    Builder rollCycle(String rollCycle) {
      this.rollCycle = rollCycle;
      return this;
    }

    /**
     * Checks every setting and returns the settings.
     *
     * @throws IllegalArgumentException naming the first bad setting and its value
     */
    public WriteBehindSettings build() {
      require(journal != null, "write-behind.journal is required: the directory of the write-behind journal");
      require(batchSize >= 1 && batchSize <= MAX_BATCH_SIZE,
          "write-behind.batch-size must be between 1 and " + MAX_BATCH_SIZE + ", was " + batchSize);
      requireDuration("write-behind.max-delay", maxDelay, false);
      Objects.requireNonNull(durability, "write-behind.durability must be process or os");
      requireDuration("write-behind.sync-interval", syncInterval, true);
      requireDuration("write-behind.retry.initial-delay", retryInitialDelay, true);
      requireDuration("write-behind.retry.max-delay", retryMaxDelay, true);
      require(retryMaxDelay.compareTo(retryInitialDelay) >= 0, "write-behind.retry.max-delay (" + retryMaxDelay
          + ") must not be shorter than write-behind.retry.initial-delay (" + retryInitialDelay + ")");
      require(maxAttempts >= 1, "write-behind.retry.max-attempts must be at least 1, was " + maxAttempts);
      requireDuration("write-behind.close-timeout", closeTimeout, false);
      require(writerClassName == null || !writerClassName.isBlank(),
          "write-behind.writer must name a CacheWriter or Factory<CacheWriter> class, was blank");
      Path absoluteJournal = journal.toAbsolutePath().normalize();
      if (deadLetter != null) {
        Path absoluteDead = deadLetter.toAbsolutePath().normalize();
        require(!absoluteDead.equals(absoluteJournal), "write-behind.dead-letter must be another directory than"
            + " write-behind.journal, both are " + absoluteJournal);
      }
      require(rollCycle != null && !rollCycle.isBlank(), "roll cycle must be named");
      return new WriteBehindSettings(this);
    }

    private static void requireDuration(String name, Duration value, boolean positive) {
      require(value != null, name + " is required");
      require(!value.isNegative() && (!positive || !value.isZero()),
          name + " must be " + (positive ? "positive" : "zero or positive") + ", was " + value);
      require(value.compareTo(Duration.ofDays(365)) <= 0, name + " must be at most 365 days, was " + value);
    }

    private static void require(boolean condition, String message) {
      if (!condition) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}

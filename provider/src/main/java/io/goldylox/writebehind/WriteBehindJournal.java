package io.goldylox.writebehind;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.Serializer;
import io.goldylox.tier.OnIncompatible;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.cache.CacheException;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * Durable write-behind in front of a user's {@link CacheWriter}: the object a cache holds when write-behind is
 * configured.
 *
 * <h2>Overview</h2>
 * The cache calls {@link #put} and {@link #delete} on the caller's thread, inside the key's atomic step. Each
 * call serializes the key (and value), appends the operation to a Chronicle Queue journal as one excerpt, records
 * it in the pending index, and wakes the flusher if it sleeps; no fsync, no writer call, no waiting for the
 * flusher. The {@link Flusher} (thread {@code goldylox-writebehind-<cache>}) forms the operations into batches,
 * which its {@link WriterLane} (thread {@code goldylox-writebehind-<cache>-writer}) hands to the writer, and records
 * how far it got only after the writer returned. With coalescing a caller whose key had
 * nothing pending also hands the key to the flusher ({@link LiveIntake}), which then delivers the key's newest
 * operation from the pending index; the journal is read back only at open (the replay). Without coalescing the
 * flusher reads every record back from the journal, since each one must reach the writer.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>An operation whose {@code put}/{@code delete} returned survives a crash of the JVM ({@code kill -9}):
 *       the next {@link #open} of the same journal replays every operation not acknowledged by the writer.
 *       With {@code durability = os} it also survives a power loss, less about one {@code sync-interval}.</li>
 *   <li>Delivery is at-least-once: after a crash, or an abandoned {@link #close}, the writer may receive an
 *       operation again (always in per-key order, ending with the key's latest state). Writers must tolerate
 *       replays: write idempotently (an upsert, a delete of a missing row).</li>
 *   <li>Per key, the writer sees operations in the order they were made; with {@code coalesce} only the last
 *       of those pending when the flusher comes to the key, however many batches they span. A failing key is
 *       retried with backoff without holding back other keys, and after {@code max-attempts} moved to the
 *       dead-letter journal. A newer operation on a key replaces a failed older one that is still waiting for
 *       its retry.</li>
 *   <li>The lag is bounded or loud: past {@code max-lag} unacknowledged operations a put is refused
 *       ({@code on-max-lag = reject}) or accepted with one WARN per episode ({@code accept}).</li>
 *   <li>Read-your-writes: {@link #pending} returns the last unacknowledged operation on a key, lock-free.</li>
 * </ul>
 *
 * <h2>Settings</h2>
 * Everything configurable comes from the cache's {@link WriteBehindConfig} (the {@code write-behind} block), read
 * as it is: the journal and dead-letter directories, batching, durability, retries and close timeout. The journal
 * creates its writer from that configuration's factory and closes it on {@link #close}. Only the Chronicle roll
 * cycle of the journal is not a setting: production uses {@link ChronicleJournal#DEFAULT_ROLL_CYCLE}, tests pass a
 * shorter one to the package-private {@code open}.
 *
 * <h2>Chronicle</h2>
 * This class names no Chronicle type, so a cache that only holds a field of it loads no Chronicle class. Chronicle
 * is first touched in {@link #open}, after {@code chronicle.analytics.disable=true} is set (unless set already)
 * and the JVM flags it needs are checked ({@link ChronicleFlags}).
 *
 * <h2>Threads</h2>
 * Any number of callers' threads call {@code put}/{@code delete}/{@code pending} concurrently (one at a time per
 * key: the cache's atomic step). The writer lane's thread calls the writer, with batches the flusher thread forms
 * and settles; with {@code durability = os} a syncer
 * thread forces the journal to disk. {@link #close} is called once, by the cache's closing thread.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class WriteBehindJournal<K, V> implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(WriteBehindJournal.class.getName());

  private final String cacheName;
  private final WriteBehindConfig settings;
  private final Serializer serializer;
  private final CacheWriter<K, V> writer;
  private final boolean ownsWriter;
  private final ChronicleJournal journal;
  private final DeadLetterJournal deadLetters;
  private final ConcurrentHashMap<K, Pending<V>> pending = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private final WriteBehindMetrics metrics = new WriteBehindMetrics();
  private final Flusher<K, V> flusher;
  /** Null without coalescing (the flusher then reads the journal back). */
  private final LiveIntake<K, V> intake;
  private final Syncer syncer;
  /** Null with {@code -Dgoldylox.writebehind.pretouch=false}; stopped by {@link ChronicleJournal#close}. */
  private final Pretoucher pretoucher;
  private final AtomicBoolean closeStarted = new AtomicBoolean();
  private volatile boolean closed;

  private WriteBehindJournal(WriteBehindConfig settings, CacheWriter<K, V> writer, boolean ownsWriter,
      Serializer serializer, Serializer journalReader, ClassLoader loader, String cacheName, String rollCycle,
      OnIncompatible onUnreadable) {
    this.settings = settings;
    this.writer = writer;
    this.ownsWriter = ownsWriter;
    this.serializer = serializer;
    this.cacheName = cacheName;
    this.journal = ChronicleJournal.open(settings.journal(), rollCycle);
    try {
      journal.clearDelivered(); // before anything can be appended
      boolean force = settings.durability() == WriteBehindConfig.Durability.OS;
      Checkpoint checkpoint = new Checkpoint(settings.journal(), force);
      long position = checkpoint.read();
      Replay<K, V> replay = Replay.run(journal, position, journalReader, loader, pending, settings.coalesce(),
          settings.concurrency(), onUnreadable == OnIncompatible.WIPE);
      long unreadable = replay.unreadableCount();
      if (unreadable > 0 && onUnreadable == OnIncompatible.FAIL) {
        throw new CacheException("Cache '" + cacheName + "': the write-behind journal " + settings.journal()
            + " holds " + unreadable + " unacknowledged operations this release cannot read back (the first: "
            + replay.firstFailure + "): the classes of their keys or values, or the serializer, changed since they"
            + " were written. Nothing was delivered or removed. Deliver them with the release that wrote them (its"
            + " io.goldylox.writebehind.Drain command), or set on-incompatible = wipe to move them to the"
            + " dead-letter journal " + settings.deadLetter() + " and open", replay.firstFailure);
      }
      sequence.set(replay.maxSequence);
      metrics.replayed.set(replay.operations);
      if (replay.operations > 0) {
        logReplay(replay, settings, cacheName);
      }
      this.deadLetters = new DeadLetterJournal(settings.deadLetter(), cacheName);
      this.intake = settings.coalesce() ? new LiveIntake<>(pending, replay.nextUnread) : null;
      this.flusher = new Flusher<>(cacheName, settings, writer, serializer, journalReader, loader, journal,
          deadLetters,
          checkpoint, sequence, intake, metrics, position, replay);
      this.syncer = force ? new Syncer(journal, settings.syncInterval().toNanos(), cacheName) : null;
      this.pretoucher = Pretoucher.enabled() ? journal.pretoucher(cacheName) : null;
      if (pretoucher != null) {
        pretoucher.start(); // before the flusher, and before any put: its first round covers the first append
      }
    } catch (RuntimeException | Error e) {
      journal.close();
      throw e instanceof CacheException ? (CacheException) e
          : new CacheException("Cannot open the write-behind journal " + settings.journal() + ": " + e, e);
    }
    try {
      flusher.start();
      if (syncer != null) {
        syncer.start();
      }
    } catch (RuntimeException | Error e) {
      // A thread that cannot start (the JVM is out of threads): nothing was accepted yet, so stop what started and
      // close what is open; the journal's files are as they were.
      flusher.close(0L);
      try {
        deadLetters.close();
      } finally {
        journal.close();
      }
      throw new CacheException("Cannot start the write-behind threads of " + settings.journal() + ": " + e, e);
    }
  }

  /** A backlog this old at open gets a WARN: other processes may have written newer values of its keys since. */
  static final long OLD_BACKLOG_MILLIS = java.util.concurrent.TimeUnit.MINUTES.toMillis(10);

  /**
   * Says what the replay found: how many operations, over how many keys, made when. A backlog whose newest
   * operation is older than {@link #OLD_BACKLOG_MILLIS} (a journal found again after a long time, an old path put
   * back in the configuration) is a WARN: delivering it overwrites whatever the writer's store got since.
   */
  private static void logReplay(Replay<?, ?> replay, WriteBehindConfig settings, String cacheName) {
    long age = System.currentTimeMillis() - replay.newestMillis;
    boolean old = replay.newestMillis > 0 && age > OLD_BACKLOG_MILLIS;
    LOG.log(old ? System.Logger.Level.WARNING : System.Logger.Level.INFO, "Write-behind of cache '" + cacheName
        + "': delivering " + replay.operations + " unacknowledged operations on " + replay.backlog.keys()
        + " keys from " + settings.journal() + ", made between "
        + java.time.Instant.ofEpochMilli(replay.oldestMillis) + " and "
        + java.time.Instant.ofEpochMilli(replay.newestMillis) + unreadable(replay) + (old ? "; the newest of them is "
            + io.goldylox.internal.Durations.describe(age) + " old: delivering them overwrites what the writer's"
            + " store received for these keys since (from other nodes, say). To look at a journal before"
            + " delivering it, run io.goldylox.writebehind.Drain --dry-run with the cache stopped" : ""));
  }

  /** What of a replay cannot be read back and goes to the dead letters instead (on-incompatible = wipe). */
  private static String unreadable(Replay<?, ?> replay) {
    List<String> parts = new ArrayList<>();
    if (!replay.unreadable.isEmpty()) {
      parts.add(replay.unreadable.size() + " operations whose key");
    }
    if (replay.unreadableValues > 0) {
      parts.add("the operations on " + replay.unreadableValues + " keys whose newest value");
    }
    if (replay.unreadableEarlierValues > 0) {
      parts.add(replay.unreadableEarlierValues + " earlier puts whose value");
    }
    return parts.isEmpty() ? "" : " (of them, " + String.join(" and ", parts) + " cannot be read back go to the"
        + " dead-letter journal instead)";
  }

  /** Bytes the pretoucher holds allocated ahead of the append position; 0 without a pretoucher. */
  long allocatedAhead() {
    return pretoucher == null ? 0 : pretoucher.allocatedAhead();
  }

  /**
   * Opens (or creates) the journal of {@code settings}, rebuilds the pending index from the operations the writer
   * has not acknowledged, and starts the flusher, which delivers those first. The writer is created from
   * {@link WriteBehindConfig#writerFactory()}; the journal closes it on {@link #close} if it is
   * {@link AutoCloseable}.
   *
   * @param settings the cache's {@code write-behind} configuration
   * @param serializer turns keys and values into journal bytes and back; they must be serializable by it
   * @param loader resolves classes when reading operations back (null: Goldylox's loader)
   * @param cacheName names the threads and log lines
   * @throws CacheException if the writer cannot be created (the message names it), the JVM lacks Chronicle's
   *     flags (the message lists them), the journal is in use by another cache or process, or cannot be created
   *     or read
   */
  public static <K, V> WriteBehindJournal<K, V> open(WriteBehindConfig settings, Serializer serializer,
      ClassLoader loader, String cacheName) {
    return open(settings, serializer, serializer, loader, cacheName);
  }

  /**
   * As {@link #open(WriteBehindConfig, Serializer, ClassLoader, String)}, reading what comes back from the journal
   * files (the replay at open, and every record without coalescing) through {@code journalReader}: bytes from
   * outside the process, which a cache reads through a serializer that checks classes. Operations made in this run
   * are delivered from the callers' own bytes, decoded with {@code serializer}.
   *
   * @param journalReader reads the bytes {@code serializer} wrote (typically its {@code guarded} form)
   */
  public static <K, V> WriteBehindJournal<K, V> open(WriteBehindConfig settings, Serializer serializer,
      Serializer journalReader, ClassLoader loader, String cacheName) {
    return open(settings, serializer, journalReader, loader, cacheName, OnIncompatible.FAIL);
  }

  /**
   * As {@link #open(WriteBehindConfig, Serializer, Serializer, ClassLoader, String)}, saying what to do with
   * unacknowledged operations that cannot be read back (their classes or the serializer changed since):
   * {@link OnIncompatible#FAIL} refuses to open, delivering and removing nothing (the default);
   * {@link OnIncompatible#WIPE} moves them to the dead-letter journal, with a WARN, and opens.
   */
  public static <K, V> WriteBehindJournal<K, V> open(WriteBehindConfig settings, Serializer serializer,
      Serializer journalReader, ClassLoader loader, String cacheName, OnIncompatible onUnreadable) {
    return open(settings, null, serializer, journalReader, loader, cacheName, ChronicleJournal.DEFAULT_ROLL_CYCLE,
        onUnreadable);
  }

  /**
   * As {@link #open(WriteBehindConfig, Serializer, ClassLoader, String)}, with two test hooks.
   *
   * @param writer the writer to deliver to instead of the configured one; the caller keeps it (the journal does
   *     not close it). {@code null}: create the configured one, as in production
   * @param rollCycle the name of a Chronicle {@code RollCycles} or {@code TestRollCycles} constant (production:
   *     {@link ChronicleJournal#DEFAULT_ROLL_CYCLE}; tests roll every second to see old cycle files deleted)
   */
  static <K, V> WriteBehindJournal<K, V> open(WriteBehindConfig settings, CacheWriter<K, V> writer,
      Serializer serializer, ClassLoader loader, String cacheName, String rollCycle) {
    return open(settings, writer, serializer, serializer, loader, cacheName, rollCycle);
  }

  static <K, V> WriteBehindJournal<K, V> open(WriteBehindConfig settings, CacheWriter<K, V> writer,
      Serializer serializer, Serializer journalReader, ClassLoader loader, String cacheName, String rollCycle) {
    return open(settings, writer, serializer, journalReader, loader, cacheName, rollCycle, OnIncompatible.FAIL);
  }

  static <K, V> WriteBehindJournal<K, V> open(WriteBehindConfig settings, CacheWriter<K, V> writer,
      Serializer serializer, Serializer journalReader, ClassLoader loader, String cacheName, String rollCycle,
      OnIncompatible onUnreadable) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(serializer, "serializer");
    Objects.requireNonNull(journalReader, "journalReader");
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(rollCycle, "rollCycle");
    ChronicleFlags.prepare();
    boolean owns = writer == null;
    CacheWriter<K, V> target = owns ? createWriter(settings) : writer;
    ClassLoader classLoader = loader != null ? loader : WriteBehindJournal.class.getClassLoader();
    try {
      return new WriteBehindJournal<>(settings, target, owns, serializer, journalReader, classLoader, cacheName,
          rollCycle, Objects.requireNonNull(onUnreadable, "onUnreadable"));
    } catch (RuntimeException | Error e) {
      if (owns) {
        closeWriter(target);
      }
      throw e;
    }
  }

  /**
   * Asks the configured factory for the writer. A writer named by class in a configuration file reaches us as a
   * factory too (one that instantiates the class, or the user's {@code Factory<CacheWriter>}); generics are
   * erased, so what it returns is checked here.
   *
   * @throws CacheException naming the writer when the factory fails, returns null or returns something else than
   *     a {@link CacheWriter}
   */
  @SuppressWarnings("unchecked")
  static <K, V> CacheWriter<K, V> createWriter(WriteBehindConfig settings) {
    Factory<? extends CacheWriter<?, ?>> factory = settings.writerFactory();
    Object writer;
    try {
      writer = factory.create();
    } catch (RuntimeException | LinkageError e) {
      throw new CacheException("Cannot create the write-behind writer " + settings.writerName() + " for journal "
          + settings.journal() + ": " + e, e);
    }
    if (writer == null) {
      throw new CacheException("The write-behind writer factory " + settings.writerName() + " returned null");
    }
    if (!(writer instanceof CacheWriter)) {
      throw new CacheException("The write-behind writer factory " + settings.writerName() + " created a "
          + writer.getClass().getName() + ", not a javax.cache.integration.CacheWriter");
    }
    return (CacheWriter<K, V>) writer;
  }

  /**
   * Journals a put of {@code value} under {@code key}. Called on the caller's thread inside the key's atomic
   * step; returns as soon as the operation is in the journal (page cache).
   *
   * @throws CacheWriterException naming the journal when the append fails (disk full, unwritable journal)
   * @throws io.goldylox.serialization.SerializationException when the key or value cannot be serialized
   * @throws IllegalStateException after {@link #close}
   */
  public void put(K key, V value) {
    put(key, value, null);
  }

  /**
   * As {@link #put(Object, Object)}, with {@code value} already serialized by this journal's serializer (a cache
   * that stores by value has those bytes): they are journaled as they are. Null: serialize {@code value} here.
   * The array must not be changed afterwards.
   */
  public void put(K key, V value, byte[] valueBytes) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    append(JournalRecord.PUT, key, value, valueBytes);
  }

  /**
   * Journals a delete of {@code key}; as {@link #put}.
   */
  public void delete(K key) {
    Objects.requireNonNull(key, "key");
    append(JournalRecord.DELETE, key, null, null);
  }

  private void append(byte kind, K key, V value, byte[] serializedValue) {
    if (closed) {
      throw new IllegalStateException("The write-behind journal " + settings.journal() + " of cache '"
          + cacheName + "' is closed");
    }
    if (metrics.journalLag() >= settings.maxLag()) {
      atMaxLag();
    }
    byte[] keyBytes = serializer.serialize(key);
    byte[] valueBytes = value == null ? null
        : serializedValue != null ? serializedValue : serializer.serialize(value);
    long seq = sequence.incrementAndGet();
    long createdMillis = System.currentTimeMillis();
    long wakeWith;
    if (intake != null) {
      // Published after the append (under its lock, by the intake): the flusher delivers from the pending index,
      // so it must never see an operation whose append failed.
      try {
        wakeWith = journal.append(kind, seq, createdMillis, 0, 0L, keyBytes, valueBytes,
            index -> intake.appended(key, seq, value, keyBytes, valueBytes, index, createdMillis));
      } catch (RuntimeException | InternalError e) {
        throw appendFailed(value, e);
      }
    } else {
      Pending<V> mine = new Pending<>(seq, value);
      // Published before the append, so the flusher, which can only deliver what it read from the journal, always
      // finds it (or a later operation of the key) when it clears the key.
      Pending<V> previous = pending.put(key, mine);
      try {
        journal.append(kind, seq, createdMillis, 0, 0L, keyBytes, valueBytes);
      } catch (RuntimeException | InternalError e) {
        // No other caller touches this key now (the cache's atomic step), and the flusher removes an entry only
        // when it delivered that entry's sequence, which `mine` never reached: `mine` is still there to undo.
        if (previous != null) {
          pending.replace(key, mine, previous);
        } else {
          pending.remove(key, mine);
        }
        throw appendFailed(value, e);
      }
      wakeWith = seq;
    }
    metrics.appended.increment();
    if (wakeWith >= 0) {
      // Dekker with Flusher.step(): the append must be visible before we read whether the flusher sleeps. With
      // coalescing only a key handed over needs the flusher: one already pending is delivered from the index.
      VarHandle.fullFence();
      flusher.wake(wakeWith);
    }
    if (syncer != null) {
      syncer.dirty();
    }
  }

  private RuntimeException appendFailed(V value, Throwable e) {
    String operation = value == null ? "delete" : "put";
    if (e instanceof LiveIntake.PublishFailedException) {
      LOG.log(System.Logger.Level.ERROR, "Write-behind of cache '" + cacheName + "': a " + operation + " was"
          + " journaled in " + settings.journal() + " but could not be handed to the flusher", e.getCause());
      return new CacheWriterException("The write-behind " + operation + " of cache '" + cacheName + "' was"
          + " journaled in " + settings.journal() + " but could not be handed to the flusher (" + e.getCause()
          + "); it stays in the journal and is delivered at the next start", e.getCause());
    }
    if (closed && e instanceof IllegalStateException) {
      return new IllegalStateException("The write-behind journal " + settings.journal() + " of cache '"
          + cacheName + "' is closed");
    }
    return new CacheWriterException("Cannot journal the write-behind " + operation
        + " of cache '" + cacheName + "' in " + settings.journal() + (e instanceof Pretoucher.DiskFullException
        ? ": " + e.getMessage() : " (is the disk full or the directory unwritable?): " + e), e);
  }

  /** The lag has reached max-lag: refuse the operation, or accept it and start an episode (one WARN). */
  private void atMaxLag() {
    long lag = metrics.journalLag();
    if (settings.onMaxLag() == WriteBehindConfig.OnMaxLag.REJECT) {
      metrics.rejected.increment();
      if (metrics.overMaxLag.compareAndSet(false, true)) {
        metrics.lagEpisodes.increment();
        LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "': the lag of " + lag
            + " operations reached max-lag " + settings.maxLag() + " in " + settings.journal()
            + "; puts and removes are refused (on-max-lag = reject) until the writer catches up");
      }
      throw new CacheWriterException("Write-behind of cache '" + cacheName + "' refused the operation: " + lag
          + " operations are journaled in " + settings.journal() + " and not yet acknowledged by the writer,"
          + " which reached max-lag " + settings.maxLag() + " (on-max-lag = reject)");
    }
    if (metrics.overMaxLag.compareAndSet(false, true)) {
      metrics.lagEpisodes.increment();
      LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "': the lag of " + lag
          + " operations reached max-lag " + settings.maxLag() + " in " + settings.journal() + "; operations are"
          + " still accepted (on-max-lag = accept), the journal grows until the writer catches up");
    }
  }

  /**
   * The last operation on {@code key} that the writer has not yet acknowledged, or {@code null}. A lock-free
   * lookup. A non-null answer is what a read must return (its value, or a miss for a delete), instead of
   * the tiers or the loader.
   */
  public Pending<V> pending(K key) {
    return pending.get(key);
  }

  /** Number of keys with an unacknowledged operation. */
  public int pendingKeys() {
    return pending.size();
  }

  /** The counters of this journal. */
  public WriteBehindMetrics metrics() {
    return metrics;
  }

  /** The {@code write-behind} configuration this journal was opened with. */
  public WriteBehindConfig settings() {
    return settings;
  }

  /** How many rounds the flusher made so far: how often it woke up (tests). */
  long flusherRounds() {
    return flusher.rounds();
  }

  /** The error that stopped the flusher, or {@code null} while it runs. */
  public Throwable flusherFailure() {
    return flusher.failure();
  }

  /** Whether {@link #close} was called. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Stops accepting operations, delivers everything pending (without waiting for {@code max-delay}; an operation
   * waiting for a retry gets one last attempt now), and closes the journal. It returns when everything was
   * delivered or failed once during close, or at {@code close-timeout} if one is set. Operations left over (a
   * WARN names their count and the journal, {@link WriteBehindMetrics#leftAtClose()} counts them) are delivered
   * at the next {@link #open}, or by {@code io.goldylox.writebehind.Drain}. The writer is closed only if {@link #open} created it.
   */
  @Override
  public void close() {
    if (!closeStarted.compareAndSet(false, true)) {
      return;
    }
    closed = true;
    journal.seal(); // no append after this one returns: the flusher's drain sees every accepted operation
    boolean finished = flusher.close(settings.closeTimeout().toNanos());
    long left = metrics.journalLag();
    metrics.leftAtClose.set(left);
    if (left > 0) {
      String why = !finished ? "the writer did not finish within close-timeout " + settings.closeTimeout()
          : flusher.failure() != null ? "the flusher had stopped on " + flusher.failure()
          : "the writer failed them during close";
      LOG.log(System.Logger.Level.WARNING, "Write-behind of cache '" + cacheName + "': close() left " + left
          + " operations in " + settings.journal() + " (" + why + "); they are delivered at the next start, or by"
          + " io.goldylox.writebehind.Drain");
    }
    try {
      if (syncer != null) {
        syncer.stop();
        journal.force();
      }
      if (left == 0 && finished) {
        journal.markDelivered(); // sealed, and the flusher has stopped: nothing can be appended any more
      }
    } finally {
      try {
        deadLetters.close();
      } finally {
        journal.close();
        if (ownsWriter) {
          closeWriter(writer);
        }
      }
    }
  }

  private static void closeWriter(Object writer) {
    if (writer instanceof AutoCloseable) {
      try {
        ((AutoCloseable) writer).close();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "Closing the write-behind writer " + writer.getClass().getName()
            + " failed", e);
      }
    }
  }

  /**
   * Reads the dead letters kept in {@code directory} (a {@link WriteBehindConfig#deadLetter()}), e.g. to
   * inspect or re-submit them. Needs the same JVM flags as {@link #open}.
   */
  public static List<DeadLetter<Object, Object>> readDeadLetters(Path directory, Serializer serializer,
      ClassLoader loader) {
    ChronicleFlags.prepare();
    return DeadLetterJournal.readAll(directory, serializer,
        loader != null ? loader : WriteBehindJournal.class.getClassLoader());
  }

  @Override
  public String toString() {
    return "WriteBehindJournal[" + cacheName + ", " + settings.journal() + ", " + metrics + "]";
  }
}

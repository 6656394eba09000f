package io.goldylox.tier;

import io.goldylox.serialization.ClassRejectedException;
import io.goldylox.serialization.Serializer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;
import javax.cache.CacheException;

/**
 * The disk tier: a log-structured store in the manner of Bitcask, crash-consistent without an fsync on the put
 * path.
 *
 * <h2>Overview</h2>
 * The directory holds append-only segment files {@code seg-<id>.log} (ids increase), a lock file and a metadata
 * file naming the key and value classes. Every mutation appends one record to the active segment:
 * <pre>
 *   [crc32c:4][length:4][type:1 put|tombstone][expireAtMillis:8][keyLen:4][key][valueLen:4][value]
 * </pre>
 * ({@code length} counts the bytes after itself; the CRC covers {@code length} and everything after it, so a
 * record can be copied verbatim to another position). Keys stay Java objects in an on-heap keydir, a
 * {@code ConcurrentHashMap<K, Loc>} from key to (segment, offset, length, deadline); keys are serialized with the
 * given {@link Serializer} only into the log, and deserialized only when the keydir is rebuilt at open.
 *
 * <h2>Durability</h2>
 * Segments are memory-mapped ({@code MAP_SHARED}); a put copies its record into the mapping and returns. The
 * bytes are then in the operating system's page cache: a {@code kill -9} of the JVM loses nothing that a put
 * returned for, a power loss or kernel crash can lose what the kernel had not written back yet ({@link #force()}
 * and {@link #close()} write back explicitly). On open, the keydir is rebuilt by scanning the segments in id
 * order, later records winning. A record whose CRC does not match, whose length is impossible or which is cut
 * short (a torn write) ends the scan of its segment: it is counted in {@link #corruptRecords()}, logged, the
 * segment is truncated there, and the scan resumes at the next segment. Zero bytes where a header should be are
 * the unwritten, preallocated end of a segment, not damage.
 *
 * <h2>Space</h2>
 * Segments are {@code segmentBytes} large (preallocated sparse files); at most {@code capacity / segmentBytes}
 * exist. A background compactor (a thread that parks until a write leaves some sealed segment less than half live)
 * copies the live records of the least live segment verbatim to the head of the log, drops expired ones, carries
 * forward the tombstones that may still shadow an older segment, and deletes the segment. Copies happen under the
 * append lock one record at a time and only if the keydir still points at the old record, so a concurrent put or
 * remove always wins; a tombstone is carried forward only while its key is absent, so it can never land after a
 * newer put. Deleting the oldest segment needs no tombstones at all (nothing older can be shadowed).
 *
 * <h2>A full log: relocation as backpressure, then eviction</h2>
 * When the log must roll to a new segment and none is left, the writer that rolls frees the oldest segment itself.
 * If that segment is less than half live (the compactor is behind a sustained stream of rewrites), the writer
 * relocates it: copies its live, unexpired records verbatim into the new segment, drops its expired records and
 * its tombstones, and deletes it (counted in {@link #relocations()}). That is backpressure: the writer that fills
 * the tier pays the compaction the compactor did not get to, at most a memory copy of half a segment (plus a scan
 * of the keydir, as eviction does) while holding the append lock, and frees at least half a segment for it. Only
 * when the oldest segment is mostly live are its live entries handed to the eviction sink and the segment deleted
 * (FIFO eviction; a counted eviction for the lowest tier): the tier is then truly full of live data. A record too
 * large for the room the relocated ones leave (more than half a segment) makes the log roll once more; that second
 * roll relocates only if the record still fits after the copies and evicts otherwise, so an append rolls at most
 * twice.
 *
 * <h2>Threads</h2>
 * {@link #get} is lock-free: a keydir lookup and a copy out of the mapping. Segment contents are never overwritten,
 * and a mapping stays valid after its file is deleted, so a reader holding a stale location reads the value that
 * was current when it looked the key up. Mutations (callers' removes, the tiered store's mover, the compactor)
 * serialize on one append lock, held only for a memory copy (or, when the log rolls, a file creation and, at the
 * cap, the relocation or eviction of the oldest segment). Segment mappings are never unmapped, so relocation keeps
 * stale locations readable as eviction and compaction do. Writes are memory copies, not channel writes, so an
 * interrupted caller cannot close a segment for everybody.
 *
 * <h2>Exclusivity and compatibility</h2>
 * A lock file ({@link FileChannel#tryLock}) keeps a second manager, in this JVM or another, from opening the same
 * directory; {@link #close()} releases it so the directory can be reopened. The metadata file records the key and
 * value classes and the serializer's format ({@link DiskTierFormat}); a mismatch at open applies
 * {@link OnIncompatible}. Records found at open came from files that others may have written: their keys are
 * decoded through the given (guarded) serializer, and each value once more before it first leaves the tier
 * ({@link #rejectedRecords()}). A key whose class the policy refuses cannot be indexed: if its newest record is a
 * put, {@link OnIncompatible} decides then too, as for data of other classes (fail: the tier is not opened and no
 * entry is removed; wipe: the tier is emptied, since a key that cannot be read cannot be compared with the others).
 * A refused value is a miss and stays in its file, so it reads once its class is allowed.
 *
 * <h2>Classes</h2>
 * This class opens the directory (lock and metadata), serves reads and callers' writes, and owns the counters.
 * The rest is done by package-private parts, each documenting its threads: {@link DiskSegment} (one segment
 * file and the naming of segment files), {@link DiskLocation} (a keydir value), {@link DiskLog} (the segments, the
 * keydir, the append lock and the append path with its rolls, relocations and evictions), {@link DiskRecovery}
 * (the rebuild of the keydir at open) and {@link DiskCompactor} (the background compactor).
 *
 * @param <K> the key type
 */
public final class DiskTier<K> implements LowerTier<K> {

  static final byte PUT = 1;
  static final byte TOMBSTONE = 2;
  static final int HEADER = 8; // crc + length
  static final int FIXED_BODY = 1 + 8 + 4 + 4; // type, expireAt, keyLen, valueLen
  static final String LOCK_FILE = "goldylox.lock";
  static final String META_FILE = "goldylox-disk.properties";
  static final long MAX_SEGMENT_BYTES = 64L << 20;
  static final long MIN_SEGMENT_BYTES = 4L << 10;
  /** The smallest disk tier: two segments of the smallest size (8 KiB). */
  public static final long MIN_CAPACITY_BYTES = 2 * MIN_SEGMENT_BYTES;

  private static final System.Logger LOG = System.getLogger(DiskTier.class.getName());

  private final Path directory;
  private final long capacityBytes;
  private final Serializer serializer;
  private final ClassLoader classLoader;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final DiskLog<K> log;
  private final DiskCompactor<K> compactor;

  private final LongAdder corruptRecords = new LongAdder();
  private final LongAdder rejectedOversize = new LongAdder();
  private final LongAdder rejectedRecords = new LongAdder();
  /** Whether values found at open are decoded once before they leave (the serializer checks classes). */
  private final boolean verifyRecovered;
  private volatile boolean warnedUnreadable;

  private DiskTier(Path directory, long capacityBytes, int segmentBytes, Serializer serializer,
      ClassLoader classLoader, FileChannel lockChannel, FileLock fileLock) {
    this.directory = directory;
    this.capacityBytes = capacityBytes;
    this.serializer = serializer;
    this.verifyRecovered = serializer.checksClasses();
    this.classLoader = classLoader;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
    this.log = new DiskLog<>(directory, capacityBytes, segmentBytes);
    this.compactor = new DiskCompactor<>(log, serializer, classLoader);
    log.onCompactionWanted(compactor::request);
  }

  /**
   * Opens (or creates) the disk tier in {@code directory}, rebuilding its keydir from the log.
   *
   * @param capacityBytes the most bytes the segment files may take together (at least two segments)
   * @param serializer serializes keys into the log (values arrive already serialized)
   * @param classLoader resolves key classes while rebuilding the keydir
   * @param keyType the configured key class (recorded in the metadata file)
   * @param valueType the configured value class (recorded in the metadata file)
   * @throws CacheException if the directory is in use by another manager, unusable, or holds incompatible entries
   *     and {@code onIncompatible} is {@link OnIncompatible#FAIL}
   */
  public static <K> DiskTier<K> open(Path directory, long capacityBytes, Serializer serializer,
      ClassLoader classLoader, Class<?> keyType, Class<?> valueType, OnIncompatible onIncompatible) {
    long segment = Math.max(MIN_SEGMENT_BYTES, Math.min(MAX_SEGMENT_BYTES, capacityBytes / 4));
    return open(directory, capacityBytes, (int) segment, serializer, classLoader, keyType, valueType,
        onIncompatible);
  }

  /** As {@link #open(Path, long, Serializer, ClassLoader, Class, Class, OnIncompatible)}, with a segment size. */
  public static <K> DiskTier<K> open(Path directory, long capacityBytes, int segmentBytes, Serializer serializer,
      ClassLoader classLoader, Class<?> keyType, Class<?> valueType, OnIncompatible onIncompatible) {
    return open(directory, capacityBytes, segmentBytes, serializer, classLoader, keyType, valueType,
        onIncompatible, true);
  }

  /**
   * As {@link #open(Path, long, int, Serializer, ClassLoader, Class, Class, OnIncompatible)}, but the background
   * compactor is never started: space comes back only when a rolling writer relocates or evicts the oldest
   * segment. For tests that must know which of the two reclaimed a segment.
   */
  static <K> DiskTier<K> openWithoutCompactor(Path directory, long capacityBytes, int segmentBytes,
      Serializer serializer, ClassLoader classLoader, Class<?> keyType, Class<?> valueType) {
    return open(directory, capacityBytes, segmentBytes, serializer, classLoader, keyType, valueType,
        OnIncompatible.FAIL, false);
  }

  private static <K> DiskTier<K> open(Path directory, long capacityBytes, int segmentBytes, Serializer serializer,
      ClassLoader classLoader, Class<?> keyType, Class<?> valueType, OnIncompatible onIncompatible,
      boolean backgroundCompaction) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(serializer, "serializer");
    Objects.requireNonNull(keyType, "keyType");
    Objects.requireNonNull(valueType, "valueType");
    Objects.requireNonNull(onIncompatible, "onIncompatible");
    if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
      throw new IllegalArgumentException("Disk tier " + directory + ": segment size " + segmentBytes
          + " is outside [" + MIN_SEGMENT_BYTES + ", " + MAX_SEGMENT_BYTES + "]");
    }
    if (capacityBytes < 2L * segmentBytes) {
      throw new IllegalArgumentException("Disk tier " + directory + ": size " + capacityBytes
          + " bytes is too small; it must hold at least two segments of " + segmentBytes + " bytes");
    }
    Path dir = directory.toAbsolutePath().normalize();
    FileChannel lockChannel = null;
    FileLock lock = null;
    try {
      Files.createDirectories(dir);
      lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      String holder = "another process";
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
        holder = "another cache in this JVM (of this cache manager or another)";
      }
      if (lock == null) {
        throw new CacheException("Disk tier path " + dir + " is already in use by " + holder + " (the lock file "
            + dir.resolve(LOCK_FILE) + " is held); close that cache first or configure another disk path");
      }
      DiskTierFormat.check(dir, keyType, valueType, serializer, onIncompatible);
      long[] found = segmentFiles(dir); // before the tier opens its segments, which touches them
      DiskTier<K> tier = new DiskTier<>(dir, capacityBytes, segmentBytes, serializer, classLoader, lockChannel,
          lock);
      int refused = tier.recover();
      if (refused > 0) {
        String what = "Disk tier " + dir + ": " + refused + " entries have keys this cache cannot read back: of"
            + " classes it does not allow, or of classes changed since they were written (the WARN lines above"
            + " name them)";
        if (onIncompatible == OnIncompatible.FAIL) {
          tier.close();
          throw new CacheException(what + "; on-incompatible = fail, so the tier was not opened and no entry was"
              + " removed. If the classes are yours, add them to serializer.allow; if they changed, open the tier"
              + " with the release that wrote it; on-incompatible = wipe deletes the tier's entries");
        }
        // As for data of other classes: a key that cannot be read cannot be compared with the keys that can (an
        // equal key may be stored in another form), so no single entry can be removed soundly. Deleted while the
        // directory's lock is still held; then the tier starts again, empty, on the same lock.
        tier.log.close();
        DiskTierFormat.deleteSegments(dir);
        LOG.log(Level.WARNING, what + "; on-incompatible = wipe: deleted all its entries");
        tier = new DiskTier<>(dir, capacityBytes, segmentBytes, serializer, classLoader, lockChannel, lock);
        tier.recover();
      }
      tier.reportOpened(capacityBytes, found[0], found[1]);
      if (backgroundCompaction) {
        tier.compactor.start();
      }
      return tier;
    } catch (IOException e) {
      release(lock, lockChannel);
      throw new CacheException("Cannot open the disk tier at " + dir + ": " + e, e);
    } catch (RuntimeException | Error e) {
      release(lock, lockChannel);
      throw e;
    }
  }

  /**
   * Says what the tier found at open, when it found anything: how many entries, how many bytes of segments, when
   * it was last written (a tier removed from the configuration and put back later serves what it held then); and
   * a WARN when the segments take more than {@code capacityBytes} (a lowered {@code disk.size}: the oldest are
   * evicted as writes need room, not at once).
   */
  private void reportOpened(long capacityBytes, long bytes, long lastWritten) {
    long entries = size();
    if (entries == 0) {
      return;
    }
    LOG.log(Level.INFO, "Disk tier " + directory + ": opened with " + entries + " entries in " + bytes + " bytes of"
        + " segments, last written at " + java.time.Instant.ofEpochMilli(lastWritten));
    if (bytes > capacityBytes) {
      LOG.log(Level.WARNING, "Disk tier " + directory + ": its segments take " + bytes + " bytes, more than its size of "
          + capacityBytes + " bytes (was disk.size lowered?); the oldest segments are evicted as writes need room");
    }
  }

  /**
   * Records the write-behind journal the cache of the tier at {@code directory} uses ({@code null}: none), with a
   * WARN when another journal recorded before still holds files (see {@code DiskTierFormat.recordJournal}).
   */
  public static void recordJournal(Path directory, Path journal, String cacheName) {
    DiskTierFormat.recordJournal(directory.toAbsolutePath().normalize(), journal, cacheName);
  }

  /** The bytes of the segment files in {@code dir} and the last time one was modified (ms). */
  private static long[] segmentFiles(Path dir) throws IOException {
    long bytes = 0;
    long lastWritten = 0;
    for (Path segment : listSegments(dir)) {
      bytes += Files.size(segment);
      lastWritten = Math.max(lastWritten, Files.getLastModifiedTime(segment).toMillis());
    }
    return new long[] {bytes, lastWritten};
  }

  private static void release(FileLock lock, FileChannel channel) {
    try {
      if (lock != null) {
        lock.release();
      }
    } catch (IOException ignored) {
      // Closing the channel below releases it too.
    }
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException ignored) {
      // Nothing more to release.
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Metadata

  static List<Path> listSegments(Path dir) throws IOException {
    return DiskSegment.list(dir);
  }

  static long segmentId(Path file) {
    return DiskSegment.id(file);
  }

  /**
   * Rebuilds the keydir from the segments at open (see {@link DiskRecovery}); returns how many keys of a refused
   * class have a put as their newest record: entries that could not be indexed.
   */
  private int recover() throws IOException {
    DiskRecovery<K> recovery = new DiskRecovery<>(log, serializer, classLoader, verifyRecovered, corruptRecords,
        rejectedRecords);
    recovery.recover();
    int live = 0;
    for (boolean isPut : recovery.refusedKeys.values()) {
      live += isPut ? 1 : 0;
    }
    return live;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reads

  @Override
  public StoredBytes get(K key) {
    DiskLocation loc = log.keydir.get(key);
    if (loc == null) {
      return null;
    }
    byte[] value = loc.readValue();
    if (loc.unverified && !verify(loc, value)) {
      return null;
    }
    return new StoredBytes(value, loc.expireAtMillis);
  }

  /**
   * Decodes, once, a value that was found at open through the cache's (guarded) serializer before it leaves the
   * tier: a file that others may have written must not hand a class the cache does not allow to the heap, where
   * values are trusted. A value that cannot be decoded is a miss, counted in {@link #rejectedRecords()}.
   */
  private boolean verify(DiskLocation loc, byte[] value) {
    try {
      serializer.deserialize(value, classLoader);
    } catch (RuntimeException e) {
      rejectedRecords.increment();
      if (!(e instanceof ClassRejectedException) && !warnedUnreadable) {
        warnedUnreadable = true;
        LOG.log(Level.WARNING, "Disk tier " + directory + ": a value written before the last open cannot be read"
            + " back (" + e.getMessage() + "); such values are misses, counted in rejectedRecords (logged once)");
      }
      return false;
    }
    loc.unverified = false;
    return true;
  }

  /** A scan of the key index (at open: the entries recovered from the segments). */
  @Override
  public long earliestDeadline() {
    long earliest = StoredEntry.ETERNAL;
    for (DiskLocation location : log.keydir.values()) {
      earliest = Math.min(earliest, location.expireAtMillis);
    }
    return earliest;
  }

  @Override
  public boolean containsKey(K key) {
    return log.keydir.containsKey(key);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writes

  @Override
  public void evictionSink(EvictionSink<K> sink) {
    log.sink = Objects.requireNonNull(sink, "sink");
  }

  @Override
  public PutResult put(K key, byte[] value, long expireAtMillis) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    byte[] keyBytes = serializer.serialize(key);
    long recordLength = (long) HEADER + FIXED_BODY + keyBytes.length + value.length;
    if (recordLength > log.segmentBytes) {
      rejectedOversize.increment();
      return PutResult.REJECTED_TOO_LARGE;
    }
    byte[] record = encode(PUT, expireAtMillis, keyBytes, value);
    log.appendLock.lock();
    try {
      log.requireOpen();
      DiskLocation loc = log.append(record, keyBytes.length, value.length, expireAtMillis);
      loc.segment.liveBytes.addAndGet(loc.length);
      loc.segment.addPut(key.hashCode());
      DiskLocation old = log.keydir.put(key, loc);
      if (old != null) {
        log.died(old);
      }
    } finally {
      log.appendLock.unlock();
    }
    return PutResult.STORED;
  }

  @Override
  public boolean remove(K key) {
    if (!log.keydir.containsKey(key)) {
      return false;
    }
    byte[] keyBytes = serializer.serialize(key);
    byte[] record = encode(TOMBSTONE, 0L, keyBytes, new byte[0]);
    log.appendLock.lock();
    try {
      log.requireOpen();
      if (!log.keydir.containsKey(key)) {
        return false;
      }
      // The tombstone first: if it cannot be written (the log cannot roll), the entry stays, in the keydir as in the
      // log. Its append may roll and relocate the key's record (the keydir then maps the copy) or evict it.
      log.append(record, keyBytes.length, 0, 0L);
      DiskLocation old = log.keydir.remove(key);
      if (old == null) {
        return false; // evicted by that roll: handed to the sink already
      }
      log.died(old);
      return true;
    } finally {
      log.appendLock.unlock();
    }
  }

  static byte[] encode(byte type, long expireAtMillis, byte[] key, byte[] value) {
    int length = FIXED_BODY + key.length + value.length;
    ByteBuffer record = ByteBuffer.allocate(HEADER + length);
    record.putInt(0).putInt(length).put(type).putLong(expireAtMillis).putInt(key.length).put(key)
        .putInt(value.length).put(value);
    CRC32C crc = new CRC32C();
    crc.update(record.array(), 4, 4 + length);
    record.putInt(0, (int) crc.getValue());
    return record.array();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Everything else

  @Override
  public long size() {
    return log.keydir.mappingCount();
  }

  @Override
  public long bytesUsed() {
    long used = 0;
    for (DiskSegment segment : log.segments.values()) {
      used += segment.end;
    }
    return used;
  }

  @Override
  public long capacityBytes() {
    return capacityBytes;
  }

  /** The size of one segment file. */
  public int segmentBytes() {
    return log.segmentBytes;
  }

  /** The number of segment files. */
  public int segmentCount() {
    return log.segments.size();
  }

  @Override
  public long rejectedOversize() {
    return rejectedOversize.sum();
  }

  @Override
  public long evictions() {
    return log.evictions.sum();
  }

  /** Records skipped at open because they were torn or damaged (bad checksum, impossible length). */
  public long corruptRecords() {
    return corruptRecords.sum();
  }

  /**
   * Records found at open that were not handed out: keys or values naming a class the cache's
   * {@link io.goldylox.serialization.ClassPolicy} refuses, or values that cannot be decoded any more. Each was a miss.
   */
  public long rejectedRecords() {
    return rejectedRecords.sum();
  }

  @Override
  public void expiredRemovals(ExpiredRemovals<K> removals) {
    log.readable = loc -> !loc.unverified || verify(loc, loc.readValue());
    log.expiredRemovals = removals;
    log.requestCompaction(); // the compactor's first run, now that it knows what to do with expired records
  }

  /** Expired entries dropped by compaction or relocation (while no listener wants their EXPIRED events). */
  public long expiredDropped() {
    return log.expiredDropped.sum();
  }

  /** Segments reclaimed by compaction. */
  public long compactions() {
    return compactor.compactions.sum();
  }

  /**
   * Oldest segments reclaimed by the writer that rolled the log at the size cap, by relocating their live records
   * instead of evicting them (the compactor was behind).
   */
  public long relocations() {
    return log.relocations.sum();
  }

  /**
   * Compacts the least live sealed segment on the calling thread, as the compactor does; false if none is less than
   * half live. For tests of a tier opened {@linkplain #openWithoutCompactor without its compactor}.
   */
  boolean compactOnce() {
    return compactor.compactOnce();
  }

  /** The bytes of live records, summed over the segments (what compaction and relocation would keep). */
  long liveBytes() {
    long live = 0;
    for (DiskSegment segment : log.segments.values()) {
      live += segment.liveBytes.get();
    }
    return live;
  }

  /** The directory this tier lives in. */
  public Path directory() {
    return directory;
  }

  @Override
  public Iterator<K> keys() {
    return log.keydir.keySet().iterator();
  }

  /**
   * Removes every entry by deleting every segment, oldest first (so a crash in the middle can bring back only
   * entries that were live before the clear, never one removed earlier), then starts a new segment.
   */
  @Override
  public void clear() {
    log.clear();
  }

  /** Asks the operating system to write the active segment to the device (survives a power loss then). */
  public void force() {
    log.force();
  }

  /** Stops the compactor, writes the active segment back and releases the directory lock. Idempotent. */
  @Override
  public void close() {
    if (!log.close()) {
      return;
    }
    compactor.stop();
    release(fileLock, lockChannel);
    log.keydir.clear();
  }

  @Override
  public String toString() {
    return "DiskTier[" + directory + ", " + size() + " entries, " + log.segments.size() + " segments]";
  }
}

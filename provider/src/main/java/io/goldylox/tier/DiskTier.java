package io.goldylox.tier;

import io.goldylox.serialization.ClassRejectedException;
import io.goldylox.serialization.Serializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
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
 * ({@link #rejectedRecords()}).
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

  private static final System.Logger LOG = System.getLogger(DiskTier.class.getName());

  private final Path directory;
  private final long capacityBytes;
  private final int segmentBytes;
  private final int maxSegments;
  private final Serializer serializer;
  private final ClassLoader classLoader;
  private final FileChannel lockChannel;
  private final FileLock fileLock;

  private final ConcurrentHashMap<K, Loc> keydir = new ConcurrentHashMap<>();
  /** Every segment by id, the active one last. Changed only under {@link #appendLock}. */
  private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
  private final ReentrantLock appendLock = new ReentrantLock();
  private Segment active; // guarded by appendLock
  private volatile EvictionSink<K> sink = EvictionSink.discard();

  private final LongAdder corruptRecords = new LongAdder();
  private final LongAdder rejectedOversize = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder expiredDropped = new LongAdder();
  private final LongAdder compactions = new LongAdder();
  private final LongAdder relocations = new LongAdder();
  private final LongAdder rejectedRecords = new LongAdder();
  /** Whether values found at open are decoded once before they leave (the serializer checks classes). */
  private final boolean verifyRecovered;
  private volatile boolean warnedUnreadable;

  private final Thread compactor;
  private final AtomicBoolean compactionRequested = new AtomicBoolean();
  private volatile boolean closed;

  private DiskTier(Path directory, long capacityBytes, int segmentBytes, Serializer serializer,
      ClassLoader classLoader, FileChannel lockChannel, FileLock fileLock) {
    this.directory = directory;
    this.capacityBytes = capacityBytes;
    this.segmentBytes = segmentBytes;
    this.maxSegments = (int) Math.max(2, capacityBytes / segmentBytes);
    this.serializer = serializer;
    this.verifyRecovered = serializer.checksClasses();
    this.classLoader = classLoader;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
    this.compactor = new Thread(this::compactLoop, "goldylox-disk-compactor-" + directory.getFileName());
    this.compactor.setDaemon(true);
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
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new CacheException("Disk tier path " + dir + " is already in use by another cache manager (the"
            + " lock file " + dir.resolve(LOCK_FILE) + " is held); close that manager first or configure another"
            + " disk path");
      }
      DiskTierFormat.check(dir, keyType, valueType, serializer, onIncompatible);
      DiskTier<K> tier = new DiskTier<>(dir, capacityBytes, segmentBytes, serializer, classLoader, lockChannel,
          lock);
      tier.recover();
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
    List<Path> result = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(p -> segmentId(p) >= 0).sorted((a, b) -> Long.compare(segmentId(a), segmentId(b)))
          .forEach(result::add);
    }
    return result;
  }

  static long segmentId(Path file) {
    String name = file.getFileName().toString();
    if (!name.startsWith("seg-") || !name.endsWith(".log")) {
      return -1;
    }
    try {
      return Long.parseLong(name.substring(4, name.length() - 4));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private Path segmentPath(long id) {
    return directory.resolve(String.format("seg-%016d.log", id));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Recovery

  /** Rebuilds the keydir from the segments, in id order; then starts a fresh active segment. */
  private void recover() throws IOException {
    long lastId = 0;
    for (Path file : listSegments(directory)) {
      long id = segmentId(file);
      lastId = Math.max(lastId, id);
      Segment segment = scan(id, file);
      if (segment != null) {
        segments.put(id, segment);
      }
    }
    appendLock.lock();
    try {
      active = newSegment(lastId + 1);
    } finally {
      appendLock.unlock();
    }
  }

  /** Scans one segment into the keydir; returns it mapped read-only, or null if it held nothing. */
  private Segment scan(long id, Path file) throws IOException {
    int valid;
    long fileSize;
    Segment segment;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      fileSize = channel.size();
      if (fileSize > Integer.MAX_VALUE) {
        throw new IOException("Segment " + file + " is larger than 2 GiB; not a Goldylox segment");
      }
      MappedByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, 0, fileSize);
      // The segment object must exist before its records are indexed; its buffer is remapped below once the
      // valid length is known, and locations only keep the segment, not the buffer.
      segment = new Segment(id, file, data, (int) fileSize);
      valid = indexRecords(segment, data, (int) fileSize);
      if (valid < fileSize) {
        channel.truncate(valid); // torn tail, damage or preallocated zeros: the log continues elsewhere
      }
      segment.end = valid;
      if (valid > 0) {
        segment.buffer = channel.map(FileChannel.MapMode.READ_ONLY, 0, valid);
      }
    }
    if (valid == 0) {
      Files.deleteIfExists(file);
      return null;
    }
    return segment;
  }

  /** Indexes the records of {@code data}; returns the length of its valid prefix. */
  private int indexRecords(Segment segment, ByteBuffer data, int size) {
    int pos = 0;
    CRC32C crc = new CRC32C();
    while (pos + HEADER <= size) {
      int storedCrc = data.getInt(pos);
      int length = data.getInt(pos + 4);
      if (storedCrc == 0 && length == 0) {
        return pos; // the unwritten end of the segment
      }
      String damage = null;
      if (length < FIXED_BODY || length > size - pos - HEADER) {
        damage = length < FIXED_BODY ? "impossible record length " + length
            : "record cut short (torn write: " + (size - pos - HEADER) + " of " + length + " bytes)";
      } else {
        crc.reset();
        crc.update(data.slice(pos + 4, 4 + length));
        if ((int) crc.getValue() != storedCrc) {
          damage = "checksum mismatch";
        }
      }
      if (damage != null) {
        corruptRecords.increment();
        LOG.log(Level.WARNING, "Disk tier " + directory + ": " + damage + " at offset " + pos + " of "
            + segment.path.getFileName() + "; skipping the rest of that segment (" + (size - pos)
            + " bytes) and continuing with the next one");
        return pos;
      }
      int body = pos + HEADER;
      byte type = data.get(body);
      long expireAt = data.getLong(body + 1);
      int keyLen = data.getInt(body + 9);
      int valueLenAt = body + 13 + keyLen;
      if (keyLen < 0 || valueLenAt + 4 > pos + HEADER + length || (type != PUT && type != TOMBSTONE)) {
        corruptRecords.increment();
        LOG.log(Level.WARNING, "Disk tier " + directory + ": malformed record (checksum valid) at offset " + pos
            + " of " + segment.path.getFileName() + "; skipping the rest of that segment");
        return pos;
      }
      int valueLen = data.getInt(valueLenAt);
      byte[] keyBytes = new byte[keyLen];
      data.get(body + 13, keyBytes);
      K key;
      try {
        @SuppressWarnings("unchecked")
        K read = (K) serializer.deserialize(keyBytes, classLoader);
        key = read;
      } catch (ClassRejectedException e) {
        rejectedRecords.increment(); // the policy logs once per class
        pos += HEADER + length;
        continue;
      } catch (RuntimeException e) {
        corruptRecords.increment();
        LOG.log(Level.WARNING, "Disk tier " + directory + ": cannot read the key of the record at offset " + pos
            + " of " + segment.path.getFileName() + " (" + e.getMessage() + "); skipping that record");
        pos += HEADER + length;
        continue;
      }
      int recordLength = HEADER + length;
      if (type == PUT) {
        Loc loc = new Loc(segment, pos, recordLength, valueLenAt + 4, valueLen, expireAt);
        loc.unverified = verifyRecovered;
        segment.liveBytes.addAndGet(recordLength);
        Loc old = keydir.put(key, loc);
        if (old != null) {
          old.segment.liveBytes.addAndGet(-old.length);
        }
      } else {
        Loc old = keydir.remove(key);
        if (old != null) {
          old.segment.liveBytes.addAndGet(-old.length);
        }
      }
      pos += recordLength;
    }
    if (pos < size && size - pos < HEADER && !allZero(data, pos, size)) {
      corruptRecords.increment();
      LOG.log(Level.WARNING, "Disk tier " + directory + ": torn record header at offset " + pos + " of "
          + segment.path.getFileName() + "; truncating it");
    }
    return pos;
  }

  private static boolean allZero(ByteBuffer data, int from, int to) {
    for (int i = from; i < to; i++) {
      if (data.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reads

  @Override
  public StoredBytes get(K key) {
    Loc loc = keydir.get(key);
    if (loc == null) {
      return null;
    }
    byte[] value = readValue(loc);
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
  private boolean verify(Loc loc, byte[] value) {
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

  private static byte[] readValue(Loc loc) {
    byte[] value = new byte[loc.valueLength];
    // A stale location is harmless: segment bytes are never overwritten and the mapping outlives the file.
    loc.segment.buffer.get(loc.valueOffset, value);
    return value;
  }

  @Override
  public boolean containsKey(K key) {
    return keydir.containsKey(key);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writes

  @Override
  public void evictionSink(EvictionSink<K> sink) {
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  @Override
  public PutResult put(K key, byte[] value, long expireAtMillis) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    byte[] keyBytes = serializer.serialize(key);
    long recordLength = (long) HEADER + FIXED_BODY + keyBytes.length + value.length;
    if (recordLength > segmentBytes) {
      rejectedOversize.increment();
      return PutResult.REJECTED_TOO_LARGE;
    }
    byte[] record = encode(PUT, expireAtMillis, keyBytes, value);
    appendLock.lock();
    try {
      requireOpen();
      Loc loc = append(record, keyBytes.length, value.length, expireAtMillis);
      loc.segment.liveBytes.addAndGet(loc.length);
      Loc old = keydir.put(key, loc);
      if (old != null) {
        died(old);
      }
    } finally {
      appendLock.unlock();
    }
    return PutResult.STORED;
  }

  @Override
  public boolean remove(K key) {
    if (!keydir.containsKey(key)) {
      return false;
    }
    byte[] keyBytes = serializer.serialize(key);
    byte[] record = encode(TOMBSTONE, 0L, keyBytes, new byte[0]);
    appendLock.lock();
    try {
      requireOpen();
      Loc old = keydir.remove(key);
      if (old == null) {
        return false;
      }
      died(old);
      append(record, keyBytes.length, 0, 0L);
      return true;
    } finally {
      appendLock.unlock();
    }
  }

  /** Accounts for a record that is no longer live; wakes the compactor if its segment became mostly garbage. */
  private void died(Loc old) {
    long live = old.segment.liveBytes.addAndGet(-old.length);
    if (old.segment != active && live * 2 < old.segment.end) {
      requestCompaction();
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

  /** Appends an encoded record to the active segment (rolling if needed). Caller holds the append lock. */
  private Loc append(byte[] record, int keyLength, int valueLength, long expireAtMillis) {
    makeRoom(record.length);
    Segment segment = active;
    int offset = segment.end;
    segment.buffer.put(offset, record);
    segment.end = offset + record.length;
    return new Loc(segment, offset, record.length, offset + HEADER + FIXED_BODY + keyLength, valueLength,
        expireAtMillis);
  }

  private boolean fits(int length) {
    return active.end + length <= active.capacity;
  }

  /**
   * Rolls until a record of {@code length} bytes fits in the active segment: at most twice. The first roll may
   * relocate the oldest segment's live records into the new segment, filling less than half of it; a record
   * larger than what is left (more than half a segment) needs a second roll, which relocates only what leaves room
   * for it and otherwise evicts, so the record fits after it. Caller holds the append lock.
   */
  private void makeRoom(int length) {
    if (fits(length)) {
      return;
    }
    roll(0);
    if (fits(length)) {
      return;
    }
    roll(length);
    if (!fits(length)) {
      // Unreachable: puts reject records larger than a segment, compaction does not copy the larger records of a
      // segment written before a reopen with smaller segments, and the second roll leaves room for this one.
      throw new IllegalStateException("Disk tier " + directory + ": a record of " + length
          + " bytes does not fit in a fresh segment of " + segmentBytes + " bytes");
    }
  }

  /**
   * Seals the active segment and starts the next one; while that puts the segment count over the cap, frees the
   * oldest segment: relocates its live records into the new segment when it is less than half live and they leave
   * {@code room} bytes free there, and evicts it otherwise. (More than one segment is freed only when the tier was
   * reopened with a smaller size; the copies still fit in the one new segment.) Caller holds the append lock.
   */
  private void roll(int room) {
    Segment sealed = active;
    if (sealed.liveBytes.get() * 2 < sealed.end) {
      requestCompaction();
    }
    // The new segment exists before the oldest is freed, so that relocation has somewhere to copy to; the cap is
    // exceeded by one file only for the duration of this call, and only by the relocated bytes (files are sparse).
    Segment next = newSegment(sealed.id + 1);
    active = next;
    while (segments.size() > maxSegments) {
      Segment oldest = segments.firstEntry().getValue();
      long live = oldest.liveBytes.get();
      // live counts the expired records not dropped yet too: an upper bound of what relocation copies.
      if (live * 2 < oldest.end && next.end + live + room <= next.capacity) {
        relocateOldest(oldest, next);
      } else {
        evictOldest(oldest);
      }
    }
  }

  private Segment newSegment(long id) {
    // Channel operations close the channel if the thread is interrupted; a caller's interrupt must not break the
    // tier for everybody, so it is set aside while the file is created and restored afterwards.
    boolean interrupted = Thread.interrupted();
    Path file = segmentPath(id);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, segmentBytes);
      Segment segment = new Segment(id, file, buffer, segmentBytes);
      segments.put(id, segment);
      return segment;
    } catch (IOException e) {
      throw new CacheException("Disk tier " + directory + ": cannot create segment " + file + ": " + e, e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Hands the oldest segment's live entries to the sink and deletes it. Caller holds the append lock. */
  private void evictOldest(Segment segment) {
    if (segment == active) {
      throw new IllegalStateException("Disk tier " + directory + " cannot evict its active segment");
    }
    EvictionSink<K> target = sink;
    for (Map.Entry<K, Loc> entry : keydir.entrySet()) {
      Loc loc = entry.getValue();
      if (loc.segment == segment) {
        // Hand over first, then stop listing it: a reader finds it here or at the sink's side.
        target.evicted(entry.getKey(), readValue(loc), loc.expireAtMillis);
        if (keydir.remove(entry.getKey(), loc)) {
          evictions.increment();
        }
      }
    }
    deleteSegment(segment);
  }

  /**
   * Copies the oldest segment's live, unexpired records verbatim to {@code into}, drops its expired records and
   * its tombstones (nothing older exists for them to shadow), and deletes it: compaction done by the writer that
   * rolls, because the compactor is behind. Caller holds the append lock, so no other mutation interleaves: the
   * keydir cannot change under the scan, and the copies (less than half a segment, see {@link #roll}) fit.
   *
   * <p>Crash consistency: every copy is the latest record of its key and lands at the head of the log, after
   * everything else, so the rebuild at open ("later records win") yields the same entry whether a crash comes
   * before, during or after the deletion; later writes of the key land after the copy. A reader holding a location
   * in the old segment still reads it: the mapping outlives the file.
   */
  private void relocateOldest(Segment segment, Segment into) {
    if (segment == active || segment == into) {
      throw new IllegalStateException("Disk tier " + directory + " cannot relocate its active segment");
    }
    long now = System.currentTimeMillis();
    for (Map.Entry<K, Loc> entry : keydir.entrySet()) {
      Loc loc = entry.getValue();
      if (loc.segment != segment) {
        continue;
      }
      K key = entry.getKey();
      if (loc.expireAtMillis <= now) {
        // No tombstone: this is the oldest segment, so no older record of the key can come back at open.
        if (keydir.remove(key, loc)) {
          segment.liveBytes.addAndGet(-loc.length);
          expiredDropped.increment();
        }
        continue;
      }
      int offset = into.end;
      into.buffer.put(offset, segment.buffer, loc.offset, loc.length);
      into.end = offset + loc.length;
      Loc moved = new Loc(into, offset, loc.length, offset + (loc.valueOffset - loc.offset), loc.valueLength,
          loc.expireAtMillis).unverifiedAs(loc);
      // Always true under the append lock; if it were not, the copy would simply be garbage.
      if (keydir.replace(key, loc, moved)) {
        into.liveBytes.addAndGet(moved.length);
        segment.liveBytes.addAndGet(-loc.length);
      }
    }
    deleteSegment(segment);
    relocations.increment();
  }

  private void deleteSegment(Segment segment) {
    segment.deleted = true;
    segments.remove(segment.id, segment);
    try {
      Files.deleteIfExists(segment.path);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "Disk tier " + directory + ": cannot delete " + segment.path + ": " + e);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Compaction

  private void requestCompaction() {
    if (!compactionRequested.get() && compactionRequested.compareAndSet(false, true)) {
      LockSupport.unpark(compactor);
    }
  }

  private void compactLoop() {
    while (!closed) {
      compactionRequested.set(false);
      Segment candidate;
      try {
        candidate = candidate();
        if (candidate != null) {
          compact(candidate);
          continue;
        }
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.log(Level.WARNING, "Disk tier " + directory + ": compaction failed; will retry when woken", e);
      }
      // Parks until a write requests compaction (unpark before park returns at once, so no wake-up is lost).
      LockSupport.park(this);
    }
  }

  /**
   * Compacts the least live sealed segment on the calling thread, as the compactor does; false if none is less than
   * half live. For tests of a tier opened {@linkplain #openWithoutCompactor without its compactor}.
   */
  boolean compactOnce() {
    Segment candidate = candidate();
    if (candidate == null) {
      return false;
    }
    compact(candidate);
    return true;
  }

  /** The sealed segment with the lowest live ratio below one half, or null. */
  private Segment candidate() {
    Segment best = null;
    double bestRatio = 0.5;
    for (Segment segment : segments.values()) {
      if (segment == active || segment.end == 0 || segment.uncompactable) {
        continue;
      }
      double ratio = (double) segment.liveBytes.get() / segment.end;
      if (ratio < bestRatio) {
        best = segment;
        bestRatio = ratio;
      }
    }
    return best;
  }

  private void compact(Segment segment) {
    long now = System.currentTimeMillis();
    // Live puts: copy each record verbatim to the head, unless a newer write replaced it meanwhile.
    for (Map.Entry<K, Loc> entry : keydir.entrySet()) {
      if (closed) {
        return;
      }
      Loc loc = entry.getValue();
      if (loc.segment != segment) {
        continue;
      }
      K key = entry.getKey();
      byte[] record = new byte[loc.length];
      segment.buffer.get(loc.offset, record);
      appendLock.lock();
      try {
        if (closed || segment.deleted) {
          return; // relocated or evicted by a writer's roll meanwhile: nothing is left to do here
        }
        if (keydir.get(key) != loc) {
          continue;
        }
        if (loc.expireAtMillis <= now) {
          keydir.remove(key, loc);
          segment.liveBytes.addAndGet(-loc.length);
          expiredDropped.increment();
          if (!isOldest(segment)) {
            byte[] keyBytes = serializer.serialize(key);
            append(encode(TOMBSTONE, 0L, keyBytes, new byte[0]), keyBytes.length, 0, 0L);
          }
          continue;
        }
        if (loc.length > segmentBytes) {
          // Written before a reopen with smaller segments: no segment can take a copy. The segment stays until it
          // is the oldest and a roll evicts it (relocation cannot fit it either); it is not a candidate any more.
          segment.uncompactable = true;
          return;
        }
        // Rolling before copying, so that the copy itself cannot roll: a roll may relocate or evict this very
        // segment (it may be the oldest), and a copy written after an eviction would bring the key back at open.
        makeRoom(loc.length);
        if (segment.deleted || keydir.get(key) != loc) {
          return; // that roll relocated or evicted this segment (the key with it)
        }
        int valueOffsetInRecord = loc.valueOffset - loc.offset;
        Loc moved = append(record, 0, loc.valueLength, loc.expireAtMillis);
        moved = new Loc(moved.segment, moved.offset, moved.length, moved.offset + valueOffsetInRecord,
            loc.valueLength, loc.expireAtMillis).unverifiedAs(loc);
        // Always true: the append could not roll, and nothing else mutates while the append lock is held.
        if (keydir.replace(key, loc, moved)) {
          moved.segment.liveBytes.addAndGet(moved.length);
          segment.liveBytes.addAndGet(-loc.length);
        }
      } finally {
        appendLock.unlock();
      }
    }
    // Tombstones: only needed while an older segment may still hold a put they shadow.
    if (!isOldest(segment)) {
      carryTombstones(segment);
    }
    appendLock.lock();
    try {
      if (!closed && !segment.deleted && segment != active) {
        deleteSegment(segment);
        compactions.increment();
      }
    } finally {
      appendLock.unlock();
    }
  }

  private boolean isOldest(Segment segment) {
    Map.Entry<Long, Segment> first = segments.firstEntry();
    return first != null && first.getValue() == segment;
  }

  private void carryTombstones(Segment segment) {
    ByteBuffer data = segment.buffer;
    int pos = 0;
    while (pos + HEADER <= segment.end && !closed && !segment.deleted) {
      int length = data.getInt(pos + 4);
      int body = pos + HEADER;
      if (data.get(body) == TOMBSTONE) {
        int keyLen = data.getInt(body + 9);
        byte[] keyBytes = new byte[keyLen];
        data.get(body + 13, keyBytes);
        K key;
        try {
          @SuppressWarnings("unchecked")
          K read = (K) serializer.deserialize(keyBytes, classLoader);
          key = read;
        } catch (RuntimeException e) {
          pos += HEADER + length; // a key that was not readable at open: no record of it is in the keydir
          continue;
        }
        byte[] record = new byte[HEADER + length];
        data.get(pos, record);
        appendLock.lock();
        try {
          // Absent now means the latest record of the key is a tombstone: copying it after everything is safe.
          // Deleted meanwhile means it was the oldest: its tombstones shadow nothing any more.
          if (!closed && !segment.deleted && !keydir.containsKey(key)) {
            append(record, keyLen, 0, 0L);
          }
        } finally {
          appendLock.unlock();
        }
      }
      pos += HEADER + length;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Everything else

  @Override
  public long size() {
    return keydir.mappingCount();
  }

  @Override
  public long bytesUsed() {
    long used = 0;
    for (Segment segment : segments.values()) {
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
    return segmentBytes;
  }

  /** The number of segment files. */
  public int segmentCount() {
    return segments.size();
  }

  @Override
  public long rejectedOversize() {
    return rejectedOversize.sum();
  }

  @Override
  public long evictions() {
    return evictions.sum();
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

  /** Expired entries dropped by compaction. */
  public long expiredDropped() {
    return expiredDropped.sum();
  }

  /** Segments reclaimed by compaction. */
  public long compactions() {
    return compactions.sum();
  }

  /**
   * Oldest segments reclaimed by the writer that rolled the log at the size cap, by relocating their live records
   * instead of evicting them (the compactor was behind).
   */
  public long relocations() {
    return relocations.sum();
  }

  /** The bytes of live records, summed over the segments (what compaction and relocation would keep). */
  long liveBytes() {
    long live = 0;
    for (Segment segment : segments.values()) {
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
    return keydir.keySet().iterator();
  }

  /**
   * Removes every entry by deleting every segment, oldest first (so a crash in the middle can bring back only
   * entries that were live before the clear, never one removed earlier), then starts a new segment.
   */
  @Override
  public void clear() {
    appendLock.lock();
    try {
      requireOpen();
      keydir.clear();
      long nextId = active.id + 1;
      for (Segment segment : new ArrayList<>(segments.values())) {
        deleteSegment(segment);
      }
      active = newSegment(nextId);
    } finally {
      appendLock.unlock();
    }
  }

  /** Asks the operating system to write the active segment to the device (survives a power loss then). */
  public void force() {
    appendLock.lock();
    try {
      if (!closed) {
        forceQuietly(active);
      }
    } finally {
      appendLock.unlock();
    }
  }

  private void forceQuietly(Segment segment) {
    try {
      segment.buffer.force();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Disk tier " + directory + ": cannot force " + segment.path + ": " + e);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("Disk tier " + directory + " is closed");
    }
  }

  /** Stops the compactor, writes the active segment back and releases the directory lock. Idempotent. */
  @Override
  public void close() {
    appendLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      forceQuietly(active);
    } finally {
      appendLock.unlock();
    }
    LockSupport.unpark(compactor);
    if (Thread.currentThread() != compactor) {
      try {
        compactor.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    release(fileLock, lockChannel);
    keydir.clear();
  }

  @Override
  public String toString() {
    return "DiskTier[" + directory + ", " + size() + " entries, " + segments.size() + " segments]";
  }

  /** One segment file: its mapping and how much of it is written and still live. */
  static final class Segment {
    final long id;
    final Path path;
    volatile MappedByteBuffer buffer;
    final int capacity;
    /** Bytes written; changed under the append lock, read by the compactor and for metrics. */
    volatile int end;
    final AtomicLong liveBytes = new AtomicLong();
    /** Set under the append lock when the segment leaves {@link #segments}; its mapping stays valid for readers. */
    volatile boolean deleted;
    /** Set by compaction when a live record is larger than a segment (a tier reopened smaller): never compacted. */
    volatile boolean uncompactable;

    Segment(long id, Path path, MappedByteBuffer buffer, int capacity) {
      this.id = id;
      this.path = path;
      this.buffer = buffer;
      this.capacity = capacity;
    }
  }

  /** Where a key's latest record is. */
  static final class Loc {
    final Segment segment;
    final int offset;
    final int length;
    final int valueOffset;
    final int valueLength;
    final long expireAtMillis;
    /**
     * Whether the record was found at open (a file that others may have written) and its value has not been
     * decoded through the cache's guarded serializer yet; copies made by compaction or relocation keep it.
     */
    volatile boolean unverified;

    Loc(Segment segment, int offset, int length, int valueOffset, int valueLength, long expireAtMillis) {
      this.segment = segment;
      this.offset = offset;
      this.length = length;
      this.valueOffset = valueOffset;
      this.valueLength = valueLength;
      this.expireAtMillis = expireAtMillis;
    }

    /** This location, still unverified if {@code from} is. */
    Loc unverifiedAs(Loc from) {
      unverified = from.unverified;
      return this;
    }
  }
}

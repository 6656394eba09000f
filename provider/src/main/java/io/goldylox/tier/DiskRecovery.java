package io.goldylox.tier;

import static io.goldylox.tier.DiskTier.FIXED_BODY;
import static io.goldylox.tier.DiskTier.HEADER;
import static io.goldylox.tier.DiskTier.PUT;
import static io.goldylox.tier.DiskTier.TOMBSTONE;

import io.goldylox.serialization.ClassRejectedException;
import io.goldylox.serialization.Serializer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;

/**
 * Rebuilds a {@link DiskTier}'s keydir at open by scanning its segments in id order, later records winning, and
 * truncates each segment at its first torn or damaged record (see "Durability" in the {@link DiskTier} class
 * comment); then starts a fresh active segment.
 *
 * <p>Threads: used once, on the opening thread, under the directory's lock and before the tier is shared or its
 * compactor started.
 *
 * @param <K> the key type
 */
final class DiskRecovery<K> {

  private static final System.Logger LOG = System.getLogger(DiskTier.class.getName());

  private final DiskLog<K> log;
  private final Path directory;
  private final Serializer serializer;
  private final ClassLoader classLoader;
  /** Whether recovered locations start unverified (their values are decoded once before they leave the tier). */
  private final boolean verifyRecovered;
  private final LongAdder corruptRecords;
  private final LongAdder rejectedRecords;
  /**
   * The keys the class policy refused, as their bytes, and whether the newest record of each is a put (a live
   * entry that could not be indexed) rather than a tombstone. Every refused record is also counted in
   * rejectedRecords.
   */
  final java.util.Map<ByteBuffer, Boolean> refusedKeys = new java.util.HashMap<>();
  /** Keys that did not read back for another reason than the class policy (a changed class): logged once. */
  private int unreadableKeys;

  DiskRecovery(DiskLog<K> log, Serializer serializer, ClassLoader classLoader, boolean verifyRecovered,
      LongAdder corruptRecords, LongAdder rejectedRecords) {
    this.log = log;
    this.directory = log.directory;
    this.serializer = serializer;
    this.classLoader = classLoader;
    this.verifyRecovered = verifyRecovered;
    this.corruptRecords = corruptRecords;
    this.rejectedRecords = rejectedRecords;
  }

  /** Rebuilds the keydir from the segments, in id order; then starts a fresh active segment. */
  void recover() throws IOException {
    long lastId = 0;
    for (Path file : DiskSegment.list(directory)) {
      long id = DiskSegment.id(file);
      lastId = Math.max(lastId, id);
      DiskSegment segment = scan(id, file);
      if (segment != null) {
        log.segments.put(id, segment);
      }
    }
    log.appendLock.lock();
    try {
      log.startActive(lastId + 1);
    } finally {
      log.appendLock.unlock();
    }
  }

  /** Scans one segment into the keydir; returns it mapped read-only, or null if it held nothing. */
  private DiskSegment scan(long id, Path file) throws IOException {
    int valid;
    long fileSize;
    DiskSegment segment;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      fileSize = channel.size();
      if (fileSize > Integer.MAX_VALUE) {
        throw new IOException("Segment " + file + " is larger than 2 GiB; not a Goldylox segment");
      }
      MappedByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, 0, fileSize);
      // The segment object must exist before its records are indexed; its buffer is remapped below once the
      // valid length is known, and locations only keep the segment, not the buffer.
      segment = new DiskSegment(id, file, data, (int) fileSize);
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
  private int indexRecords(DiskSegment segment, ByteBuffer data, int size) {
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
      } catch (io.goldylox.serialization.SerializationException e) {
        // An intact record (its checksum holds) whose key does not read back: a class refused by the policy, or
        // changed since the write. Not corruption: the tier applies on-incompatible to it, and never drops it.
        if (e instanceof ClassRejectedException) {
          rejectedRecords.increment(); // the policy logs once per class
        } else if (unreadableKeys++ == 0) {
          LOG.log(Level.WARNING, "Disk tier " + directory + ": cannot read back the key of the record at offset "
              + pos + " of " + segment.path.getFileName() + " (" + e.getMessage() + "); its class may have"
              + " changed since it was written (further such keys are counted, not logged)");
        }
        refusedKeys.put(ByteBuffer.wrap(keyBytes), type == PUT); // later records of the key win, as in the keydir
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
        DiskLocation loc = new DiskLocation(segment, pos, recordLength, valueLenAt + 4, valueLen, expireAt);
        loc.unverified = verifyRecovered;
        segment.liveBytes.addAndGet(recordLength);
        segment.addPut(key.hashCode());
        DiskLocation old = log.keydir.put(key, loc);
        if (old != null) {
          old.segment.liveBytes.addAndGet(-old.length);
        }
      } else {
        DiskLocation old = log.keydir.remove(key);
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
}

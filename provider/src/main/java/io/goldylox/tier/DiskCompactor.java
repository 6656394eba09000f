package io.goldylox.tier;

import static io.goldylox.tier.DiskTier.HEADER;
import static io.goldylox.tier.DiskTier.TOMBSTONE;

import io.goldylox.serialization.Serializer;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The background compactor of a {@link DiskTier}: copies the live records of the least live sealed segment
 * verbatim to the head of the log, drops expired ones, carries forward the tombstones that may still shadow an
 * older segment, and deletes the segment (see "Space" in the {@link DiskTier} class comment).
 *
 * <p>Threads: one thread ({@code goldylox-disk-compactor-<dir>}), which parks until a write leaves some sealed
 * segment less than half live ({@link #request}, called by writers under the append lock). It reads the keydir
 * and the segments without a lock and takes the log's append lock for each copy, one record at a time, and only
 * copies if the keydir still points at the old record, so a concurrent put or remove always wins; a tombstone is
 * carried forward only while its key is absent, so it can never land after a newer put. {@link #compactOnce}
 * runs the same on a test's thread.
 *
 * @param <K> the key type
 */
final class DiskCompactor<K> {

  private static final System.Logger LOG = System.getLogger(DiskTier.class.getName());

  private final DiskLog<K> log;
  private final Serializer serializer;
  private final ClassLoader classLoader;
  private final Thread thread;
  private final AtomicBoolean compactionRequested = new AtomicBoolean();
  final LongAdder compactions = new LongAdder();

  DiskCompactor(DiskLog<K> log, Serializer serializer, ClassLoader classLoader) {
    this.log = log;
    this.serializer = serializer;
    this.classLoader = classLoader;
    this.thread = new Thread(this::compactLoop, "goldylox-disk-compactor-" + log.directory.getFileName());
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Wakes the compactor (the log is closed by then); waits for it unless called on it. */
  void stop() {
    LockSupport.unpark(thread);
    if (Thread.currentThread() != thread) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  void request() {
    if (!compactionRequested.get() && compactionRequested.compareAndSet(false, true)) {
      LockSupport.unpark(thread);
    }
  }

  private void compactLoop() {
    // Not before a first request: a cache tells the tier what to do with expired records after it opened it
    // (DiskTier.expiredRemovals, which requests one), and a compaction before that would drop the recovered expired
    // records without their EXPIRED events. Without a cache, the first write that leaves a segment half live asks.
    while (!log.closed && !compactionRequested.get()) {
      LockSupport.park(this);
    }
    while (!log.closed) {
      compactionRequested.set(false);
      DiskSegment candidate;
      try {
        candidate = candidate();
        if (candidate != null) {
          compact(candidate);
          continue;
        }
      } catch (RuntimeException e) {
        if (log.closed) {
          return;
        }
        LOG.log(Level.WARNING, "Disk tier " + log.directory + ": compaction failed; will retry when woken", e);
      }
      // Parks until a write requests compaction (unpark before park returns at once, so no wake-up is lost).
      LockSupport.park(this);
    }
  }

  /**
   * Compacts the least live sealed segment on the calling thread, as the compactor does; false if none is less than
   * half live (see {@link DiskTier#compactOnce}).
   */
  boolean compactOnce() {
    DiskSegment candidate = candidate();
    if (candidate == null) {
      return false;
    }
    compact(candidate);
    return true;
  }

  /** The sealed segment with the lowest live ratio below one half, or null. */
  private DiskSegment candidate() {
    DiskSegment best = null;
    double bestRatio = 0.5;
    for (DiskSegment segment : log.segments.values()) {
      if (segment == log.active || segment.end == 0 || segment.uncompactable
          || segment.heldByTombstone && !log.isOldest(segment)) {
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

  private void compact(DiskSegment segment) {
    if (!log.isOldest(segment) && hasUnreadableTombstone(segment)) {
      segment.heldByTombstone = true; // before anything is copied: the segment stays as it is
      return;
    }
    long now = System.currentTimeMillis();
    // Live puts: copy each record verbatim to the head, unless a newer write replaced it meanwhile.
    for (Map.Entry<K, DiskLocation> entry : log.keydir.entrySet()) {
      if (log.closed) {
        return;
      }
      DiskLocation loc = entry.getValue();
      if (loc.segment != segment) {
        continue;
      }
      K key = entry.getKey();
      byte[] record = new byte[loc.length];
      segment.buffer.get(loc.offset, record);
      log.appendLock.lock();
      try {
        if (log.closed || segment.deleted) {
          return; // relocated or evicted by a writer's roll meanwhile: nothing is left to do here
        }
        if (log.keydir.get(key) != loc) {
          continue;
        }
        if (loc.expireAtMillis <= now && !log.keepsExpired(loc)) {
          log.keydir.remove(key, loc);
          segment.liveBytes.addAndGet(-loc.length);
          log.expiredDropped.increment();
          if (!log.isOldest(segment)) {
            byte[] keyBytes = serializer.serialize(key);
            log.append(DiskTier.encode(TOMBSTONE, 0L, keyBytes, new byte[0]), keyBytes.length, 0, 0L);
          }
          continue;
        }
        if (loc.length > log.segmentBytes) {
          // Written before a reopen with smaller segments: no segment can take a copy. The segment stays until it
          // is the oldest and a roll evicts it (relocation cannot fit it either); it is not a candidate any more.
          segment.uncompactable = true;
          return;
        }
        // Rolling before copying, so that the copy itself cannot roll: a roll may relocate or evict this very
        // segment (it may be the oldest), and a copy written after an eviction would bring the key back at open.
        log.makeRoom(loc.length);
        if (segment.deleted || log.keydir.get(key) != loc) {
          return; // that roll relocated or evicted this segment (the key with it)
        }
        int valueOffsetInRecord = loc.valueOffset - loc.offset;
        DiskLocation moved = log.append(record, 0, loc.valueLength, loc.expireAtMillis);
        moved.segment.addPut(key.hashCode());
        moved = new DiskLocation(moved.segment, moved.offset, moved.length, moved.offset + valueOffsetInRecord,
            loc.valueLength, loc.expireAtMillis).unverifiedAs(loc);
        // Always true: the append could not roll, and nothing else mutates while the append lock is held.
        if (log.keydir.replace(key, loc, moved)) {
          moved.segment.liveBytes.addAndGet(moved.length);
          segment.liveBytes.addAndGet(-loc.length);
        }
      } finally {
        log.appendLock.unlock();
      }
    }
    // Tombstones: only needed while an older segment may still hold a put they shadow.
    if (!log.isOldest(segment) && !carryTombstones(segment)) {
      return; // a tombstone that cannot be read came in meanwhile (not from callers: they write readable keys)
    }
    log.appendLock.lock();
    try {
      if (!log.closed && !segment.deleted && segment != log.active) {
        log.deleteSegment(segment);
        compactions.increment();
      }
    } finally {
      log.appendLock.unlock();
    }
  }

  /**
   * Whether the segment holds a tombstone whose key cannot be read (its class is refused). Such a tombstone cannot
   * be carried: whether an older put of it is shadowed cannot be known, and carrying it could place it after a newer
   * put of an equal key stored in another form. So the segment keeps its place in the log until it is the oldest,
   * when its tombstones shadow nothing.
   */
  private boolean hasUnreadableTombstone(DiskSegment segment) {
    ByteBuffer data = segment.buffer;
    int pos = 0;
    while (pos + HEADER <= segment.end) {
      int length = data.getInt(pos + 4);
      int body = pos + HEADER;
      if (data.get(body) == TOMBSTONE) {
        byte[] keyBytes = new byte[data.getInt(body + 9)];
        data.get(body + 13, keyBytes);
        try {
          serializer.deserialize(keyBytes, classLoader);
        } catch (RuntimeException e) {
          return true;
        }
      }
      pos += HEADER + length;
    }
    return false;
  }

  /**
   * Copies the segment's tombstones whose key is absent to the head; false, with the segment held, if one of them
   * has a key that cannot be read ({@link #hasUnreadableTombstone}, checked before compaction began).
   */
  private boolean carryTombstones(DiskSegment segment) {
    ByteBuffer data = segment.buffer;
    int pos = 0;
    while (pos + HEADER <= segment.end && !log.closed && !segment.deleted) {
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
          segment.heldByTombstone = true;
          return false;
        }
        byte[] record = new byte[HEADER + length];
        data.get(pos, record);
        log.appendLock.lock();
        try {
          // Absent now means the latest record of the key is a tombstone: copying it after everything is safe.
          // Deleted meanwhile means it was the oldest: its tombstones shadow nothing any more.
          // And only while an older segment may still hold a put of the key: otherwise it shadows nothing, and
          // carrying it would copy it to the head at every compaction of its segment, for good.
          if (!log.closed && !segment.deleted && !log.keydir.containsKey(key)
              && log.olderMayHoldPut(segment, key.hashCode())) {
            log.append(record, keyLen, 0, 0L);
          }
        } finally {
          log.appendLock.unlock();
        }
      }
      pos += HEADER + length;
    }
    return true;
  }
}

package io.goldylox.tier;

import static io.goldylox.tier.DiskTier.FIXED_BODY;
import static io.goldylox.tier.DiskTier.HEADER;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The log of a {@link DiskTier}: its segments, the keydir that points into them, the append lock, and the append
 * path, which rolls the log to a new segment and, at the size cap, frees the oldest segment by relocation or
 * eviction (see "A full log" in the {@link DiskTier} class comment).
 *
 * <p>Threads: mutations (callers' puts and removes, the tiered store's mover, the compactor, {@link #clear},
 * {@link #close}) serialize on {@link #appendLock}, held only for a memory copy (or, when the log rolls, a file
 * creation and, at the cap, the relocation or eviction of the oldest segment). {@link #keydir} and
 * {@link #segments} are concurrent maps that readers, the compactor and metrics read without the lock; they are
 * changed only under it, except while recovery fills them at open, before the tier is shared.
 *
 * @param <K> the key type
 */
final class DiskLog<K> {

  private static final System.Logger LOG = System.getLogger(DiskTier.class.getName());

  final Path directory;
  final int segmentBytes;
  private final int maxSegments;

  final ConcurrentHashMap<K, DiskLocation> keydir = new ConcurrentHashMap<>();
  /** Every segment by id, the active one last. Changed only under {@link #appendLock}. */
  final ConcurrentSkipListMap<Long, DiskSegment> segments = new ConcurrentSkipListMap<>();
  final ReentrantLock appendLock = new ReentrantLock();
  DiskSegment active; // guarded by appendLock
  volatile EvictionSink<K> sink = EvictionSink.discard();
  /** Set under the append lock by {@link #close}. */
  volatile boolean closed;
  /** Wakes the compactor; set once, before the tier is shared. */
  private Runnable compactionRequest = () -> { };

  /** What compaction and relocation do with expired records; null: drop them. Set once by the cache. */
  volatile ExpiredRemovals<?> expiredRemovals;
  /**
   * Whether a record's value can be read back (one found at open is decoded once to know): only such a record is
   * kept for the sweep, which could never expire one whose class is refused. Set once by the tier.
   */
  volatile java.util.function.Predicate<DiskLocation> readable = loc -> true;

  final LongAdder evictions = new LongAdder();
  final LongAdder expiredDropped = new LongAdder();
  final LongAdder relocations = new LongAdder();

  DiskLog(Path directory, long capacityBytes, int segmentBytes) {
    this.directory = directory;
    this.segmentBytes = segmentBytes;
    this.maxSegments = (int) Math.max(2, capacityBytes / segmentBytes);
  }

  /** Sets what wakes the compactor when a write leaves a sealed segment less than half live. */
  void onCompactionWanted(Runnable request) {
    this.compactionRequest = request;
  }

  void requestCompaction() {
    compactionRequest.run();
  }

  void requireOpen() {
    if (closed) {
      throw new IllegalStateException("Disk tier " + directory + " is closed");
    }
  }

  /** Starts the first active segment after recovery, or after a clear. Caller holds the append lock. */
  void startActive(long id) {
    active = newSegment(id);
  }

  /** Accounts for a record that is no longer live; wakes the compactor if its segment became mostly garbage. */
  void died(DiskLocation old) {
    long live = old.segment.liveBytes.addAndGet(-old.length);
    if (old.segment != active && live * 2 < old.segment.end) {
      requestCompaction();
    }
  }

  /** Appends an encoded record to the active segment (rolling if needed). Caller holds the append lock. */
  DiskLocation append(byte[] record, int keyLength, int valueLength, long expireAtMillis) {
    makeRoom(record.length);
    DiskSegment segment = active;
    int offset = segment.end;
    segment.buffer.put(offset, record);
    segment.end = offset + record.length;
    return new DiskLocation(segment, offset, record.length, offset + HEADER + FIXED_BODY + keyLength, valueLength,
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
  void makeRoom(int length) {
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
    DiskSegment sealed = active;
    if (sealed.liveBytes.get() * 2 < sealed.end) {
      requestCompaction();
    }
    // The new segment exists before the oldest is freed, so that relocation has somewhere to copy to; the cap is
    // exceeded by one file only for the duration of this call, and only by the relocated bytes (files are sparse).
    DiskSegment next = newSegment(sealed.id + 1);
    active = next;
    while (segments.size() > maxSegments) {
      DiskSegment oldest = segments.firstEntry().getValue();
      long live = oldest.liveBytes.get();
      // live counts the expired records not dropped yet too: an upper bound of what relocation copies.
      if (live * 2 < oldest.end && next.end + live + room <= next.capacity) {
        relocateOldest(oldest, next);
      } else {
        evictOldest(oldest);
      }
    }
  }

  private DiskSegment newSegment(long id) {
    DiskSegment segment = DiskSegment.create(directory, id, segmentBytes);
    segments.put(id, segment);
    return segment;
  }

  /** Hands the oldest segment's live entries to the sink and deletes it. Caller holds the append lock. */
  private void evictOldest(DiskSegment segment) {
    if (segment == active) {
      throw new IllegalStateException("Disk tier " + directory + " cannot evict its active segment");
    }
    EvictionSink<K> target = sink;
    for (Map.Entry<K, DiskLocation> entry : keydir.entrySet()) {
      DiskLocation loc = entry.getValue();
      if (loc.segment == segment) {
        // Hand over first, then stop listing it: a reader finds it here or at the sink's side.
        target.evicted(entry.getKey(), loc.readValue(), loc.expireAtMillis);
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
  private void relocateOldest(DiskSegment segment, DiskSegment into) {
    if (segment == active || segment == into) {
      throw new IllegalStateException("Disk tier " + directory + " cannot relocate its active segment");
    }
    long now = System.currentTimeMillis();
    for (Map.Entry<K, DiskLocation> entry : keydir.entrySet()) {
      DiskLocation loc = entry.getValue();
      if (loc.segment != segment) {
        continue;
      }
      K key = entry.getKey();
      if (loc.expireAtMillis <= now && !keepsExpired(loc)) {
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
      into.addPut(key.hashCode());
      DiskLocation moved = new DiskLocation(into, offset, loc.length, offset + (loc.valueOffset - loc.offset),
          loc.valueLength, loc.expireAtMillis).unverifiedAs(loc);
      // Always true under the append lock; if it were not, the copy would simply be garbage.
      if (keydir.replace(key, loc, moved)) {
        into.liveBytes.addAndGet(moved.length);
        segment.liveBytes.addAndGet(-loc.length);
      }
    }
    deleteSegment(segment);
    relocations.increment();
  }

  /** Removes a segment from the log and deletes its file. Caller holds the append lock. */
  void deleteSegment(DiskSegment segment) {
    segment.deleted = true;
    segments.remove(segment.id, segment);
    try {
      Files.deleteIfExists(segment.path);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "Disk tier " + directory + ": cannot delete " + segment.path + ": " + e);
    }
  }

  /** Whether a segment older than {@code segment} may hold a put of a key of this hash. Caller holds the append lock. */
  boolean olderMayHoldPut(DiskSegment segment, int keyHash) {
    for (DiskSegment older : segments.headMap(segment.id, false).values()) {
      if (older.mayHoldPut(keyHash)) {
        return true;
      }
    }
    return false;
  }

  boolean isOldest(DiskSegment segment) {
    Map.Entry<Long, DiskSegment> first = segments.firstEntry();
    return first != null && first.getValue() == segment;
  }

  /**
   * Removes every entry by deleting every segment, oldest first (so a crash in the middle can bring back only
   * entries that were live before the clear, never one removed earlier), then starts a new segment.
   */
  void clear() {
    appendLock.lock();
    try {
      requireOpen();
      keydir.clear();
      long nextId = active.id + 1;
      for (DiskSegment segment : new ArrayList<>(segments.values())) {
        deleteSegment(segment);
      }
      startActive(nextId);
    } finally {
      appendLock.unlock();
    }
  }

  /** Asks the operating system to write the active segment to the device (survives a power loss then). */
  void force() {
    appendLock.lock();
    try {
      if (!closed) {
        forceQuietly(active);
      }
    } finally {
      appendLock.unlock();
    }
  }

  private void forceQuietly(DiskSegment segment) {
    try {
      segment.buffer.force();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Disk tier " + directory + ": cannot force " + segment.path + ": " + e);
    }
  }

  /** Marks the log closed and writes the active segment back; false if it was closed already. */
  boolean close() {
    appendLock.lock();
    try {
      if (closed) {
        return false;
      }
      closed = true;
      forceQuietly(active);
      return true;
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Whether an expired record that compaction or relocation meets is carried as if it were live, for the expiry
   * sweep to expire with its EXPIRED event (a listener wants it, and its value can be read back; a sweep is then
   * planned at once), rather than dropped and counted. Called under the append lock; never blocks.
   */
  boolean keepsExpired(DiskLocation loc) {
    ExpiredRemovals<?> removals = expiredRemovals;
    if (removals != null && removals.wanted() && readable.test(loc)) {
      removals.sweepSoon();
      return true;
    }
    return false;
  }
}

package io.goldylox.tier;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.cache.CacheException;

/**
 * One segment file of a {@link DiskTier} ({@code seg-<id>.log}, ids increase): its mapping and how much of it is
 * written and still live; and the naming and creation of segment files. The records it holds are laid out as the
 * {@link DiskTier} class comment describes.
 *
 * <p>Threads: {@link #end}, {@link #deleted} and (for the active segment) the mapping's contents change only under
 * the tier's append lock ({@link DiskLog#appendLock}), or at open by recovery before the tier is shared;
 * {@link #liveBytes} is an atomic that writers and recovery change. Readers read the mapping without a lock:
 * segment contents are never overwritten, and a mapping stays valid after its file is deleted (segments are never
 * unmapped). The compactor and metrics read {@link #end} and {@link #liveBytes} without a lock.
 */
final class DiskSegment {

  final long id;
  final Path path;
  volatile MappedByteBuffer buffer;
  final int capacity;
  /** Bytes written; changed under the append lock, read by the compactor and for metrics. */
  volatile int end;
  final AtomicLong liveBytes = new AtomicLong();
  /** Set under the append lock when the segment leaves the log's segments; its mapping stays valid for readers. */
  volatile boolean deleted;
  /** Set by compaction when a live record is larger than a segment (a tier reopened smaller): never compacted. */
  volatile boolean uncompactable;
  /**
   * Set by compaction when the segment holds a tombstone whose key cannot be read (its class refused): not
   * compacted while older segments remain, whose puts it may shadow, so it keeps its segment slot until it is the
   * oldest (a cost only while refused keys are on disk).
   */
  volatile boolean heldByTombstone;
  /**
   * The hash codes of the keys of the put records this segment holds, live or dead (an open-addressing set, 0 for
   * empty): whether a tombstone of a later segment may still shadow a put here. Changed under the append lock (or
   * by recovery, before the tier is shared) and read under it.
   */
  private int[] putHashes = new int[16];
  private int putHashCount;

  DiskSegment(long id, Path path, MappedByteBuffer buffer, int capacity) {
    this.id = id;
    this.path = path;
    this.buffer = buffer;
    this.capacity = capacity;
  }

  /** Records that this segment holds a put record of a key of hash {@code hash}. Caller holds the append lock. */
  void addPut(int hash) {
    int h = hash == 0 ? 1 : hash;
    if ((putHashCount + 1) * 2 > putHashes.length) {
      int[] old = putHashes;
      putHashes = new int[old.length * 2];
      putHashCount = 0;
      for (int e : old) {
        if (e != 0) {
          insert(e);
        }
      }
    }
    insert(h);
  }

  private void insert(int h) {
    int mask = putHashes.length - 1;
    for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
      if (putHashes[i] == h) {
        return;
      }
      if (putHashes[i] == 0) {
        putHashes[i] = h;
        putHashCount++;
        return;
      }
    }
  }

  /** Whether this segment may hold a put record of a key of hash {@code hash}. Caller holds the append lock. */
  boolean mayHoldPut(int hash) {
    int h = hash == 0 ? 1 : hash;
    int mask = putHashes.length - 1;
    for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
      if (putHashes[i] == h) {
        return true;
      }
      if (putHashes[i] == 0) {
        return false;
      }
    }
  }

  private static int mix(int h) {
    return (h * 0x9E3779B9) ^ (h >>> 16);
  }

  /**
   * Creates the segment file {@code id} in {@code directory}, preallocated (sparse) to {@code segmentBytes} and
   * mapped read-write.
   */
  static DiskSegment create(Path directory, long id, int segmentBytes) {
    // Channel operations close the channel if the thread is interrupted; a caller's interrupt must not break the
    // tier for everybody, so it is set aside while the file is created and restored afterwards.
    boolean interrupted = Thread.interrupted();
    Path file = path(directory, id);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, segmentBytes);
      return new DiskSegment(id, file, buffer, segmentBytes);
    } catch (IOException e) {
      throw new CacheException("Disk tier " + directory + ": cannot create segment " + file + ": " + e, e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The segment files of {@code dir}, in id order. */
  static List<Path> list(Path dir) throws IOException {
    List<Path> result = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(p -> id(p) >= 0).sorted((a, b) -> Long.compare(id(a), id(b))).forEach(result::add);
    }
    return result;
  }

  /** The id of a segment file, or -1 if {@code file} is not one. */
  static long id(Path file) {
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

  static Path path(Path directory, long id) {
    return directory.resolve(String.format("seg-%016d.log", id));
  }
}

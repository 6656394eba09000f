package io.goldylox.writebehind;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import javax.cache.CacheException;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The Chronicle Queue behind one write-behind journal: the appender shared by callers, new tailers for the
 * flusher and the replay, the cycle files (deleted once fully delivered, forced to disk on request), and a lock
 * file that keeps a second process (or a second cache in this one) off the same directory.
 *
 * <h2>Threads</h2>
 * Callers' threads and the flusher (retry records) append under {@link #appendLock}: a Chronicle appender is
 * single-threaded, and the lock is held only while one excerpt is copied into the mapped file, never while
 * anyone waits for I/O or for another thread's work. Tailers are confined to the thread that made them. The
 * syncer forces files through its own {@link FileChannel}s, outside the lock. {@link #cycleFiles} is written by
 * Chronicle's listener on whichever thread acquires a file, hence a concurrent map. The optional
 * {@link Pretoucher} is told of every append under the lock and never takes it.
 */
final class ChronicleJournal implements AutoCloseable {

  static final String LOCK_FILE = "goldylox-writebehind.lock";
  /**
   * Present while the journal holds nothing to deliver for sure: made by a close that left nothing
   * ({@link #markDelivered}), deleted when the journal is next opened for writing, before any append. A disk
   * tier that remembers this journal as a former one of its cache reads it (by this name, without loading
   * Chronicle) to tell a delivered journal from one that may hold writes.
   */
  static final String DELIVERED_FILE = "goldylox-writebehind.delivered";
  /** The roll cycle of every production journal: a new cycle file each hour, so delivered hours can be deleted. */
  static final String DEFAULT_ROLL_CYCLE = "FAST_HOURLY";
  private static final System.Logger LOG = System.getLogger(ChronicleJournal.class.getName());
  /** Opening attempts when Chronicle-Core's thread-local race strikes (see {@link #open}). */
  private static final int OPEN_ATTEMPTS = 3;

  final Path directory;
  private final SingleChronicleQueue queue;
  private final RollCycle rollCycle;
  private final ReentrantLock appendLock = new ReentrantLock();
  /** Guarded by appendLock. */
  private final ExcerptAppender appender;
  /** Guarded by appendLock: the record being appended, copied into the journal in one excerpt. */
  private final Bytes<?> buffer = Bytes.allocateElasticOnHeap(256);
  /** Cycle number to file, for every cycle file acquired since open. */
  private final Map<Integer, File> cycleFiles = new ConcurrentSkipListMap<>();
  private final FileChannel lockChannel;
  private final FileLock lock;
  /** Guarded by appendLock: set by {@link #seal}. */
  private boolean sealed;
  /** Guarded by appendLock; null without one. */
  private Pretoucher pretoucher;
  private boolean closed;

  private ChronicleJournal(Path directory, String rollCycleName) {
    this.directory = directory;
    this.rollCycle = rollCycle(rollCycleName);
    FileChannel channel = null;
    FileLock acquired = null;
    try {
      Files.createDirectories(directory);
      channel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      acquired = channel.tryLock();
      if (acquired == null) {
        throw new CacheException("The write-behind journal " + directory + " is in use by another process");
      }
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel);
      throw new CacheException("The write-behind journal " + directory
          + " is already open in this JVM (two caches cannot share one journal)", e);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new CacheException("Cannot open the write-behind journal " + directory + ": " + e, e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
    this.lockChannel = channel;
    this.lock = acquired;
    SingleChronicleQueue built = null;
    try {
      built = SingleChronicleQueueBuilder.binary(directory)
          .rollCycle(rollCycle)
          .checkInterrupts(false)
          .storeFileListener(new StoreFileListener() {
            @Override
            public void onAcquired(int cycle, File file) {
              cycleFiles.put(cycle, file);
            }

            @Override
            public void onReleased(int cycle, File file) {
              // Files are deleted by deleteCyclesBelow, which knows what was delivered.
            }
          })
          .build();
      this.appender = built.createAppender();
      // Both are used by many threads, one at a time under appendLock.
      appender.singleThreadedCheckDisabled(true);
      buffer.singleThreadedCheckDisabled(true);
    } catch (RuntimeException | Error e) {
      if (built != null) {
        built.close();
      }
      releaseLock();
      throw new CacheException("Cannot open the write-behind journal " + directory + ": " + e, e);
    }
    this.queue = built;
  }

  /**
   * Opens (or creates) the journal in {@code directory}.
   *
   * @param rollCycleName a {@code RollCycles} or {@code TestRollCycles} constant: {@link #DEFAULT_ROLL_CYCLE} in
   *     production, shorter in tests
   */
  static ChronicleJournal open(Path directory, String rollCycleName) {
    for (int attempt = 1; ; attempt++) {
      try {
        return new ChronicleJournal(directory, rollCycleName);
      } catch (CacheException e) {
        if (attempt == OPEN_ATTEMPTS || !isChronicleThreadLocalRace(e)) {
          throw e;
        }
        // Nothing was written: the failed attempt closed its queue and released the directory lock.
        LOG.log(System.Logger.Level.WARNING, "Opening the write-behind journal " + directory + " met a race inside"
            + " Chronicle-Core's CleaningThreadLocal (a ConcurrentModificationException); trying again");
      }
    }
  }

  /**
   * Chronicle-Core's {@code CleaningThreadLocal} sweeps other threads' values when one is created, iterating a map
   * that another thread's Chronicle call can change: opening a queue then fails with a
   * {@code ConcurrentModificationException} now and then (Chronicle-Core reworked that sweep upstream, CORE-60).
   * Opening again is safe; the attempts are bounded.
   */
  static boolean isChronicleThreadLocalRace(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.util.ConcurrentModificationException) {
        for (StackTraceElement frame : cause.getStackTrace()) {
          if (frame.getClassName().startsWith("net.openhft.chronicle.core.threads.CleaningThreadLocal")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static RollCycle rollCycle(String name) {
    for (RollCycles cycle : RollCycles.values()) {
      if (cycle.name().equals(name)) {
        return cycle;
      }
    }
    for (TestRollCycles cycle : TestRollCycles.values()) {
      if (cycle.name().equals(name)) {
        return cycle;
      }
    }
    throw new IllegalArgumentException("Unknown Chronicle roll cycle " + name);
  }

  /**
   * Appends one operation as one excerpt and returns its index. No fsync; the bytes are in the page cache when
   * this returns.
   *
   * @throws Pretoucher.DiskFullException when the disk is full, before anything is written
   * @throws RuntimeException or {@link InternalError} (a fault writing a mapped page of a full disk) on failure
   */
  long append(byte kind, long sequence, long createdMillis, int attempts, long dueMillis, byte[] key,
      byte[] value) {
    return append(kind, sequence, createdMillis, attempts, dueMillis, key, value, null);
  }

  /** Runs under the append lock right after an append; what it returns, {@link #append} returns. */
  @FunctionalInterface
  interface AppendHook {
    long appended(long index);
  }

  /**
   * As {@link #append(byte, long, long, int, long, byte[], byte[])}, then runs {@code hook} (unless null) with the
   * new index, still under the append lock, and returns what it returns: hooks run in journal order.
   *
   * @throws IllegalStateException after {@link #seal} or {@link #close}, before anything is written
   */
  long append(byte kind, long sequence, long createdMillis, int attempts, long dueMillis, byte[] key,
      byte[] value, AppendHook hook) {
    appendLock.lock();
    try {
      if (closed || sealed) {
        throw new IllegalStateException("the journal is closed");
      }
      buffer.clear();
      JournalRecord.write(buffer, kind, sequence, createdMillis, attempts, dueMillis, key, value);
      Pretoucher room = pretoucher;
      if (room != null) {
        // On a full disk, refuses the append before Chronicle writes anything (see Pretoucher).
        room.checkRoom(buffer.readRemaining());
      }
      try {
        appender.writeBytes(buffer);
      } catch (InternalError e) {
        if (room != null) {
          room.faulted(e); // Chronicle met a page it could not allocate: fail fast until room is confirmed
        }
        throw e;
      }
      if (room != null) {
        room.appended(appender);
      }
      long index = appender.lastIndexAppended();
      return hook == null ? index : hook.appended(index);
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Refuses every later append; returns once no append is in progress. A closing journal seals before its flusher
   * drains, so that every append that succeeded is one the drain sees.
   */
  void seal() {
    appendLock.lock();
    try {
      sealed = true;
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Creates the pretoucher of this journal (not started); appends inform it from now on. Called once, by the
   * opening thread, before any append.
   */
  Pretoucher pretoucher(String cacheName) {
    appendLock.lock();
    try {
      pretoucher = new Pretoucher(queue, directory, cacheName);
      return pretoucher;
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * A new tailer positioned at the first record whose index is at least {@code position} (-1: the start). To be
   * used by the calling thread only.
   */
  ExcerptTailer tailerAt(long position) {
    ExcerptTailer tailer = queue.createTailer();
    if (position < 0) {
      tailer.toStart();
      return tailer;
    }
    if (tailer.moveToIndex(position)) {
      return tailer;
    }
    // The position may be one past the last record of its cycle (everything before it delivered): stand on
    // that last record and step over it.
    if (rollCycle.toSequenceNumber(position) > 0 && tailer.moveToIndex(position - 1)) {
      try (DocumentContext dc = tailer.readingDocument()) {
        if (dc.isPresent() && dc.index() >= position) {
          dc.rollbackOnClose();
        }
      }
      return tailer;
    }
    // Otherwise walk from the start: correct whatever Chronicle's index says, and only old cycles are skipped.
    tailer.toStart();
    while (true) {
      try (DocumentContext dc = tailer.readingDocument()) {
        if (!dc.isPresent()) {
          break;
        }
        if (dc.index() >= position) {
          dc.rollbackOnClose();
          break;
        }
      }
    }
    return tailer;
  }

  /** The cycle a journal index belongs to. */
  int cycleOf(long index) {
    return rollCycle.toCycle(index);
  }

  /**
   * Deletes the cycle files that hold only records below {@code position}, i.e. files older than the one holding
   * {@code position}. Returns the number deleted. Called by the flusher after a checkpoint.
   */
  int deleteCyclesBelow(long position) {
    if (position < 0) {
      return 0;
    }
    File keep = cycleFiles.get(cycleOf(position));
    if (keep == null) {
      return 0; // the cycle holding the position was never acquired here: nothing known to be older.
    }
    String keepName = keep.getName();
    int deleted = 0;
    // Cycle file names are fixed-width dates, so names order as cycles do.
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SingleChronicleQueue.SUFFIX)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.compareTo(keepName) < 0) {
          Files.deleteIfExists(file);
          deleted++;
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "Cannot delete delivered write-behind cycle files in " + directory, e);
    }
    if (deleted > 0) {
      cycleFiles.keySet().removeIf(cycle -> cycleFiles.get(cycle) != null
          && cycleFiles.get(cycle).getName().compareTo(keepName) < 0);
      queue.refreshDirectoryListing();
    }
    return deleted;
  }

  /** Forces the newest cycle files to disk (durability OS); called by the syncer, outside the append lock. */
  void force() {
    Object[] cycles = ((ConcurrentSkipListMap<Integer, File>) cycleFiles).descendingMap().values().toArray();
    // The newest cycle is being appended to; the one before may have received its last records since the
    // previous sync.
    for (int i = 0; i < Math.min(2, cycles.length); i++) {
      File file = (File) cycles[i];
      try (FileChannel channel = FileChannel.open(file.toPath(), StandardOpenOption.WRITE)) {
        channel.force(false);
      } catch (IOException e) {
        if (file.exists()) {
          LOG.log(System.Logger.Level.WARNING, "Cannot force the write-behind journal file " + file, e);
        }
      }
    }
    Checkpoint.forceDirectory(directory);
  }

  @Override
  public void close() {
    close(false);
  }

  /**
   * Closes the journal and, before its lock is released, deletes its files: the cycle files, their table and the
   * checkpoint. For a journal found empty ({@code Drain}); no other process can open it in between, since the
   * lock is held until they are gone. The lock file stays: deleting a lock file that another process may have
   * opened and be waiting on would let two processes each hold a lock. Returns the files it could not delete.
   */
  List<Path> closeAndRemoveFiles() {
    return close(true);
  }

  /**
   * Deletes the mark of a delivered journal: called when the journal is opened for writing, before any append
   * can be acknowledged. Failing to delete it fails the open, since a mark left behind would hide writes.
   */
  void clearDelivered() {
    try {
      Files.deleteIfExists(directory.resolve(DELIVERED_FILE));
    } catch (IOException e) {
      throw new CacheException("Cannot delete " + directory.resolve(DELIVERED_FILE) + ": " + e, e);
    }
  }

  /** Marks the journal delivered: called by a close that left nothing to deliver, before the lock is released. */
  void markDelivered() {
    try {
      Files.write(directory.resolve(DELIVERED_FILE), new byte[0]);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "Cannot mark " + directory + " delivered: " + e); // only a WARN more
    }
  }

  private List<Path> close(boolean removeFiles) {
    List<Path> left = new ArrayList<>();
    appendLock.lock();
    try {
      if (closed) {
        return left;
      }
      closed = true;
      try {
        if (pretoucher != null) {
          pretoucher.stop(); // it holds references into the queue's files: released before the queue closes
        }
        appender.close();
      } finally {
        try {
          queue.close();
          if (removeFiles) {
            removeFiles(left);
          }
        } finally {
          releaseLock();
        }
      }
    } finally {
      appendLock.unlock();
    }
    return left;
  }

  private void removeFiles(List<Path> left) {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "{*.cq4,*.cq4t,"
        + Checkpoint.FILE + "*," + DELIVERED_FILE + "}")) {
      for (Path file : files) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          left.add(file);
        }
      }
    } catch (IOException e) {
      left.add(directory);
    }
  }

  private void releaseLock() {
    try {
      if (lock != null && lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      // The channel close below releases it anyway.
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Nothing more to release.
      }
    }
  }

  @Override
  public String toString() {
    return directory.toString();
  }
}

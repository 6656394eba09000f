package io.goldylox.writebehind;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * A look at a journal that no cache has open, for {@link Drain}: it counts the operations from the checkpoint
 * on, which are the ones the next open replays, and keeps the first few records so that their bytes can be
 * checked against a serializer. While it is open it holds the journal's lock file, so no process can open the
 * journal (nor write its dead letters) meanwhile. It reads with its own tailer and writes nothing. One thread.
 */
final class JournalInspection implements AutoCloseable {

  /** How many of the first pending operations are kept for {@link #first()}. */
  static final int SAMPLE = 16;

  private final ChronicleJournal journal;
  private final long operations;
  private final List<JournalRecord> first;
  /** When the oldest and the newest pending operation were made (wall clock); 0 when there is none. */
  private final long oldestMillis;
  private final long newestMillis;

  private JournalInspection(ChronicleJournal journal, long operations, List<JournalRecord> first,
      long oldestMillis, long newestMillis) {
    this.journal = journal;
    this.operations = operations;
    this.first = first;
    this.oldestMillis = oldestMillis;
    this.newestMillis = newestMillis;
  }

  /**
   * Opens the journal in {@code directory} (which must exist: opening creates a missing one) and reads it.
   *
   * @throws DrainException if another process holds the journal's lock file
   * @throws javax.cache.CacheException if the journal cannot be opened or read
   */
  static JournalInspection open(Path directory) {
    ChronicleFlags.prepare();
    refuseIfLocked(directory);
    ChronicleJournal journal = ChronicleJournal.open(directory, ChronicleJournal.DEFAULT_ROLL_CYCLE);
    try {
      long position = new Checkpoint(directory, false).read();
      Set<Long> sequences = new HashSet<>();
      List<JournalRecord> first = new ArrayList<>();
      long oldest = 0;
      long newest = 0;
      ExcerptTailer tailer = journal.tailerAt(position);
      try {
        while (true) {
          try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
              break;
            }
            JournalRecord record = JournalRecord.read(dc.wire().bytes(), dc.index(), journal);
            oldest = oldest == 0 ? record.createdMillis : Math.min(oldest, record.createdMillis);
            newest = Math.max(newest, record.createdMillis);
            // An operation and its retry records share a sequence: it is one operation to deliver.
            if (sequences.add(record.sequence) && first.size() < SAMPLE) {
              first.add(record);
            }
          }
        }
      } finally {
        tailer.close();
      }
      return new JournalInspection(journal, sequences.size(), first, oldest, newest);
    } catch (RuntimeException | Error e) {
      journal.close();
      throw e;
    }
  }

  /**
   * Refuses a journal whose lock file another process holds: that process is alive and delivers the journal
   * itself. (The journal's own open refuses it too; this check names the lock file.) The probe is released
   * before the journal takes the lock for real.
   */
  private static void refuseIfLocked(Path directory) {
    Path lockFile = directory.resolve(ChronicleJournal.LOCK_FILE);
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw new DrainException(Drain.EXIT_ERROR, "The write-behind journal " + directory + " is in use by"
            + " another process: it holds the journal's lock file " + lockFile + ". Drain only the journal of a"
            + " node that is stopped; a running node delivers its journal itself.");
      }
      lock.release();
    } catch (OverlappingFileLockException e) {
      throw new DrainException(Drain.EXIT_ERROR, "The write-behind journal " + directory + " is open in this JVM");
    } catch (IOException e) {
      throw new DrainException(Drain.EXIT_ERROR, "Cannot open the lock file " + lockFile + " of the write-behind"
          + " journal: " + e);
    }
  }

  /** The operations the next open replays: distinct operations from the checkpoint on. */
  long operations() {
    return operations;
  }

  /** When the pending operations were made, for messages: "made between ... and ... (the newest ... ago)". */
  String made() {
    long age = System.currentTimeMillis() - newestMillis;
    return "made between " + java.time.Instant.ofEpochMilli(oldestMillis) + " and "
        + java.time.Instant.ofEpochMilli(newestMillis) + " (the newest " + io.goldylox.internal.Durations.describe(age)
        + " ago)";
  }

  /** The first pending operations (at most {@link #SAMPLE}), one record each, in journal order. */
  List<JournalRecord> first() {
    return first;
  }

  @Override
  public void close() {
    journal.close();
  }

  /**
   * Closes the journal and deletes its files before its lock is released ({@link ChronicleJournal#closeAndRemoveFiles});
   * only for a journal found empty. Returns the files that could not be deleted.
   */
  List<Path> closeAndRemoveFiles() {
    return journal.closeAndRemoveFiles();
  }
}

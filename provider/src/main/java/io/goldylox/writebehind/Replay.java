package io.goldylox.writebehind;

import io.goldylox.serialization.Serializer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Rebuilds, when a journal is opened, what the previous run left unresolved: one scan of every record from the
 * checkpoint on, on the opening thread, before the flusher starts and before the cache serves a read.
 *
 * <p>The scan folds the records into a {@link Backlog} (coalesced per key when the cache coalesces), which the
 * flusher then delivers without reading those records again; publishes the newest operation of every key in the
 * pending index, so reads see the unacknowledged writes (read-your-writes) while the flusher delivers them; and
 * finds the highest sequence, above which new operations continue. Only the value of each key's newest operation
 * is decoded here: a backlog of N operations over K keys costs N key decodings and K value decodings.
 */
final class Replay<K, V> {

  private static final System.Logger LOG = System.getLogger(Replay.class.getName());

  final Backlog<K, V> backlog;
  /** Records whose key cannot be decoded: the flusher dead-letters them first. */
  final List<JournalRecord> unreadable = new ArrayList<>();
  /** Keys whose newest value cannot be decoded: the flusher dead-letters their operations. */
  long unreadableValues;
  /**
   * Without coalescing: earlier puts (not a key's newest operation) whose value cannot be decoded. Each is
   * delivered on its own, so the flusher would dead-letter it; counted here so that {@code on-incompatible = fail}
   * refuses to open for them too.
   */
  long unreadableEarlierValues;
  /** When the oldest and the newest unresolved operation were made (wall clock); 0 when there is none. */
  long oldestMillis;
  long newestMillis;
  /** Why the first record that cannot be read back could not, or null. */
  RuntimeException firstFailure;
  long maxSequence;
  /** Journaled operations found unresolved. */
  long operations;
  /** The index just after the last record read; the checkpoint when there was none. */
  long nextUnread;

  private Replay(Backlog<K, V> backlog, long position) {
    this.backlog = backlog;
    this.nextUnread = position;
  }

  @SuppressWarnings("unchecked")
  /**
   * @param logUnreadable whether records that cannot be read back are logged as going to the dead letters (else
   *     the caller refuses to open and says so itself)
   */
  static <K, V> Replay<K, V> run(ChronicleJournal journal, long position, Serializer serializer,
      ClassLoader loader, ConcurrentHashMap<K, Pending<V>> pending, boolean coalesce, int lanes,
      boolean logUnreadable) {
    Replay<K, V> replay = new Replay<>(new Backlog<>(coalesce, pending, lanes), position);
    ExcerptTailer tailer = journal.tailerAt(position);
    try {
      while (true) {
        JournalRecord record;
        try (DocumentContext dc = tailer.readingDocument()) {
          if (!dc.isPresent()) {
            break;
          }
          record = JournalRecord.read(dc.wire().bytes(), dc.index(), journal);
        }
        replay.nextUnread = record.index + 1;
        replay.oldestMillis = replay.oldestMillis == 0 ? record.createdMillis
            : Math.min(replay.oldestMillis, record.createdMillis);
        replay.newestMillis = Math.max(replay.newestMillis, record.createdMillis);
        replay.maxSequence = Math.max(replay.maxSequence, record.sequence);
        K key;
        try {
          key = (K) serializer.deserialize(record.key, loader);
        } catch (RuntimeException e) {
          replay.firstFailure = replay.firstFailure == null ? e : replay.firstFailure;
          if (replay.unreadable.isEmpty() && logUnreadable) { // one line per replay: the count in the summary
            LOG.log(System.Logger.Level.WARNING, "Cannot read back the key of a write-behind operation in "
                + journal + " (" + e + "); it goes to the dead-letter journal");
          }
          replay.unreadable.add(record);
          continue;
        }
        replay.backlog.add(record, key);
      }
    } finally {
      tailer.close();
    }
    replay.backlog.takeFolded(); // folded at open: not "coalesced" by this run's flusher
    for (Backlog.Slot<K, V> slot : replay.backlog.slots()) {
      JournalRecord newest = slot.newest();
      V value = null;
      if (!newest.isDelete()) {
        try {
          value = (V) serializer.deserialize(newest.value, loader);
        } catch (RuntimeException e) {
          // The flusher meets the same failure and dead-letters the operation; reads just do not see it.
          replay.firstFailure = replay.firstFailure == null ? e : replay.firstFailure;
          if (replay.unreadableValues++ == 0 && logUnreadable) { // one line per replay, with the count below
            LOG.log(System.Logger.Level.WARNING, "Cannot read back a write-behind value in " + journal + " (" + e
                + "); the operation goes to the dead-letter journal");
          }
          // No pending entry for the key: a live write starts its count at 1. This makes the slot's first claim
          // of such a write settle the replayed operations too.
          slot.settledBase = -slot.operations;
          continue;
        }
        if (newest == slot.record) {
          slot.value = value;
          slot.decoded = true;
        }
      }
      if (!coalesce) {
        replay.checkEarlierValues(slot, newest, serializer, loader, journal, logUnreadable);
      }
      long operations = slot.operations + (slot.later == null ? 0 : slot.later.size());
      pending.put(slot.key, new Pending<>(newest.sequence, value, newest.key, newest.value, newest.index,
          newest.createdMillis, operations, slot.firstCreatedMillis, true));
    }
    if (replay.unreadableCount() > 1 && logUnreadable) {
      LOG.log(System.Logger.Level.WARNING, "Replaying " + journal + ": " + replay.unreadable.size()
          + " operations whose key and " + replay.unreadableValues + " keys whose newest value cannot be read"
          + " back (as above)" + (replay.unreadableEarlierValues == 0 ? ""
              : ", and " + replay.unreadableEarlierValues + " earlier puts whose value cannot,")
          + " go to the dead-letter journal");
    }
    replay.operations = replay.backlog.operations() + replay.unreadable.size();
    return replay;
  }

  /** Operations and keys that cannot be read back: what {@code on-incompatible} decides about. */
  long unreadableCount() {
    return unreadable.size() + unreadableValues + unreadableEarlierValues;
  }

  /**
   * Without coalescing every operation of a key is delivered, not only its newest: decodes the values of the
   * earlier puts, so one that cannot be read back is found at open rather than dead-lettered by the flusher.
   */
  private void checkEarlierValues(Backlog.Slot<K, V> slot, JournalRecord newest, Serializer serializer,
      ClassLoader loader, ChronicleJournal journal, boolean logUnreadable) {
    List<JournalRecord> earlier = new ArrayList<>();
    earlier.add(slot.record);
    if (slot.later != null) {
      earlier.addAll(slot.later);
    }
    for (JournalRecord record : earlier) {
      if (record == newest || record.isDelete()) {
        continue;
      }
      try {
        serializer.deserialize(record.value, loader);
      } catch (RuntimeException e) {
        firstFailure = firstFailure == null ? e : firstFailure;
        if (unreadableEarlierValues++ == 0 && logUnreadable) {
          LOG.log(System.Logger.Level.WARNING, "Cannot read back the value of an earlier put in " + journal + " ("
              + e + "); the operation goes to the dead-letter journal");
        }
      }
    }
  }
}

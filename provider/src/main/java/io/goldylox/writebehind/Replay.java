package io.goldylox.writebehind;

import io.goldylox.serialization.Serializer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Rebuilds, when a journal is opened, what the previous run left unresolved: every record from the checkpoint on.
 * Runs on the opening thread before the flusher starts.
 *
 * <p>It fills the pending index (per key, the operation with the highest sequence), counts the distinct
 * operations (the journal lag), finds the highest sequence (new operations continue above it), and notes which
 * operations have several records in range (an operation and its retries): the flusher delivers only the last
 * one of each.
 */
final class Replay {

  private static final System.Logger LOG = System.getLogger(Replay.class.getName());

  long maxSequence;
  long operations;
  /** Sequence to the index of its last record, for sequences with more than one record in range. */
  final Map<Long, Long> staleBelow = new HashMap<>();
  /** Key to the highest sequence among its retry records in range (see {@link Flusher}'s pins). */
  final Map<Object, Long> retrying = new HashMap<>();

  private Replay() {}

  @SuppressWarnings("unchecked")
  static <K, V> Replay run(ChronicleJournal journal, long position, Serializer serializer, ClassLoader loader,
      ConcurrentHashMap<K, Pending<V>> pending) {
    Replay replay = new Replay();
    Map<Long, Long> lastIndex = new HashMap<>();
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
        replay.maxSequence = Math.max(replay.maxSequence, record.sequence);
        if (lastIndex.put(record.sequence, record.index) != null) {
          replay.staleBelow.put(record.sequence, record.index);
        }
        K key;
        V value;
        try {
          key = (K) serializer.deserialize(record.key, loader);
          value = record.value == null ? null : (V) serializer.deserialize(record.value, loader);
        } catch (RuntimeException e) {
          // The flusher meets the same record and dead-letters it; reads just do not see it meanwhile.
          LOG.log(System.Logger.Level.WARNING, "Cannot read back a write-behind operation in " + journal
              + " (" + e + "); it will go to the dead-letter journal");
          continue;
        }
        if (record.attempts > 0) {
          replay.retrying.merge(key, record.sequence, Math::max);
        }
        Pending<V> candidate = new Pending<>(record.sequence, value);
        pending.merge(key, candidate, (old, nu) -> nu.sequence() >= old.sequence() ? nu : old);
      }
    } finally {
      tailer.close();
    }
    replay.operations = lastIndex.size();
    return replay;
  }
}

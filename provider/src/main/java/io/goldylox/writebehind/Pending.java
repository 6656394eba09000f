package io.goldylox.writebehind;

/**
 * The last operation on a key that the writer has not yet acknowledged: a value put, or a tombstone for a
 * delete. The cache consults it so that a read sees an unflushed write even after the entry left every tier,
 * and does not load an older value from the store. With coalescing it is also what the flusher delivers: when
 * it comes to a key it takes the key's {@code Pending}, so it never reads the journal for live operations.
 *
 * <p>Immutable but for {@link #claimed}. The value is the object handed to {@link WriteBehindJournal#put} (or,
 * after a restart, the one read back from the journal): the cache must not give it to a caller that could mutate
 * it when it stores by value. The writer gets a copy decoded from {@link #valueBytes}, the bytes journaled.
 *
 * <p>Threads: created by a caller (inside its key's atomic step, under the journal's append lock) or by the
 * replay; read by any reader; {@link #claimed} is set by the flusher and read by the key's next writer.
 *
 * @param <V> the value type
 */
public final class Pending<V> {

  private final long sequence;
  private final V value;
  /** The journaled key bytes (for a dead letter). */
  final byte[] keyBytes;
  /** The journaled value bytes; null for a delete. */
  final byte[] valueBytes;
  /** The journal index of this operation. */
  final long index;
  /** When the operation was made (epoch ms). */
  final long createdMillis;
  /**
   * Operations on the key since it last had no pending entry, this one included: the flusher settles the
   * difference between two deliveries' counts, so the lag counts every journaled operation once.
   */
  final long operations;
  /**
   * When the oldest operation of the key that the flusher has not taken yet was made (epoch ms): this one's time
   * if the previous pending entry was taken (claimed) already, else the previous entry's. The flusher's
   * {@code max-delay} counts from it.
   */
  final long unclaimedSinceMillis;
  /** Whether the replay published this entry from the journal files (its bytes came from outside the process). */
  final boolean replayed;
  /** Set by the flusher when it takes this entry for delivery. */
  volatile boolean claimed;

  Pending(long sequence, V value) {
    this(sequence, value, null, null, -1L, 0L, 1L, 0L, false);
  }

  Pending(long sequence, V value, byte[] keyBytes, byte[] valueBytes, long index, long createdMillis,
      long operations, long unclaimedSinceMillis, boolean replayed) {
    this.replayed = replayed;
    this.sequence = sequence;
    this.value = value;
    this.keyBytes = keyBytes;
    this.valueBytes = valueBytes;
    this.index = index;
    this.createdMillis = createdMillis;
    this.operations = operations;
    this.unclaimedSinceMillis = unclaimedSinceMillis;
  }

  /** Whether the pending operation is a delete (the key has no value until it is written again). */
  public boolean isDelete() {
    return value == null;
  }

  /** The pending value, or {@code null} for a delete. */
  public V value() {
    return value;
  }

  /** The operation's journal-wide sequence number; a later operation on the key has a larger one. */
  long sequence() {
    return sequence;
  }

  /** The operation as the journal holds it (attempt counters zero), for delivery and dead letters. */
  JournalRecord toRecord() {
    return new JournalRecord(valueBytes == null ? JournalRecord.DELETE : JournalRecord.PUT, sequence,
        createdMillis, 0, 0L, keyBytes, valueBytes, index);
  }

  @Override
  public String toString() {
    return value == null ? "Pending[delete #" + sequence + "]" : "Pending[put #" + sequence + "]";
  }
}

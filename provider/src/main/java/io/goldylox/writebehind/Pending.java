package io.goldylox.writebehind;

/**
 * The last operation on a key that the writer has not yet acknowledged: a value put, or a tombstone for a
 * delete. The cache consults it so that a read sees an unflushed write even after the entry left every tier,
 * and does not load an older value from the store.
 *
 * <p>Immutable. The value is the object handed to {@link WriteBehindJournal#put} (or, after a restart, the one
 * read back from the journal): the cache must not give it to a caller that could mutate it when it stores by
 * value.
 *
 * @param <V> the value type
 */
public final class Pending<V> {

  private final long sequence;
  private final V value;

  Pending(long sequence, V value) {
    this.sequence = sequence;
    this.value = value;
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

  @Override
  public String toString() {
    return value == null ? "Pending[delete #" + sequence + "]" : "Pending[put #" + sequence + "]";
  }
}

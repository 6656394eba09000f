package io.goldylox.writebehind;

/**
 * One operation that the writer refused {@code max-attempts} times, as kept in the dead-letter journal.
 * Immutable.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class DeadLetter<K, V> {

  private final String cacheName;
  private final K key;
  private final V value;
  private final boolean delete;
  private final int attempts;
  private final long createdMillis;
  private final long failedMillis;
  private final String error;

  DeadLetter(String cacheName, K key, V value, boolean delete, int attempts, long createdMillis,
      long failedMillis, String error) {
    this.cacheName = cacheName;
    this.key = key;
    this.value = value;
    this.delete = delete;
    this.attempts = attempts;
    this.createdMillis = createdMillis;
    this.failedMillis = failedMillis;
    this.error = error;
  }

  public String cacheName() {
    return cacheName;
  }

  public K key() {
    return key;
  }

  /** The value that was to be written, or {@code null} for a delete. */
  public V value() {
    return value;
  }

  public boolean isDelete() {
    return delete;
  }

  public int attempts() {
    return attempts;
  }

  /** When the operation was first appended (epoch ms). */
  public long createdMillis() {
    return createdMillis;
  }

  /** When its last attempt failed (epoch ms). */
  public long failedMillis() {
    return failedMillis;
  }

  /** The last failure, as {@code Throwable.toString()}. */
  public String error() {
    return error;
  }

  @Override
  public String toString() {
    return "DeadLetter[" + cacheName + ", " + (delete ? "delete " : "put ") + key + ", attempts=" + attempts
        + ", error=" + error + "]";
  }
}

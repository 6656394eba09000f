package io.goldylox.benchmarks.engines;

/**
 * One key-value store under test, seen through the few calls the storage-engine workload needs: Long keys,
 * byte[] values. Each instance is created empty for one pass and closed (its files deleted) at the end of it.
 * Used by the harness thread only.
 */
interface Engine extends AutoCloseable {

  /** Maps {@code key} to {@code value}; the engine may keep the array (the harness never changes it). */
  void put(Long key, byte[] value);

  /** The value of {@code key}, or null. */
  byte[] get(Long key);

  /** The number of entries the engine says it holds. */
  long size();

  /** Entries the engine dropped on its own (eviction); must stay 0 in this workload. */
  default long evictions() {
    return 0;
  }

  /** The bytes the engine reports using for its data, or -1 when it does not tell. */
  long bytesUsed();

  /** Frees the engine's memory and deletes its files. */
  @Override
  void close();
}

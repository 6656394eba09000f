package io.goldylox.tier;

import java.util.Iterator;

/**
 * A tier below the heap: it holds values in serialized form ({@code byte[]}) with their wall-clock deadlines.
 *
 * <p>Keys stay Java objects in an on-heap index of each implementation (a {@code ConcurrentHashMap} from key to
 * the value's location), so a lookup costs one hash probe plus one copy of the value's bytes; only the disk tier
 * also serializes keys, into its log, to rebuild that index after a restart.
 *
 * <p>Contract, for any implementation (checked by {@code LowerTierContractTest}):
 * <ul>
 *   <li>Thread-safe. {@link #get} never takes a lock and never waits for another thread; mutations may take a
 *       short internal lock of the tier.</li>
 *   <li>Linearizable per key: a {@link #get} that starts after a {@link #put} or {@link #remove} returned sees its
 *       effect (or a later one).</li>
 *   <li>When full, {@link #put} evicts other entries to its {@link EvictionSink}, handing each one over before
 *       it stops listing it, so a concurrent reader that looks here and then at the sink's side never misses it.
 *       </li>
 *   <li>A value larger than the tier can ever hold is rejected ({@link PutResult#REJECTED_TOO_LARGE}) and
 *       counted in {@link #rejectedOversize()}; it never causes an {@code OutOfMemoryError}.</li>
 *   <li>{@link #keys()} is weakly consistent: no {@code ConcurrentModificationException}.</li>
 * </ul>
 *
 * @param <K> the key type
 */
public interface LowerTier<K> extends AutoCloseable {

  /** Sets where evicted entries go; called once, before the tier is shared. Default: discarded. */
  void evictionSink(EvictionSink<K> sink);

  /** The value of {@code key} (a private copy) with its deadline, or {@code null}. Expired values are returned. */
  StoredBytes get(K key);

  /** Maps {@code key} to {@code value} (the tier copies or takes the array; the caller must not change it). */
  PutResult put(K key, byte[] value, long expireAtMillis);

  /** Removes the mapping of {@code key}; whether there was one. */
  boolean remove(K key);

  /** Whether {@code key} is mapped (no copy of the value is made). */
  boolean containsKey(K key);

  /** The number of mappings. */
  long size();

  /** The bytes this tier currently uses for values (its allocation granularity and record overhead included). */
  long bytesUsed();

  /** The most bytes this tier may use. */
  long capacityBytes();

  /** Entries that did not fit at all ({@link PutResult#REJECTED_TOO_LARGE}). */
  long rejectedOversize();

  /** Entries this tier evicted to its sink. */
  long evictions();

  /** A weakly consistent iterator over the keys. */
  Iterator<K> keys();

  /** Removes every mapping, without handing anything to the sink. */
  void clear();

  /**
   * The earliest deadline among the entries this tier holds, {@link StoredEntry#ETERNAL} when none is mortal: what
   * a tier that outlives the process (the disk) tells the expiry sweep when its cache opens, so that entries found
   * at open expire, with their EXPIRED events, without waiting for a read. A scan; the default knows of nothing.
   */
  default long earliestDeadline() {
    return StoredEntry.ETERNAL;
  }

  /**
   * Sets what the tier does with expired entries its own work meets (compaction, relocation): kept for the sweep
   * while {@link ExpiredRemovals#wanted}, else dropped and counted. Called once, before the tier is shared; the
   * default does nothing (a tier with no such work).
   */
  default void expiredRemovals(ExpiredRemovals<K> removals) {}

  /** Frees the tier's memory or files' locks; the tier is unusable afterwards. Idempotent. */
  @Override
  void close();
}

package io.goldylox.tier;

/**
 * What a tiered cache's own workers do with an expired entry they meet (the mover demoting a cold entry or moving
 * an arrival on, the disk tier compacting or relocating a segment), so that it expires as a sweep or a read would
 * have expired it: with its EXPIRED event. Without it (or while no listener wants EXPIRED events) they drop the
 * entry and count it.
 *
 * <p>Implemented by the cache; called by the mover's thread and by the disk tier's compactor and writers. None of
 * the methods may block.
 *
 * @param <K> the key type
 */
public interface ExpiredRemovals<K> {

  /** What {@link #removed} returns for an entry it could not report (its value cannot be read back). */
  Runnable UNREADABLE = () -> { };

  /** Removals that never want events: tiers drop what they meet expired, and count it. */
  static <K> ExpiredRemovals<K> dropping() {
    return new ExpiredRemovals<>() {
      @Override
      public boolean wanted() {
        return false;
      }

      @Override
      public Runnable removed(K key, Object storedValue) {
        return UNREADABLE;
      }

      @Override
      public void sweepSoon() {}
    };
  }

  /** Whether an expired entry must be reported or kept for the sweep rather than dropped: a listener wants it. */
  boolean wanted();

  /**
   * Reports an expired entry that the mover removes, from inside the key's atomic step (the heap's lock of the
   * key): counts it and publishes its EXPIRED event. Returns what the mover must run once the key is released
   * (the synchronous listeners' deliveries), or {@code null}; {@link #UNREADABLE} if the value cannot be read back
   * for the event (nothing was published: the mover then drops the entry and counts it, as without a listener).
   *
   * @param storedValue the entry's stored form (for an entry below the heap, its bytes as a
   *     {@link io.goldylox.serialization.SerializedBytes})
   */
  Runnable removed(K key, Object storedValue);

  /**
   * Plans an expiry sweep now: a tier that cannot report from inside the key's step (the disk tier, under its own
   * lock) keeps the expired entry as if it were live and leaves it to the sweep.
   */
  void sweepSoon();
}

package io.goldylox.tier;

/**
 * Receives the entries a {@link LowerTier} evicts to make room: the next tier down, or, below the lowest tier,
 * "evicted from the cache" (a counted eviction).
 *
 * <p>Called by the evicting tier on the thread that caused the eviction, while that tier still lists the entry
 * (so a reader always finds it in one place or the other). Implementations must therefore be cheap and must not
 * call back into the evicting tier; they may not block.
 *
 * @param <K> the key type
 */
@FunctionalInterface
public interface EvictionSink<K> {

  /** A sink that forgets what it receives (a tier used on its own). */
  static <K> EvictionSink<K> discard() {
    return (key, bytes, expireAtMillis) -> { };
  }

  /**
   * Takes over an evicted entry.
   *
   * @param bytes the serialized value; the sink owns the array
   */
  void evicted(K key, byte[] bytes, long expireAtMillis);
}

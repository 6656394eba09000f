package io.goldylox.tier;

import io.goldylox.serialization.SerializedBytes;
import io.goldylox.serialization.Serializer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The places a key of a {@link TieredTier} can live, in the order a reader looks: the heap, {@code L0},
 * {@code transit0}, {@code L1}, ... (see the {@link TieredTier} class comment); the reader-order lookup and removal
 * below the heap; the turning of heap values into bytes for the tiers below; and the clear epoch.
 *
 * <p>Threads: shared by the callers and the mover of the tier. The heap's {@code compute} is the lock of a key in
 * every place; {@link #findLower} takes no lock; {@link #removeLower} is called inside the key's heap lock. The
 * clear epoch is incremented only by a clear and read by every background move (see {@link TieredTier#clear}).
 *
 * @param <K> the key type
 */
final class TierPlaces<K> {

  final ConcurrentHashMap<K, StoredEntry> heap = new ConcurrentHashMap<>();
  final List<LowerTier<K>> lowers;
  /** {@code transit_i} holds what {@code L_i} evicted on its way into {@code L_i+1}: one fewer than the tiers. */
  final List<TransitMap<K>> transits;
  private final Serializer serializer;
  /** Odd while a clear runs: a sequence lock for the background moves (see {@link TieredTier#clear}). */
  final AtomicLong clearEpoch = new AtomicLong();

  TierPlaces(List<? extends LowerTier<K>> lowerTiers, Serializer serializer) {
    this.lowers = List.copyOf(lowerTiers);
    this.serializer = serializer;
    List<TransitMap<K>> transitMaps = new ArrayList<>();
    for (int i = 0; i < lowers.size() - 1; i++) {
      transitMaps.add(new TransitMap<>());
    }
    this.transits = List.copyOf(transitMaps);
  }

  /** The first lower copy in reader order, or null. */
  StoredBytes findLower(K key) {
    for (int i = 0; i < lowers.size(); i++) {
      StoredBytes found = lowers.get(i).get(key);
      if (found != null) {
        return found;
      }
      if (i < transits.size()) {
        found = transits.get(i).get(key);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** Removes every lower copy, in reader order (see the {@link TieredTier} class comment for why it matters). */
  void removeLower(K key) {
    for (int i = 0; i < lowers.size(); i++) {
      lowers.get(i).remove(key);
      if (i < transits.size()) {
        transits.get(i).remove(key);
      }
    }
  }

  /** The bytes of a heap value: its own if it is {@link SerializedBytes}, else serialized (may throw). */
  byte[] toBytes(Object value) {
    if (value instanceof SerializedBytes) {
      return ((SerializedBytes) value).bytes();
    }
    return serializer.serialize(value);
  }

  static boolean clearing(long epoch) {
    return (epoch & 1) != 0;
  }
}

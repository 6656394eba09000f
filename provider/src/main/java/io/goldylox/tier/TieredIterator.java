package io.goldylox.tier;

import io.goldylox.serialization.SerializedBytes;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The iterator of a {@link TieredTier}: weakly consistent over all tiers. A pass visits the heap, then each lower
 * tier and transit map in reader order, skipping keys already returned (a set of the returned keys, kept for the
 * iterator's life). Downward moves follow the pass and cannot hide a key; an upward move can, so when any happened
 * during a pass (the {@link MoveCounters} changed), another pass follows (at most
 * {@value #MAX_ITERATION_PASSES}). Lower-tier values are read lazily, one at a time.
 *
 * <p>Threads: used by one caller thread; it takes no lock, and the tier's mover and other callers keep moving
 * entries while it runs.
 *
 * @param <K> the key type
 */
final class TieredIterator<K> implements Iterator<Map.Entry<K, StoredEntry>> {

  private static final int MAX_ITERATION_PASSES = 8;

  private final TierPlaces<K> places;
  private final ConcurrentHashMap<K, StoredEntry> heap;
  private final MoveCounters moves;
  private final Set<K> returned = new HashSet<>();
  private final List<Supplier<Iterator<K>>> lowerStages = new ArrayList<>();
  private int pass;
  private int stage = -1;
  private long passMoves;
  private Iterator<Map.Entry<K, StoredEntry>> heapIterator;
  private Iterator<K> keyIterator;
  private Map.Entry<K, StoredEntry> next;
  private boolean done;

  TieredIterator(TierPlaces<K> places, MoveCounters moves) {
    this.places = places;
    this.heap = places.heap;
    this.moves = moves;
    List<LowerTier<K>> lowers = places.lowers;
    List<TransitMap<K>> transits = places.transits;
    for (int i = 0; i < lowers.size(); i++) {
      LowerTier<K> lower = lowers.get(i);
      lowerStages.add(lower::keys);
      if (i < transits.size()) {
        TransitMap<K> transit = transits.get(i);
        lowerStages.add(transit::keys);
      }
    }
  }

  @Override
  public boolean hasNext() {
    while (next == null && !done) {
      advance();
    }
    return next != null;
  }

  @Override
  public Map.Entry<K, StoredEntry> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Map.Entry<K, StoredEntry> result = next;
    next = null;
    return result;
  }

  private void advance() {
    if (stage == -1) {
      passMoves = moves.snapshot();
      heapIterator = heap.entrySet().iterator();
      stage = 0;
    }
    if (stage == 0) {
      while (heapIterator.hasNext()) {
        Map.Entry<K, StoredEntry> mapping = heapIterator.next();
        if (returned.add(mapping.getKey())) {
          next = new AbstractMap.SimpleImmutableEntry<>(mapping.getKey(), mapping.getValue());
          return;
        }
      }
      stage = 1;
      keyIterator = null;
    }
    while (stage <= lowerStages.size()) {
      if (keyIterator == null) {
        keyIterator = lowerStages.get(stage - 1).get();
      }
      while (keyIterator.hasNext()) {
        K key = keyIterator.next();
        if (returned.contains(key)) {
          continue;
        }
        StoredEntry entry = heap.get(key);
        if (entry == null) {
          StoredBytes found = places.findLower(key);
          entry = found == null ? null
              : new StoredEntry(new SerializedBytes(found.bytes()), found.expireAtMillis());
        }
        if (entry != null) {
          returned.add(key);
          next = new AbstractMap.SimpleImmutableEntry<>(key, entry);
          return;
        }
      }
      stage++;
      keyIterator = null;
    }
    long now = moves.snapshot();
    if ((now == -1 || now != passMoves) && ++pass < MAX_ITERATION_PASSES) {
      stage = -1; // an upward move may have hidden a key from this pass
    } else {
      done = true;
    }
  }
}

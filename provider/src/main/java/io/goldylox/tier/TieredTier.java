package io.goldylox.tier;

import io.goldylox.serialization.SerializedBytes;
import io.goldylox.serialization.SerializationException;
import io.goldylox.serialization.Serializer;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A bounded heap over an ordered list of {@link LowerTier}s (typically off-heap, then disk), behind the one
 * {@link Tier} interface the cache uses.
 *
 * <h2>Overview</h2>
 * The heap is a {@code ConcurrentHashMap<K, StoredEntry>} of at most {@code maxHeapEntries} (with a bounded
 * overshoot, below). Tiers are exclusive: a key lives in exactly one place, so nothing has to be invalidated. The
 * places, in the order a reader looks: heap, {@code L0}, {@code transit0}, {@code L1}, ... where
 * {@code transit_i} is a small map holding entries that {@code L_i} evicted and that are on their way into
 * {@code L_i+1}. Values below the heap are bytes; an entry read from there reaches the cache as a
 * {@link StoredEntry} whose value is a {@link SerializedBytes}, which the cache's copier must decode with the same
 * {@link Serializer} this tier was given.
 *
 * <h2>The per-key lock</h2>
 * {@code heap.compute(key)} is the lock of a key in every tier, present or not (a {@code ConcurrentHashMap}
 * locks a reservation for an absent key). Every change of where a key lives happens under it, except one: a lower
 * tier evicting a victim to make room for another key (it cannot take the victim's heap lock while the mover
 * already holds another key's, as {@code ConcurrentHashMap} forbids nesting). That eviction is therefore made
 * safe differently: the lower tier, under its own lock, puts the victim into {@code transit_i} before it stops
 * listing it, and the key's later move from {@code transit_i} into {@code L_i+1} is again done under the key's
 * heap lock. Whoever removes a key from the lower tiers removes it in reader order ({@code L0} before
 * {@code transit0} before {@code L1}); an eviction is atomic with respect to {@code L0.remove}, so it either
 * happens before (the victim is then removed from {@code transit0}) or finds the key gone. Hence no stale copy
 * survives a remove: no resurrection.
 *
 * <h2>No false miss</h2>
 * {@link #get} takes no lock; it looks top-down and takes the first copy it finds. A move downwards (demotion,
 * eviction, transit flush) always writes the lower copy before removing the upper one, so a top-down reader
 * cannot miss it. A move upwards (a promotion, or a {@link #compute} that found the key below) removes the lower
 * copy inside its step but the heap shows the new mapping only when {@code compute} returns, so a reader can
 * miss both. Such moves are bracketed by a striped move counter (per key-hash stripe: in-flight count in the low
 * 32 bits, completed count above). A reader that misses everywhere re-reads its stripe's counter: if a move was
 * in flight or completed since it started, it looks again. If the miss was caused by an upward move M, the
 * reader's heap read preceded M's install and its lower read followed M's removal, so at the re-check M is either
 * still in flight or completed after the reader's first read: the retry is certain. Retries can repeat only while
 * other moves on the same stripe keep completing (lock-free, not wait-free).
 *
 * <h2>Promotion, demotion and the heap's bound</h2>
 * A hit below the heap never moves anything on the caller's thread: it leaves a {@linkplain PromotionHints hint},
 * and one background mover thread promotes the key. When the heap holds more than {@code maxHeapEntries}, the mover
 * demotes victims to the first lower tier that accepts them; what leaves the heap is chosen as Caffeine's
 * W-TinyLFU would ({@link HeapEvictionPolicy}). A caller's {@link #compute} never waits for demotion, but a writer
 * that outruns the mover past {@code maxHeapEntries + slack} demotes victims itself (see {@link TierMover}).
 * Demotion is not eviction: only an entry that leaves the last tier (or fits in none) is an eviction, counted in
 * {@link #evictions()}; expired entries met on the way down are dropped ({@link #expiredDropped()}).
 *
 * <h2>Threads</h2>
 * Callers: {@link #get} (lock-free), {@link #compute}, {@link #remove}, iteration ({@link TieredIterator}),
 * {@link #clear}. The mover ({@link TierMover}, thread {@code goldylox-tiers-<name>}): promotions, demotions,
 * transit flushes. Lower tiers' own threads (the disk compactor) work inside their tier. {@link #close()} stops the
 * mover, spills everything into the last tier when that is a {@link DiskTier} (so a clean close loses nothing), and
 * closes the lower tiers, which this tier owns.
 *
 * <p>This class holds the callers' paths and the accounting; the places a key can live are in
 * {@link TierPlaces}, the striped move counters of "No false miss" in {@link MoveCounters}.
 *
 * @param <K> the key type
 */
public final class TieredTier<K> implements Tier<K> {

  private static final System.Logger LOG = System.getLogger(TieredTier.class.getName());
  /** A key used at most this often lately is not promoted by a write while the heap is full. */
  private static final int COLD_USES = 1;

  private final String name;
  private final long maxHeapEntries;
  private final TierPlaces<K> places;
  private final ConcurrentHashMap<K, StoredEntry> heap;
  private final List<LowerTier<K>> lowers;
  private final List<TransitMap<K>> transits;
  private final MoveCounters moves = new MoveCounters();
  private final HeapEvictionPolicy<K> policy;
  private final AccessSketch sketch;
  private final PromotionHints<K> hints;
  private final TierMover<K> mover;

  private final LongAdder writtenBelow = new LongAdder();
  /** Lookups ({@link #get}) answered by the heap, by each lower tier (highest first), and by none. */
  private final LongAdder heapHits = new LongAdder();
  private final LongAdder[] lowerHits;
  private final LongAdder misses = new LongAdder();

  /**
   * Creates the tiers and starts the mover.
   *
   * @param name names the mover thread ({@code goldylox-tiers-<name>}), e.g. manager and cache name
   * @param maxHeapEntries the heap's bound (at least 1)
   * @param lowerTiers the tiers below the heap, highest first (may be empty: then the bound evicts); this tier
   *     sets their eviction sinks and closes them on {@link #close()}
   * @param serializer turns heap values into bytes on demotion; the cache must decode {@link SerializedBytes}
   *     with the same serializer
   */
  public TieredTier(String name, long maxHeapEntries, List<? extends LowerTier<K>> lowerTiers,
      Serializer serializer) {
    this(name, maxHeapEntries, lowerTiers, serializer, true);
  }

  /**
   * As the public constructor; with {@code startMover} false the mover never runs, so all moves are the callers'
   * own (backpressure) and promotions never happen. For tests of what writers do when the mover gets no CPU.
   */
  TieredTier(String name, long maxHeapEntries, List<? extends LowerTier<K>> lowerTiers, Serializer serializer,
      boolean startMover) {
    if (maxHeapEntries < 1) {
      throw new IllegalArgumentException("heap.max-entries must be at least 1, not " + maxHeapEntries);
    }
    this.name = Objects.requireNonNull(name, "name");
    this.maxHeapEntries = maxHeapEntries;
    long slack = Math.max(16, maxHeapEntries / 32);
    this.places = new TierPlaces<>(lowerTiers, Objects.requireNonNull(serializer, "serializer"));
    this.heap = places.heap;
    this.lowers = places.lowers;
    this.transits = places.transits;
    this.lowerHits = new LongAdder[lowers.size()];
    for (int i = 0; i < lowerHits.length; i++) {
      lowerHits[i] = new LongAdder();
    }
    this.policy = new HeapEvictionPolicy<>(heap, maxHeapEntries, slack);
    this.sketch = policy.sketch;
    this.hints = new PromotionHints<>((int) Math.min(64 * 1024, Math.max(64, maxHeapEntries)), this::wakeMover);
    this.mover = new TierMover<>(name, maxHeapEntries, slack, places, policy, hints, moves);
    if (startMover) {
      mover.start();
    }
  }

  private void wakeMover() {
    mover.wake();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reads

  @Override
  public StoredEntry get(Object key) {
    @SuppressWarnings("unchecked")
    K k = (K) key;
    int stripe = MoveCounters.stripe(key);
    for (;;) {
      long before = moves.get(stripe);
      StoredEntry entry = heap.get(key);
      if (entry != null) {
        sketch.record(key, true);
        heapHits.increment();
        return entry;
      }
      for (int i = 0; i < lowers.size(); i++) {
        StoredBytes found = lowers.get(i).get(k);
        if (found == null && i < transits.size()) {
          found = transits.get(i).get(k);
        }
        if (found != null) {
          sketch.record(key, false);
          lowerHits[i].increment();
          return hints.entryFor(k, found); // records a promotion hint
        }
      }
      long after = moves.get(stripe);
      if (before == after && (int) after == 0) {
        misses.increment(); // not recorded in the sketch: a miss is followed by a put, which is (as in Caffeine)
        return null; // no upward move of this stripe overlapped the lookup: a true miss
      }
      Thread.onSpinWait();
    }
  }

  /** Lookups answered by the heap. */
  public long heapHits() {
    return heapHits.sum();
  }

  /** Lookups answered by the lower tier at {@code index} (0 = the highest lower tier). */
  public long lowerHits(int index) {
    return lowerHits[index].sum();
  }

  /** Lookups that no tier could answer. */
  public long misses() {
    return misses.sum();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writes

  @Override
  public StoredEntry compute(
      K key, BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function) {
    int stripe = MoveCounters.stripe(key);
    boolean[] moving = new boolean[2]; // [0]: an upward move is in flight; [1]: the key is new in the heap
    StoredEntry[] keptBelow = new StoredEntry[1];
    StoredEntry result;
    try {
      result = heap.compute(key, (k, current) -> {
        if (current != null) {
          return function.apply(k, current); // exclusive tiers: nothing below to update
        }
        StoredBytes found = places.findLower(k);
        if (found == null) {
          moving[1] = true;
          return function.apply(k, null);
        }
        StoredEntry below = hints.entryOf(k, found);
        StoredEntry next = function.apply(k, below); // may throw: nothing below was touched yet
        if (next != null && staysBelow(k, found, below, next)) {
          keptBelow[0] = next;
          return null; // the heap keeps no mapping: the key lives below, as before
        }
        moving[1] = true;
        moves.begin(stripe);
        moving[0] = true;
        places.removeLower(k);
        hints.remove(k);
        return next;
      });
    } finally {
      if (moving[0]) {
        moves.end(stripe);
      }
    }
    if (keptBelow[0] != null) {
      sketch.record(key, false);
      // Its put below may have made that tier evict into a transit map, as a demotion does: the same backpressure.
      mover.drainTransitsOverLimit();
      return keptBelow[0];
    }
    if (result != null) {
      sketch.record(key, true);
      if (moving[1] && heap.mappingCount() > maxHeapEntries) {
        policy.admitLater(key); // a candidate for admission; while the heap is not full, every key is admitted
        mover.overBound();
      }
    }
    return result;
  }

  /**
   * Whether a step on a key found below the heap leaves it there instead of promoting it: when the heap is full
   * and the sketch has seen the key at most {@value #COLD_USES} times lately, admission would send it straight
   * back down, so promoting it would only cost a removal below, a victim's demotion and the key's own. Then an
   * unchanged entry (same object, same deadline) is left as it is, and a changed one (or one whose deadline
   * changed) replaces the old bytes in the tier that holds them: tiers are exclusive, so that is the only copy,
   * and readers see the old value or the new one. Called inside the key's heap lock. False (promote as usual)
   * when the key is in a transit map, the new value cannot be serialized or its tier does not take it.
   */
  private boolean staysBelow(K key, StoredBytes found, StoredEntry below, StoredEntry next) {
    if (lowers.isEmpty() || heap.mappingCount() < maxHeapEntries || sketch.frequency(key) > COLD_USES) {
      return false;
    }
    if (next == below && next.expireAtMillis() == found.expireAtMillis()) {
      return true; // read and left unchanged: nothing to write
    }
    byte[] bytes;
    try {
      bytes = places.toBytes(next.value());
    } catch (SerializationException e) {
      return false;
    }
    LowerTier<K> home = null;
    int homeIndex = -1;
    for (int i = 0; i < lowers.size(); i++) {
      if (lowers.get(i).containsKey(key)) {
        home = lowers.get(i);
        homeIndex = i;
        break;
      }
    }
    // In a transit map (between two tiers), or the tier refuses the new value: promote as usual.
    long deadline = next.expireAtMillis();
    if (home == null || home.put(key, bytes, deadline) != PutResult.STORED) {
      return false;
    }
    // The home tier may have evicted the key into its transit map between the check and the put (evictions do
    // not take the key's heap lock): that copy is older than the one just written, so drop it. But another
    // thread's put into the home tier may also have evicted the copy just written, already: that one must stay,
    // it is the only copy of the new value. Both cannot be told apart when they hold the same bytes and deadline;
    // then the transit copy is kept and the home tier's copy (if it still lists one) dropped, so the key lives in
    // one place, with the new value either way.
    for (int j = 0; j < transits.size(); j++) {
      TransitMap<K> transit = transits.get(j);
      if (j != homeIndex) {
        transit.remove(key); // not fed by the home tier: only an older copy can be there
        continue;
      }
      StoredBytes moved = transit.get(key);
      if (moved == null) {
        continue;
      }
      if (moved.expireAtMillis() == deadline && Arrays.equals(moved.bytes(), bytes)) {
        home.remove(key);
      } else {
        transit.remove(key, moved); // an older copy; a later eviction of the new one replaces it and stays
      }
    }
    hints.remove(key);
    writtenBelow.increment();
    return true;
  }

  @Override
  public boolean remove(K key, StoredEntry expected) {
    boolean[] removed = new boolean[1];
    heap.compute(key, (k, current) -> {
      if (current != null) {
        if (current == expected) {
          removed[0] = true;
          return null;
        }
        return current;
      }
      StoredBytes found = places.findLower(k);
      // A lower copy has no identity of its own: it is the expected entry if it holds the same bytes.
      if (found != null && expected != null && expected.value() instanceof SerializedBytes
          && Arrays.equals(((SerializedBytes) expected.value()).bytes(), found.bytes())) {
        places.removeLower(k);
        hints.remove(k);
        removed[0] = true;
      }
      return null;
    });
    return removed[0];
  }

  /**
   * Lets promotions decode values back into objects, for a cache whose heap holds the callers' objects (store by
   * reference) and whose expiry never moves a deadline on access. Without it a promoted entry keeps its bytes,
   * and every heap hit on it deserializes them again. With it the mover deserializes once, off the callers'
   * path. The access-expiry condition is there because readers may move the deadline of the promotion hint's
   * entry without a lock: that object itself must then be the one promoted.
   *
   * @param decoder turns stored bytes into the object the cache stores (may throw: the bytes are then kept)
   */
  public void decodeOnPromotion(Function<byte[], Object> decoder) {
    mover.decodeOnPromotion(decoder);
  }

  @Override
  public void attachExpiredRemovals(ExpiredRemovals<K> removals) {
    mover.expiredRemovals(removals);
    for (LowerTier<K> lower : lowers) {
      lower.expiredRemovals(removals);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Iteration, size, clear, close

  /** The earliest deadline among the lower tiers' entries (at open: a disk tier's recovered entries). */
  @Override
  public long earliestDeadline() {
    long earliest = StoredEntry.ETERNAL;
    for (LowerTier<K> lower : lowers) {
      earliest = Math.min(earliest, lower.earliestDeadline());
    }
    return earliest;
  }

  /** Weakly consistent over all tiers; see {@link TieredIterator}. */
  @Override
  public Iterator<Map.Entry<K, StoredEntry>> iterator() {
    return new TieredIterator<>(places, moves);
  }

  /**
   * Mappings in all tiers: an estimate while the mover runs, as {@code ConcurrentHashMap.mappingCount} is (an
   * entry in the middle of a move may be counted twice, or a removal that finished just before a clear still be
   * counted, for an instant).
   */
  @Override
  public long size() {
    long size = heap.mappingCount();
    for (LowerTier<K> lower : lowers) {
      size += lower.size();
    }
    for (TransitMap<K> transit : transits) {
      size += transit.size();
    }
    return size;
  }

  /**
   * Removes every mapping of every tier. Like {@code ConcurrentHashMap.clear} it is not atomic with respect to
   * concurrent writes, but a background move that overlaps it never carries an entry past it. The clear epoch
   * works like a sequence lock: odd while a clear runs. A move reads it first and does nothing while it is odd;
   * after writing, it undoes itself if the epoch moved (a clear started meanwhile). Reading it only after the
   * increment is not enough: a move could then write into a tier the running clear had already emptied.
   */
  @Override
  public void clear() {
    places.clearEpoch.incrementAndGet(); // odd: clearing
    try {
      heap.clear();
      for (int i = 0; i < lowers.size(); i++) {
        lowers.get(i).clear();
        if (i < transits.size()) {
          transits.get(i).clear();
        }
      }
      hints.clear();
      policy.clearInserts();
    } finally {
      places.clearEpoch.incrementAndGet(); // even: done
    }
  }

  /** Entries in the heap. */
  public long heapSize() {
    return heap.mappingCount();
  }

  /** The heap's bound. */
  public long maxHeapEntries() {
    return maxHeapEntries;
  }

  /** The tiers below the heap, highest first. */
  public List<LowerTier<K>> lowerTiers() {
    return lowers;
  }

  /** Entries that left the cache: evicted by the last tier, or fitting in no tier below. */
  @Override
  public long evictions() {
    return mover.evictions.sum();
  }

  /** Entries moved from the heap to a lower tier (not evictions). */
  public long demotions() {
    return mover.demotions.sum();
  }

  /** Entries moved up into the heap by the mover after a lower-tier hit. */
  public long promotions() {
    return mover.promotions.sum();
  }

  /** Promotion hints dropped because the hint map was full. */
  public long promotionsDropped() {
    return hints.dropped();
  }

  /** Keys queued for promotion that the mover has not taken yet (stale ones included). */
  public long pendingPromotions() {
    return hints.backlog();
  }

  /**
   * Entries evicted by one lower tier and waiting for the mover to write them into the next one down (summed over
   * the transit maps; stale arrivals included). Bounded: past max(1,024, slack) per map, writers paying for
   * demotions, and writers whose write was stored below a full heap, move them on too.
   */
  public long transitBacklog() {
    long backlog = 0;
    for (TransitMap<K> transit : transits) {
      backlog += transit.backlog();
    }
    return backlog;
  }

  int transitBacklogLimit() {
    return mover.transitBacklogLimit;
  }

  /** Expired entries dropped while moving down (no EXPIRED event for them). */
  public long expiredDropped() {
    return mover.expiredDropped.sum();
  }

  /** Writes to cold keys found below a full heap that were stored below instead of promoting the key. */
  public long writtenBelow() {
    return writtenBelow.sum();
  }

  /** Demotions that failed because a value could not be serialized (the entry stayed in the heap). */
  public long demotionFailures() {
    return mover.demotionFailures.sum();
  }

  /**
   * Stops the mover, writes every entry still above the last tier into it if that tier is persistent (a
   * {@link DiskTier}: after a clean close every entry comes back, with its deadline), and closes the lower tiers.
   * Callers must have stopped using this tier. Idempotent.
   */
  @Override
  public void close() {
    if (!mover.stop()) {
      return;
    }
    if (!lowers.isEmpty() && lowers.get(lowers.size() - 1) instanceof DiskTier) {
      spillToDisk();
    }
    for (LowerTier<K> lower : lowers) {
      try {
        lower.close();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "Tiered store " + name + ": closing " + lower + " failed", e);
      }
    }
  }

  private void spillToDisk() {
    LowerTier<K> disk = lowers.get(lowers.size() - 1);
    long now = System.currentTimeMillis();
    long lost = 0;
    for (Map.Entry<K, StoredEntry> entry : heap.entrySet()) {
      StoredEntry stored = entry.getValue();
      if (stored.isExpiredAt(now)) {
        continue;
      }
      try {
        if (disk.put(entry.getKey(), places.toBytes(stored.value()), stored.expireAtMillis()) != PutResult.STORED) {
          lost++;
        }
      } catch (RuntimeException e) {
        lost++;
      }
    }
    heap.clear();
    for (int i = 0; i < lowers.size() - 1; i++) {
      LowerTier<K> lower = lowers.get(i);
      for (Iterator<K> keys = lower.keys(); keys.hasNext(); ) {
        K key = keys.next();
        StoredBytes found = lower.get(key);
        if (found != null && found.expireAtMillis() > now
            && disk.put(key, found.bytes(), found.expireAtMillis()) != PutResult.STORED) {
          lost++;
        }
      }
      for (Map.Entry<K, StoredBytes> moving : transits.get(i).entries()) {
        StoredBytes found = moving.getValue();
        if (found.expireAtMillis() > now
            && disk.put(moving.getKey(), found.bytes(), found.expireAtMillis()) != PutResult.STORED) {
          lost++;
        }
      }
    }
    if (lost > 0) {
      LOG.log(Level.WARNING, "Tiered store " + name + ": " + lost + " entries could not be written to the disk"
          + " tier on close (not serializable or too large) and will not come back");
    }
  }

  @Override
  public String toString() {
    return "TieredTier[" + name + ", heap " + heap.mappingCount() + "/" + maxHeapEntries + ", " + lowers + "]";
  }
}

package io.goldylox.tier;

import io.goldylox.serialization.SerializationException;
import io.goldylox.serialization.SerializedBytes;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The moves of a {@link TieredTier} between its places: promotions, demotions and transit flushes, made by the
 * mover thread, and by writers that outrun it (backpressure).
 *
 * <h2>Promotion and demotion</h2>
 * A hit below the heap never moves anything on the caller's thread: the reader leaves a hint in the
 * {@link PromotionHints}, which queues its key; the mover drains that queue and promotes each key inside its heap
 * lock. When the heap holds more than {@code maxHeapEntries}, the mover demotes victims (chosen by the
 * {@link HeapEvictionPolicy}): inside {@code heap.compute(victim)} it serializes the value (unless already
 * {@link SerializedBytes}), writes it to the first lower tier that accepts it, then removes it from the heap.
 * Demotion is not eviction: no event, no count. Only an entry that leaves the last tier (or fits in none) is an
 * eviction, counted in {@link #evictions}. Expired entries met on the way down are expired with their EXPIRED event
 * when a listener wants it ({@link ExpiredRemovals}), else dropped ({@link #expiredDropped},
 * no EXPIRED event). What a lower tier evicts arrives, under that tier's lock, in its transit map, and the mover
 * moves it on into the next tier down under the key's heap lock.
 *
 * <h2>Bounded overshoot</h2>
 * A caller's {@link TieredTier#compute} never waits for demotion: it installs into the heap and wakes the mover. If
 * the mover falls behind and the heap passes {@code maxHeapEntries + slack} (slack = max(16, max/32)), the
 * inserting caller demotes one victim itself after its own step ({@link #overBound}): backpressure that bounds the
 * heap at that limit plus one entry per writing thread. It takes the hand lock to choose the victim (held for the
 * choice only, never during a demotion), and the demotion, like any step, takes only the victim's own key lock.
 *
 * <h2>Threads</h2>
 * The mover (thread {@code goldylox-tiers-<name>}), which parks until woken ({@link #wake}, by readers adding a
 * hint, writers over the bound and lower tiers evicting into a transit map): promotions, demotions, transit
 * flushes, sketch aging. Writers: {@link #overBound} and {@link #drainTransitsOverLimit}, with no heap lock held.
 * Every move takes only its own key's heap lock.
 *
 * @param <K> the key type
 */
final class TierMover<K> {

  private static final System.Logger LOG = System.getLogger(TieredTier.class.getName());
  /** The most victims one insert past the hard limit demotes on the writer's thread (see {@link #overBound}). */
  private static final int MAX_DEMOTIONS_PER_INSERT = 8;

  private final String name;
  private final long maxHeapEntries;
  private final long hardLimit;
  private final TierPlaces<K> places;
  private final ConcurrentHashMap<K, StoredEntry> heap;
  private final List<LowerTier<K>> lowers;
  private final List<TransitMap<K>> transits;
  private final AtomicLong clearEpoch;
  /** Past this many arrivals waiting in a transit map, a caller demoting under backpressure also moves one on. */
  final int transitBacklogLimit;
  private final HeapEvictionPolicy<K> policy;
  private final AccessSketch sketch;
  private final PromotionHints<K> hints;
  private final MoveCounters moves;

  private volatile Function<byte[], Object> promotionDecoder; // set once, before use, by the cache
  /** Where expired entries met on the way down are reported; null: dropped and counted. Set once by the cache. */
  private volatile ExpiredRemovals<K> expiredRemovals;
  private final Thread thread;
  private final AtomicBoolean wakeRequested = new AtomicBoolean();
  private volatile boolean closed;

  final LongAdder evictions = new LongAdder();
  final LongAdder demotions = new LongAdder();
  final LongAdder promotions = new LongAdder();
  final LongAdder expiredDropped = new LongAdder();
  final LongAdder demotionFailures = new LongAdder();

  /**
   * Creates the mover (not started) and makes it the eviction sink of every lower tier: into the transit map below
   * it, or out of the cache for the last one.
   */
  TierMover(String name, long maxHeapEntries, long slack, TierPlaces<K> places, HeapEvictionPolicy<K> policy,
      PromotionHints<K> hints, MoveCounters moves) {
    this.name = name;
    this.maxHeapEntries = maxHeapEntries;
    this.hardLimit = maxHeapEntries + slack;
    this.places = places;
    this.heap = places.heap;
    this.lowers = places.lowers;
    this.transits = places.transits;
    this.clearEpoch = places.clearEpoch;
    this.transitBacklogLimit = (int) Math.min(1 << 16, Math.max(1024, slack));
    this.policy = policy;
    this.sketch = policy.sketch;
    this.hints = hints;
    this.moves = moves;
    this.thread = new Thread(this::moveLoop, "goldylox-tiers-" + name);
    this.thread.setDaemon(true);
    for (int i = 0; i < lowers.size(); i++) {
      if (i < transits.size()) {
        TransitMap<K> transit = transits.get(i);
        lowers.get(i).evictionSink((key, bytes, expireAt) -> {
          // Called under L_i's lock while L_i still lists the key; the mover moves it on under the key's lock.
          transit.arrive(key, new StoredBytes(bytes, expireAt));
          wake();
        });
      } else {
        lowers.get(i).evictionSink((key, bytes, expireAt) -> evictions.increment());
      }
    }
  }

  void start() {
    thread.start();
  }

  /** Stops the mover and waits for it (unless called on it); false if it was stopped already. */
  boolean stop() {
    if (closed) {
      return false;
    }
    closed = true;
    LockSupport.unpark(thread);
    if (Thread.currentThread() != thread) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return true;
  }

  void wake() {
    if (!wakeRequested.get() && wakeRequested.compareAndSet(false, true)) {
      LockSupport.unpark(thread);
    }
  }

  /** See {@link TieredTier#attachExpiredRemovals}. */
  void expiredRemovals(ExpiredRemovals<K> removals) {
    this.expiredRemovals = removals;
  }

  /**
   * An expired entry met inside {@code key}'s heap step: reported to the cache (its EXPIRED event) when a listener
   * wants it, else counted as dropped. Returns the deliveries to run once the key is released, or null.
   */
  private Runnable expiredMet(K key, Object storedValue) {
    ExpiredRemovals<K> removals = expiredRemovals;
    if (removals != null && removals.wanted()) {
      Runnable deliveries = removals.removed(key, storedValue);
      if (deliveries != ExpiredRemovals.UNREADABLE) {
        return deliveries;
      }
    }
    expiredDropped.increment();
    return null;
  }

  /** Runs what an expiry reported from a step left to deliver (synchronous EXPIRED listeners), off the key's lock. */
  private void deliverAfterStep(Runnable deliveries) {
    if (deliveries != null) {
      try {
        deliveries.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "Tiered store " + name + ": an EXPIRED listener threw for an entry the mover expired",
            e);
      }
    }
  }

  /** See {@link TieredTier#decodeOnPromotion}. */
  void decodeOnPromotion(Function<byte[], Object> decoder) {
    this.promotionDecoder = decoder;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Backpressure, on writers' threads

  /**
   * The heap is over its bound: wake the mover; over the hard limit (the mover fell behind), demote a victim on
   * this thread. That is the tier's backpressure: a writer that outruns the mover pays for the demotions itself,
   * so the heap never holds more than {@code hardLimit} plus about one entry per writing thread (as far as
   * {@code ConcurrentHashMap.mappingCount} can tell: its sum of striped counters is exact only at rest, and a reader
   * preempted in the middle of it can be off by the operations of the gap, for that one read). One demotion per
   * insert is not always enough: the CLOCK hand's iterator can hand out a key that another writer demoted a moment
   * before (a weakly consistent iterator has read its next node ahead), and then one insert goes uncompensated;
   * while the mover is starved of CPU such misses add up. So a writer keeps demoting while the heap is over the
   * limit, at most {@value #MAX_DEMOTIONS_PER_INSERT} victims (a bound for entries that cannot be demoted). The
   * hand lock it may wait for is held only while a victim is chosen, never while one is demoted.
   */
  void overBound() {
    wake();
    for (int demoted = 0; demoted < MAX_DEMOTIONS_PER_INSERT && heap.mappingCount() > hardLimit; demoted++) {
      K victim = policy.nextVictim();
      if (victim == null) {
        break;
      }
      demoteQuietly(victim);
      drainTransitsOverLimit();
    }
  }

  /**
   * A demotion, or a write stored below the heap ({@code TieredTier.staysBelow}), may have made a lower tier evict
   * into a transit map (several entries, when it had to empty a slab), which only the mover drains otherwise: past
   * the limit, the writer moves arrivals on until the map is back at it, so transit maps stay bounded when the
   * mover lags. Moving from transit i may add to transit i + 1, hence the order. Called with no heap lock held.
   *
   * <p>The writer's own write is done by then, so a lower tier that fails here (a full disk, say) must not fail
   * it: the arrival is queued again, the writer stops helping, and the mover meets the failure and logs it.
   */
  void drainTransitsOverLimit() {
    for (int i = 0; i < transits.size(); i++) {
      TransitMap<K> transit = transits.get(i);
      while (transit.backlog() > transitBacklogLimit) {
        TransitMap.Arrival<K> arrival = transit.poll();
        if (arrival == null) {
          break;
        }
        try {
          moveOnOrRetryLater(i, arrival);
        } catch (RuntimeException e) {
          wake();
          return;
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The mover

  private void moveLoop() {
    while (!closed) {
      wakeRequested.set(false);
      boolean worked = false;
      try {
        if (sketch.agingDue()) {
          sketch.age(); // outside the hand lock: racy with readers and the chooser by design (see AccessSketch)
        }
        worked |= promoteHinted();
        worked |= demoteWhileOver();
        worked |= flushTransits();
      } catch (RuntimeException | Error e) {
        if (closed) {
          return;
        }
        LOG.log(Level.WARNING, "Tiered store " + name + ": the mover failed; it continues when woken", e);
        worked = false;
      }
      if (!worked) {
        // Parks until woken (an unpark before park makes it return at once: no wake-up is lost).
        LockSupport.park(this);
      }
    }
  }

  private boolean promoteHinted() {
    boolean worked = false;
    for (K key; !closed && (key = hints.poll()) != null; ) {
      PromotionHints.Hint hint = hints.get(key);
      if (hint == null) {
        continue; // a write or a clear removed it since
      }
      try {
        promote(key, hint);
      } catch (RuntimeException | Error e) {
        hints.queue(key); // retried at the next wake (the mover's loop logs the failure and parks)
        throw e;
      }
      hints.promoted(key, hint);
      worked = true;
      if (heap.mappingCount() > maxHeapEntries) {
        // Demote as we promote: a burst of lower-tier reads queues many hints, and promoting them all before
        // demoting anything would hold the heap above its bound by up to the hint map's size meanwhile.
        demoteWhileOver();
      }
    }
    return worked;
  }

  private void promote(K key, PromotionHints.Hint hint) {
    int stripe = MoveCounters.stripe(key);
    boolean[] moving = new boolean[1];
    StoredEntry promoted;
    try {
      promoted = heap.compute(key, (k, current) -> {
        if (current != null) {
          return current;
        }
        long epoch = clearEpoch.get();
        if (TierPlaces.clearing(epoch)) {
          return null; // a clear is removing what is below: do not carry it up past the clear
        }
        StoredBytes found = places.findLower(k);
        if (found == null) {
          return null;
        }
        StoredEntry entry = hint.matches(found) ? hint.entry
            : new StoredEntry(new SerializedBytes(found.bytes()), found.expireAtMillis());
        entry = decodedForHeap(entry, found);
        moves.begin(stripe);
        moving[0] = true;
        places.removeLower(k);
        if (clearEpoch.get() != epoch) {
          return null; // a clear ran meanwhile: the entry was cleared, do not carry it past the clear
        }
        promotions.increment();
        return entry;
      });
    } finally {
      if (moving[0]) {
        moves.end(stripe);
      }
    }
    if (promoted != null) {
      sketch.reference(key);
      if (heap.mappingCount() > maxHeapEntries) {
        policy.admitLater(key);
      }
    }
  }

  /** The entry to install on promotion: decoded when {@link #decodeOnPromotion} was set and decoding works. */
  private StoredEntry decodedForHeap(StoredEntry entry, StoredBytes found) {
    Function<byte[], Object> decoder = promotionDecoder;
    if (decoder == null || !(entry.value() instanceof SerializedBytes)) {
      return entry;
    }
    try {
      return new StoredEntry(decoder.apply(found.bytes()), entry.expireAtMillis());
    } catch (RuntimeException e) {
      return entry; // a class that cannot be read here: keep the bytes, readers see the same error as before
    }
  }

  private boolean demoteWhileOver() {
    boolean worked = false;
    long failuresInARow = 0;
    while (!closed && heap.mappingCount() > maxHeapEntries && !TierPlaces.clearing(clearEpoch.get())) {
      K victim = policy.nextVictim();
      if (victim == null) {
        break;
      }
      worked = true;
      if (demoteQuietly(victim)) {
        failuresInARow = 0;
      } else if (++failuresInARow > heap.mappingCount()) {
        break; // nothing left that can be demoted; try again when woken
      }
      flushTransits();
    }
    return worked;
  }

  /** Demotes one victim; false if its value cannot be serialized (it then stays, with a second chance). */
  private boolean demoteQuietly(K victim) {
    try {
      demote(victim);
      return true;
    } catch (SerializationException e) {
      demotionFailures.increment();
      sketch.reference(victim);
      LOG.log(Level.DEBUG, () -> "Tiered store " + name + ": cannot demote a " + e.getMessage());
      return false;
    }
  }

  private void demote(K victim) {
    Runnable[] after = new Runnable[1];
    heap.compute(victim, (k, current) -> {
      if (current == null) {
        return null;
      }
      long epoch = clearEpoch.get();
      if (TierPlaces.clearing(epoch)) {
        return current; // a clear is running: leave it where it is (the clear removes it, or it came after)
      }
      if (current.isExpiredAt(System.currentTimeMillis())) {
        after[0] = expiredMet(k, current.value());
        return null;
      }
      if (lowers.isEmpty()) {
        evictions.increment(); // a heap-only cache: leaving the heap is eviction, nothing to serialize
        return null;
      }
      byte[] bytes = places.toBytes(current.value()); // may throw: the entry then stays in the heap
      long deadline = current.expireAtMillis();
      boolean stored = false;
      for (LowerTier<K> lower : lowers) {
        if (lower.put(k, bytes, deadline) == PutResult.STORED) {
          stored = true;
          break;
        }
      }
      if (!stored) {
        evictions.increment(); // fits in no tier below: it leaves the cache
      } else if (clearEpoch.get() != epoch) {
        places.removeLower(k); // a clear ran meanwhile: do not carry the entry past it
      }
      demotions.increment();
      return null; // the lower copy is in place before the heap stops listing the key
    });
    deliverAfterStep(after[0]);
  }

  /**
   * {@link #moveOn}, queueing the arrival again if a lower tier throws (a full disk, say): the exception goes on to
   * the mover's loop, which logs it and parks, and the next flush retries. Retrying at once could spin on a
   * persistent failure.
   */
  private void moveOnOrRetryLater(int from, TransitMap.Arrival<K> arrival) {
    try {
      moveOn(from, arrival);
    } catch (RuntimeException | Error e) {
      transits.get(from).retry(arrival);
      throw e;
    }
  }

  /** Moves what lower tiers evicted into the next tier down, each key under its heap lock. */
  private boolean flushTransits() {
    boolean worked = false;
    for (int i = 0; i < transits.size(); i++) {
      TransitMap<K> transit = transits.get(i);
      for (TransitMap.Arrival<K> arrival; !closed && (arrival = transit.poll()) != null; ) {
        moveOnOrRetryLater(i, arrival);
        worked = true;
      }
    }
    return worked;
  }

  /**
   * Moves one arrival from {@code transit_from} into the first tier below that takes it, under the key's heap lock
   * (called with no other heap lock held). A stale arrival (its key removed or evicted again since) is skipped.
   */
  private void moveOn(int from, TransitMap.Arrival<K> arrival) {
    if (arrival == null) {
      return;
    }
    TransitMap<K> transit = transits.get(from);
    StoredBytes bytes = arrival.bytes;
    Runnable[] after = new Runnable[1];
    heap.compute(arrival.key, (k, current) -> {
      long epoch = clearEpoch.get();
      if (TierPlaces.clearing(epoch) || !transit.isCurrent(arrival)) {
        return current; // being cleared, or removed or replaced meanwhile
      }
      boolean stored = false;
      if (bytes.expireAtMillis() <= System.currentTimeMillis()) {
        after[0] = expiredMet(k, new SerializedBytes(bytes.bytes()));
      } else {
        for (int j = from + 1; j < lowers.size() && !stored; j++) {
          stored = lowers.get(j).put(k, bytes.bytes(), bytes.expireAtMillis()) == PutResult.STORED;
        }
        if (!stored) {
          evictions.increment();
        }
      }
      transit.remove(k, bytes); // after the lower copy is in place
      if (stored && clearEpoch.get() != epoch) {
        places.removeLower(k);
      }
      return current;
    });
    deliverAfterStep(after[0]);
  }
}

package io.goldylox.tier;

import io.goldylox.serialization.SerializedBytes;
import io.goldylox.serialization.SerializationException;
import io.goldylox.serialization.Serializer;
import java.lang.System.Logger.Level;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

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
 * <h2>Promotion and demotion</h2>
 * A hit below the heap never moves anything on the caller's thread: the key is recorded in a bounded map of
 * promotion hints (dropped and counted in {@link #promotionsDropped()} when full; promotion is only an
 * optimisation) and its key queued; one background mover thread, which parks until woken, drains that queue and
 * promotes each key inside its heap lock. (Queues, not iteration: iterating a {@code ConcurrentHashMap} visits
 * every bin of a table that never shrinks, and such scans once took most of the mover's time.)
 * The hint keeps the very {@code StoredEntry} handed to readers, and readers of the same unchanged bytes get that
 * same object until it is promoted, so an access-expiry deadline set on it by the cache is kept by the promotion.
 *
 * <p>When the heap holds more than {@code maxHeapEntries}, the mover demotes victims: inside
 * {@code heap.compute(victim)} it serializes the value (unless already {@link SerializedBytes}), writes it to the
 * first lower tier that accepts it, then removes it from the heap. Demotion is not eviction: no event, no count.
 * Only an entry that leaves the last tier (or fits in none) is an eviction, counted in {@link #evictions()}.
 * Expired entries met on the way down are dropped ({@link #expiredDropped()}, no EXPIRED event).
 *
 * <p>What leaves the heap is chosen as Caffeine's W-TinyLFU would, approximated without per-entry nodes (a
 * {@link StoredEntry} is final and shared with the cache layer, so there is nowhere to keep per-entry policy state
 * without wrapping every entry). Recency: CLOCK (second chance) over the heap map's own iteration order, with the
 * reference bits in an {@link AccessSketch}. Frequency: the same sketch counts every hit and every write of a
 * key, in any tier, and keeps its count after the key leaves (a miss is not counted: the put that follows it is,
 * as in Caffeine; counting both made one-time keys look twice as popular and cost 3 points of hit rate on a
 * scan). Admission: a key added to a full heap is recorded in {@link RecentInserts}; once it is older than a
 * window of 1% of the bound it is weighed against the CLOCK victim and the less popular one leaves (see
 * {@link #chooseVictim}); while the heap is not full every key is admitted. A reader pays a few plain byte stores
 * in one cache line, no atomic instruction; lost writes and hash collisions only make the policy less precise.
 * Measured against Caffeine in the benchmarks module ({@code EvictionQuality}).
 *
 * <h2>Bounded overshoot</h2>
 * A caller's {@link #compute} never waits for demotion: it installs into the heap and wakes the mover. If the
 * mover falls behind and the heap passes {@code maxHeapEntries + slack} (slack = max(16, max/32)), the inserting
 * caller demotes one victim itself after its own step: backpressure that bounds the heap at that limit plus one
 * entry per writing thread. It takes the hand lock to choose the victim (held for the choice only, never during a
 * demotion), and the demotion, like any step, takes only the victim's own key lock.
 *
 * <h2>Threads</h2>
 * Callers: {@link #get} (lock-free), {@link #compute}, {@link #remove}, iteration, {@link #clear}. The mover
 * (thread {@code goldylox-tiers-<name>}): promotions, demotions, transit flushes. Lower tiers' own threads (the
 * disk compactor) work inside their tier. {@link #close()} stops the mover, spills everything into the last tier
 * when that is a {@link DiskTier} (so a clean close loses nothing), and closes the lower tiers, which this tier
 * owns.
 *
 * @param <K> the key type
 */
public final class TieredTier<K> implements Tier<K> {

  private static final System.Logger LOG = System.getLogger(TieredTier.class.getName());
  private static final int STRIPES = 64;
  /** A key used at most this often lately is not promoted by a write while the heap is full. */
  private static final int COLD_USES = 1;
  private static final int PAD = 8; // longs between two stripes' counters: one cache line
  private static final long ONE_COMPLETED = (1L << 32) - 1; // adds one completed move, removes one in flight
  private static final int MAX_ITERATION_PASSES = 8;
  /** The most victims one insert past the hard limit demotes on the writer's thread (see {@link #overBound}). */
  private static final int MAX_DEMOTIONS_PER_INSERT = 8;

  private final String name;
  private final long maxHeapEntries;
  private final long hardLimit;
  private final ConcurrentHashMap<K, StoredEntry> heap = new ConcurrentHashMap<>();
  private final List<LowerTier<K>> lowers;
  private final List<TransitMap<K>> transits;
  /** Past this many arrivals waiting in a transit map, a caller demoting under backpressure also moves one on. */
  private final int transitBacklogLimit;
  private final Serializer serializer;
  private final AtomicLongArray moves = new AtomicLongArray(STRIPES * PAD);
  private final AtomicLong clearEpoch = new AtomicLong();

  private final AccessSketch sketch;
  private final RecentInserts recentInserts;
  private final long admissionWindow;
  private final ReentrantLock handLock = new ReentrantLock();
  private Iterator<K> hand; // guarded by handLock

  private final ConcurrentHashMap<K, Hint> promotionHints = new ConcurrentHashMap<>();
  /**
   * The keys given a hint, in order, for the mover: iterating the hint map would visit every bin of a table
   * that never shrinks. A key may be queued while its hint is gone (a write removed it); the mover skips it.
   */
  private final ConcurrentLinkedQueue<K> hintedKeys = new ConcurrentLinkedQueue<>();
  /** Keys queued in {@link #hintedKeys} and not polled yet: what bounds the hints. */
  private final AtomicInteger hintBacklog = new AtomicInteger();
  private final int maxPromotionHints;

  private volatile Function<byte[], Object> promotionDecoder; // set once, before use, by the cache
  private final Thread mover;
  private final AtomicBoolean wakeRequested = new AtomicBoolean();
  private volatile boolean closed;

  private final LongAdder evictions = new LongAdder();
  private final LongAdder demotions = new LongAdder();
  private final LongAdder promotions = new LongAdder();
  private final LongAdder promotionsDropped = new LongAdder();
  private final LongAdder expiredDropped = new LongAdder();
  private final LongAdder demotionFailures = new LongAdder();
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
    this.hardLimit = maxHeapEntries + slack;
    this.lowers = List.copyOf(lowerTiers);
    this.lowerHits = new LongAdder[lowers.size()];
    for (int i = 0; i < lowerHits.length; i++) {
      lowerHits[i] = new LongAdder();
    }
    this.serializer = Objects.requireNonNull(serializer, "serializer");
    List<TransitMap<K>> transitMaps = new ArrayList<>();
    for (int i = 0; i < lowers.size(); i++) {
      if (i < lowers.size() - 1) {
        TransitMap<K> transit = new TransitMap<>();
        transitMaps.add(transit);
        lowers.get(i).evictionSink((key, bytes, expireAt) -> {
          // Called under L_i's lock while L_i still lists the key; the mover moves it on under the key's lock.
          transit.arrive(key, new StoredBytes(bytes, expireAt));
          wakeMover();
        });
      } else {
        lowers.get(i).evictionSink((key, bytes, expireAt) -> evictions.increment());
      }
    }
    this.transits = List.copyOf(transitMaps);
    this.transitBacklogLimit = (int) Math.min(1 << 16, Math.max(1024, slack));
    this.sketch = new AccessSketch(maxHeapEntries);
    this.admissionWindow = maxHeapEntries / 100;
    this.recentInserts = new RecentInserts((int) Math.min(1 << 20, 2 * (admissionWindow + slack) + 256));
    this.maxPromotionHints = (int) Math.min(64 * 1024, Math.max(64, maxHeapEntries));
    this.mover = new Thread(this::moveLoop, "goldylox-tiers-" + name);
    this.mover.setDaemon(true);
    if (startMover) {
      this.mover.start();
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reads

  @Override
  public StoredEntry get(Object key) {
    @SuppressWarnings("unchecked")
    K k = (K) key;
    int stripe = stripe(key);
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
          return fromLower(k, found);
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

  /** The first lower copy in reader order, or null. */
  private StoredBytes findLower(K key) {
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

  /** Removes every lower copy, in reader order (see the class comment for why the order matters). */
  private void removeLower(K key) {
    for (int i = 0; i < lowers.size(); i++) {
      lowers.get(i).remove(key);
      if (i < transits.size()) {
        transits.get(i).remove(key);
      }
    }
  }

  /** The entry a reader gets for a lower hit; records a promotion hint. */
  private StoredEntry fromLower(K key, StoredBytes found) {
    Hint hint = promotionHints.get(key);
    if (hint != null && hint.matches(found)) {
      return hint.entry; // the same object for every reader until promotion: deadline changes are kept
    }
    Hint fresh = new Hint(found);
    if (hint != null) {
      if (promotionHints.replace(key, hint, fresh)) {
        wakeMover();
      }
    } else if (hintBacklog.get() < maxPromotionHints) {
      // The bound is approximate (a few racing readers may pass it together); it only caps memory.
      if (promotionHints.putIfAbsent(key, fresh) == null) {
        queueHinted(key);
        wakeMover();
      }
    } else {
      promotionsDropped.increment();
    }
    return fresh.entry;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writes

  @Override
  public StoredEntry compute(
      K key, BiFunction<? super K, ? super StoredEntry, ? extends StoredEntry> function) {
    int stripe = stripe(key);
    boolean[] moving = new boolean[2]; // [0]: an upward move is in flight; [1]: the key is new in the heap
    StoredEntry[] keptBelow = new StoredEntry[1];
    StoredEntry result;
    try {
      result = heap.compute(key, (k, current) -> {
        if (current != null) {
          return function.apply(k, current); // exclusive tiers: nothing below to update
        }
        StoredBytes found = findLower(k);
        if (found == null) {
          moving[1] = true;
          return function.apply(k, null);
        }
        Hint hint = promotionHints.get(k);
        StoredEntry below = hint != null && hint.matches(found) ? hint.entry
            : new StoredEntry(new SerializedBytes(found.bytes()), found.expireAtMillis());
        StoredEntry next = function.apply(k, below); // may throw: nothing below was touched yet
        if (next != null && staysBelow(k, found, below, next)) {
          keptBelow[0] = next;
          return null; // the heap keeps no mapping: the key lives below, as before
        }
        moving[1] = true;
        beginMove(stripe);
        moving[0] = true;
        removeLower(k);
        promotionHints.remove(k);
        return next;
      });
    } finally {
      if (moving[0]) {
        endMove(stripe);
      }
    }
    if (keptBelow[0] != null) {
      sketch.record(key, false);
      // Its put below may have made that tier evict into a transit map, as a demotion does: the same backpressure.
      drainTransitsOverLimit();
      return keptBelow[0];
    }
    if (result != null) {
      sketch.record(key, true);
      if (moving[1] && heap.mappingCount() > maxHeapEntries) {
        recentInserts.add(key); // a candidate for admission; while the heap is not full, every key is admitted
        overBound();
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
      bytes = toBytes(next.value());
    } catch (SerializationException e) {
      return false;
    }
    LowerTier<K> home = null;
    for (LowerTier<K> lower : lowers) {
      if (lower.containsKey(key)) {
        home = lower;
        break;
      }
    }
    // In a transit map (between two tiers), or the tier refuses the new value: promote as usual.
    if (home == null || home.put(key, bytes, next.expireAtMillis()) != PutResult.STORED) {
      return false;
    }
    // The home tier may have evicted the key into its transit map between the check and the put (evictions do
    // not take the key's heap lock): that copy is older than the one just written, so drop it.
    for (TransitMap<K> transit : transits) {
      transit.remove(key);
    }
    promotionHints.remove(key);
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
      StoredBytes found = findLower(k);
      // A lower copy has no identity of its own: it is the expected entry if it holds the same bytes.
      if (found != null && expected != null && expected.value() instanceof SerializedBytes
          && Arrays.equals(((SerializedBytes) expected.value()).bytes(), found.bytes())) {
        removeLower(k);
        promotionHints.remove(k);
        removed[0] = true;
      }
      return null;
    });
    return removed[0];
  }

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
  private void overBound() {
    wakeMover();
    for (int demoted = 0; demoted < MAX_DEMOTIONS_PER_INSERT && heap.mappingCount() > hardLimit; demoted++) {
      K victim;
      handLock.lock();
      try {
        victim = chooseVictim();
      } finally {
        handLock.unlock();
      }
      if (victim == null) {
        break;
      }
      demoteQuietly(victim);
      drainTransitsOverLimit();
    }
  }

  /**
   * A demotion, or a write stored below the heap ({@link #staysBelow}), may have made a lower tier evict into a
   * transit map (several entries, when it had to empty a slab), which only the mover drains otherwise: past the
   * limit, the writer moves arrivals on until the map is back at it, so transit maps stay bounded when the mover
   * lags. Moving from transit i may add to transit i + 1, hence the order. Called with no heap lock held.
   *
   * <p>The writer's own write is done by then, so a lower tier that fails here (a full disk, say) must not fail
   * it: the arrival is queued again, the writer stops helping, and the mover meets the failure and logs it.
   */
  private void drainTransitsOverLimit() {
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
          wakeMover();
          return;
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The mover

  private void wakeMover() {
    if (!wakeRequested.get() && wakeRequested.compareAndSet(false, true)) {
      LockSupport.unpark(mover);
    }
  }

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

  private void queueHinted(K key) {
    hintBacklog.incrementAndGet();
    hintedKeys.add(key);
  }

  private boolean promoteHinted() {
    boolean worked = false;
    for (K key; !closed && (key = hintedKeys.poll()) != null; ) {
      hintBacklog.decrementAndGet();
      Hint hint = promotionHints.get(key);
      if (hint == null) {
        continue; // a write or a clear removed it since
      }
      try {
        promote(key, hint);
      } catch (RuntimeException | Error e) {
        queueHinted(key); // retried at the next wake (the mover's loop logs the failure and parks)
        throw e;
      }
      if (!promotionHints.remove(key, hint) && promotionHints.containsKey(key)) {
        queueHinted(key); // a reader replaced the hint meanwhile: its key must not be left unqueued
      }
      worked = true;
      if (heap.mappingCount() > maxHeapEntries) {
        // Demote as we promote: a burst of lower-tier reads queues many hints, and promoting them all before
        // demoting anything would hold the heap above its bound by up to the hint map's size meanwhile.
        demoteWhileOver();
      }
    }
    return worked;
  }

  private void promote(K key, Hint hint) {
    int stripe = stripe(key);
    boolean[] moving = new boolean[1];
    StoredEntry promoted;
    try {
      promoted = heap.compute(key, (k, current) -> {
        if (current != null) {
          return current;
        }
        long epoch = clearEpoch.get();
        if (clearing(epoch)) {
          return null; // a clear is removing what is below: do not carry it up past the clear
        }
        StoredBytes found = findLower(k);
        if (found == null) {
          return null;
        }
        StoredEntry entry = hint.matches(found) ? hint.entry
            : new StoredEntry(new SerializedBytes(found.bytes()), found.expireAtMillis());
        entry = decodedForHeap(entry, found);
        beginMove(stripe);
        moving[0] = true;
        removeLower(k);
        if (clearEpoch.get() != epoch) {
          return null; // a clear ran meanwhile: the entry was cleared, do not carry it past the clear
        }
        promotions.increment();
        return entry;
      });
    } finally {
      if (moving[0]) {
        endMove(stripe);
      }
    }
    if (promoted != null) {
      sketch.reference(key);
      if (heap.mappingCount() > maxHeapEntries) {
        recentInserts.add(key);
      }
    }
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
    this.promotionDecoder = decoder;
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
    while (!closed && heap.mappingCount() > maxHeapEntries && !clearing(clearEpoch.get())) {
      K victim;
      handLock.lock();
      try {
        victim = chooseVictim();
      } finally {
        handLock.unlock();
      }
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
    heap.compute(victim, (k, current) -> {
      if (current == null) {
        return null;
      }
      long epoch = clearEpoch.get();
      if (clearing(epoch)) {
        return current; // a clear is running: leave it where it is (the clear removes it, or it came after)
      }
      if (current.isExpiredAt(System.currentTimeMillis())) {
        expiredDropped.increment();
        return null;
      }
      if (lowers.isEmpty()) {
        evictions.increment(); // a heap-only cache: leaving the heap is eviction, nothing to serialize
        return null;
      }
      byte[] bytes = toBytes(current.value()); // may throw: the entry then stays in the heap
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
        removeLower(k); // a clear ran meanwhile: do not carry the entry past it
      }
      demotions.increment();
      return null; // the lower copy is in place before the heap stops listing the key
    });
  }

  private byte[] toBytes(Object value) {
    if (value instanceof SerializedBytes) {
      return ((SerializedBytes) value).bytes();
    }
    return serializer.serialize(value);
  }

  /** Moves what lower tiers evicted into the next tier down, each key under its heap lock. */
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
    heap.compute(arrival.key, (k, current) -> {
      long epoch = clearEpoch.get();
      if (clearing(epoch) || !transit.isCurrent(arrival)) {
        return current; // being cleared, or removed or replaced meanwhile
      }
      boolean stored = false;
      if (bytes.expireAtMillis() <= System.currentTimeMillis()) {
        expiredDropped.increment();
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
        removeLower(k);
      }
      return current;
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Choosing what leaves the heap: CLOCK for recency, TinyLFU admission for frequency

  /**
   * The key to move out of the heap next, or null if the heap is empty. Caller holds {@link #handLock}.
   *
   * <p>When a key added to the heap more than {@link #admissionWindow} inserts ago is waiting for judgement (a
   * candidate), it is weighed against the CLOCK victim: the one the sketch finds less popular leaves (the
   * candidate also on a tie, so a scan of one-time keys cannot push out the working set). Otherwise the CLOCK
   * victim leaves.
   */
  private K chooseVictim() {
    for (;;) {
      @SuppressWarnings("unchecked")
      K candidate = (K) recentInserts.pollOlderThan(admissionWindow);
      if (candidate == null) {
        return nextClockVictim();
      }
      if (!heap.containsKey(candidate)) {
        continue; // it left meanwhile (removed, demoted, or judged already under an earlier add)
      }
      K victim = nextClockVictim();
      if (victim == null || victim.equals(candidate)) {
        return candidate;
      }
      return sketch.frequency(candidate) > sketch.frequency(victim) ? victim : candidate;
    }
  }

  /** The next key without a reference bit, clearing bits on the way. Caller holds {@link #handLock}. */
  private K nextClockVictim() {
    long limit = 2 * heap.mappingCount() + 2;
    K fallback = null;
    for (long scanned = 0; scanned < limit; scanned++) {
      if (hand == null || !hand.hasNext()) {
        hand = heap.keySet().iterator();
        if (!hand.hasNext()) {
          return null;
        }
      }
      K key = hand.next();
      fallback = key;
      if (!sketch.testAndClearReference(key)) {
        return key;
      }
    }
    return fallback;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Move counters

  private static int stripe(Object key) {
    return ((AccessSketch.spread(key.hashCode()) >>> 24) & (STRIPES - 1)) * PAD;
  }

  private void beginMove(int stripe) {
    moves.getAndIncrement(stripe);
  }

  private void endMove(int stripe) {
    moves.getAndAdd(stripe, ONE_COMPLETED);
  }

  private long movesSnapshot() {
    long sum = 0;
    boolean inFlight = false;
    for (int s = 0; s < STRIPES * PAD; s += PAD) {
      long value = moves.get(s);
      sum += value;
      inFlight |= (int) value != 0;
    }
    return inFlight ? -1 : sum;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Iteration, size, clear, close

  /**
   * Weakly consistent over all tiers. A pass visits the heap, then each lower tier and transit map in reader
   * order, skipping keys already returned (a set of the returned keys, kept for the iterator's life). Downward
   * moves follow the pass and cannot hide a key; an upward move can, so when any happened during a pass, another
   * pass follows (at most {@value #MAX_ITERATION_PASSES}). Lower-tier values are read lazily, one at a time.
   */
  @Override
  public Iterator<Map.Entry<K, StoredEntry>> iterator() {
    return new TieredIterator();
  }

  private final class TieredIterator implements Iterator<Map.Entry<K, StoredEntry>> {
    private final Set<K> returned = new HashSet<>();
    private final List<Supplier<Iterator<K>>> lowerStages = new ArrayList<>();
    private int pass;
    private int stage = -1;
    private long passMoves;
    private Iterator<Map.Entry<K, StoredEntry>> heapIterator;
    private Iterator<K> keyIterator;
    private Map.Entry<K, StoredEntry> next;
    private boolean done;

    TieredIterator() {
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
        passMoves = movesSnapshot();
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
            StoredBytes found = findLower(key);
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
      long now = movesSnapshot();
      if ((now == -1 || now != passMoves) && ++pass < MAX_ITERATION_PASSES) {
        stage = -1; // an upward move may have hidden a key from this pass
      } else {
        done = true;
      }
    }
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
    clearEpoch.incrementAndGet(); // odd: clearing
    try {
      heap.clear();
      for (int i = 0; i < lowers.size(); i++) {
        lowers.get(i).clear();
        if (i < transits.size()) {
          transits.get(i).clear();
        }
      }
      // The queue first, then the hints (as TransitMap.clear): a reader adds its hint, then queues its key. A hint
      // added after the hints' clear is queued after the drain and stays queued; draining after the clear could
      // take the key of a hint that survives it, and that hint would never be promoted nor removed by the mover.
      while (hintedKeys.poll() != null) {
        hintBacklog.decrementAndGet();
      }
      promotionHints.clear();
      handLock.lock();
      try {
        recentInserts.clear();
      } finally {
        handLock.unlock();
      }
    } finally {
      clearEpoch.incrementAndGet(); // even: done
    }
  }

  private static boolean clearing(long epoch) {
    return (epoch & 1) != 0;
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
    return evictions.sum();
  }

  /** Entries moved from the heap to a lower tier (not evictions). */
  public long demotions() {
    return demotions.sum();
  }

  /** Entries moved up into the heap by the mover after a lower-tier hit. */
  public long promotions() {
    return promotions.sum();
  }

  /** Promotion hints dropped because the hint map was full. */
  public long promotionsDropped() {
    return promotionsDropped.sum();
  }

  /** Keys queued for promotion that the mover has not taken yet (stale ones included). */
  public long pendingPromotions() {
    return hintBacklog.get();
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
    return transitBacklogLimit;
  }

  /** Expired entries dropped while moving down (no EXPIRED event for them). */
  public long expiredDropped() {
    return expiredDropped.sum();
  }

  /** Writes to cold keys found below a full heap that were stored below instead of promoting the key. */
  public long writtenBelow() {
    return writtenBelow.sum();
  }

  /** Demotions that failed because a value could not be serialized (the entry stayed in the heap). */
  public long demotionFailures() {
    return demotionFailures.sum();
  }

  /**
   * Stops the mover, writes every entry still above the last tier into it if that tier is persistent (a
   * {@link DiskTier}: after a clean close every entry comes back, with its deadline), and closes the lower tiers.
   * Callers must have stopped using this tier. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    LockSupport.unpark(mover);
    if (Thread.currentThread() != mover) {
      try {
        mover.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
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
        if (disk.put(entry.getKey(), toBytes(stored.value()), stored.expireAtMillis()) != PutResult.STORED) {
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

  /** A reader's lower-tier hit waiting for promotion: the entry handed out and the bytes it was made from. */
  private static final class Hint {
    final StoredEntry entry;
    final byte[] bytes;
    final long readDeadline;

    Hint(StoredBytes found) {
      this.bytes = found.bytes();
      this.readDeadline = found.expireAtMillis();
      this.entry = new StoredEntry(new SerializedBytes(bytes), readDeadline);
    }

    /** Whether {@code found} is still the value this hint was made from. */
    boolean matches(StoredBytes found) {
      return found.expireAtMillis() == readDeadline && Arrays.equals(found.bytes(), bytes);
    }
  }
}

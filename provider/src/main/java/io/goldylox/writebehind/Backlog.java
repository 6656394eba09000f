package io.goldylox.writebehind;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The operations read from the journal and not yet resolved, one {@link Slot} per key: the pending-key index
 * that lets the flusher coalesce across its whole backlog, not only inside one batch.
 *
 * <h2>Overview</h2>
 * Every record the flusher (or the replay at open) reads goes into its key's slot. With coalescing, a later
 * operation replaces the slot's record, so however many operations a key receives while it waits, however many
 * batches they span, the writer sees one entry for it: the last put, or a delete. Without coalescing, a slot keeps
 * its key's operations in journal order and hands out one per batch.
 *
 * <p>A slot is in one of four states:
 * <ul>
 *   <li>{@code READY}: in the {@link #ready} FIFO, in the order keys became ready (so batches are formed of
 *       distinct keys, oldest first, and a key written all the time is not starved by newer keys);</li>
 *   <li>{@code IN_FLIGHT}: handed out by {@link #takeReady}, until the flusher reports the writer's answer;</li>
 *   <li>{@code WAITING}: its operation failed and waits in {@link #waiting} for its retry to be due. A later
 *       operation on the key replaces it and makes the slot ready at once: the later one carries the key's final
 *       state, so the failed one is never retried after it;</li>
 *   <li>{@code LEFT}: it failed during close and is left in the journal for the next start.</li>
 * </ul>
 *
 * <h2>Live slots</h2>
 * With coalescing, live operations do not come from the journal: a caller hands a key over when it becomes pending
 * ({@link LiveIntake}), and {@link #addLive} makes a slot without a record. When the flusher takes the slot for
 * delivery, {@link #claim} fills it from the key's newest {@link Pending}. If the key received a newer operation
 * by the time the delivered one is cleared, {@link #resolve} keeps the slot (ready again, standing for the
 * operations after the delivered one), since no caller hands over a key that is already pending.
 *
 * <h2>What may be checkpointed</h2>
 * {@link #oldestIndex()} is the lowest journal index any unresolved slot still needs: the index of the first
 * record folded into it. Every record below it (and below the next unread one) is resolved, or was replaced by a
 * record of the same key at a higher index that is itself resolved or above that bound. So a replay from there
 * rebuilds every key's final state, and the operations folded into a slot are resolved together with it.
 *
 * <h2>Threads</h2>
 * Not thread-safe: confined to the replay (the opening thread) and then the flusher thread, which the replay
 * hands it to through {@link Thread#start()}. Only {@link #pending}, the cache's read-your-writes index, is shared
 * with callers, and it is touched only through its atomic methods. While a batch is with the writer lane, the lane
 * reads its slots' fields the flusher wrote before handing it over, and calls {@link #supersededSinceClaim} (which
 * reads only those and the pending index); the flusher writes none of them until the batch is done.
 */
final class Backlog<K, V> {

  static final int READY = 1;
  static final int IN_FLIGHT = 2;
  static final int WAITING = 3;
  static final int LEFT = 4;

  /**
   * One key's unresolved operations. Fields are written by the flusher (the replay before it), and read by the
   * writer lane while the slot is in a batch it holds; see the class comment for the states and the threads.
   */
  static final class Slot<K, V> {
    final K key;
    /** The operation to deliver next (with coalescing: the latest one read). */
    JournalRecord record;
    /** Without coalescing: the key's later operations, in journal order; null when there are none yet. */
    ArrayDeque<JournalRecord> later;
    /** Whether {@link #record} came from a caller of this run (claimed), not from the journal files. */
    boolean handedOver;
    /** {@link #record}'s value once decoded; see {@link #decoded}. */
    V value;
    boolean decoded;
    /** The lowest journal index among the records this slot stands for. */
    long firstIndex;
    /** Creation time (epoch ms) of the oldest operation this slot stands for. */
    long firstCreatedMillis;
    /** How many journaled operations {@link #record} stands for (with coalescing, those it replaced too). */
    long operations;
    /** Live slots: the key's operation count ({@link Pending#operations}) settled by earlier deliveries. */
    long settledBase;
    /** Live slots: the operation count of the pending entry claimed for the current delivery. */
    long claimedOperations;
    /**
     * The pending entry the last {@link #claim} took (coalescing only): the writer lane compares it with the key's
     * newest before delivery. Written by the flusher before the batch is handed over.
     */
    Pending<V> claimedPending;
    /**
     * Whether the writer lane already left this slot out once for a newer operation, since its last delivery (it is
     * not left out again). Set by the flusher when it requeues the slot, cleared when the slot is resolved.
     */
    boolean skipped;
    /** The writer lane the key belongs to ({@link #laneOf}). */
    int lane;
    /** Failed attempts of {@link #record}. */
    int attempts;
    int state;
    /** Bumped whenever the slot leaves WAITING, so older entries of {@link #waiting} are recognised as stale. */
    int waitGeneration;

    Slot(K key, JournalRecord record) {
      this.key = key;
      this.record = record;
      this.firstIndex = record.index;
      this.firstCreatedMillis = record.createdMillis;
      this.operations = 1;
    }

    /** A live slot: its record comes from the pending index when it is claimed. */
    Slot(K key, long firstIndex, long firstCreatedMillis) {
      this.key = key;
      this.firstIndex = firstIndex;
      this.firstCreatedMillis = firstCreatedMillis;
    }

    boolean isDelete() {
      return record.isDelete();
    }

    /** The newest operation of the key this slot holds (the one reads must see). */
    JournalRecord newest() {
      return later == null || later.isEmpty() ? record : later.peekLast();
    }

    @Override
    public String toString() {
      if (record == null) {
        return "pending " + key + " (not claimed yet)";
      }
      return (record.isDelete() ? "delete " : "put ") + key + " #" + record.sequence + " (" + operations
          + " ops, attempt " + (attempts + 1) + ")";
    }
  }

  /** A retry: due at {@code dueMillis} unless the slot left WAITING since (generation changed). */
  private record Wait<K, V>(long dueMillis, Slot<K, V> slot, int generation) {}

  private final boolean coalesce;
  private final ConcurrentHashMap<K, Pending<V>> pending;
  private final Map<K, Slot<K, V>> slots = new HashMap<>();
  /** Ready slots, one FIFO per writer lane (a key's lane is fixed by its hash). */
  private final ArrayDeque<Slot<K, V>>[] ready;
  /** Slots in all of {@link #ready}. */
  private int readyTotal;
  private final PriorityQueue<Wait<K, V>> waiting = new PriorityQueue<>(Comparator.comparingLong(Wait::dueMillis));
  /** Every unresolved slot by its first index, for {@link #oldestIndex()}. */
  private final TreeMap<Long, Slot<K, V>> byFirstIndex = new TreeMap<>();
  /** Operations that {@link #add} folded into a later one, not yet collected by {@link #takeFolded()}. */
  private long folded;
  /** Records held: one per slot, plus the later records of slots without coalescing. */
  private int held;

  Backlog(boolean coalesce, ConcurrentHashMap<K, Pending<V>> pending) {
    this(coalesce, pending, 1);
  }

  /** A backlog whose ready slots are split over {@code lanes} writer lanes by key hash. */
  @SuppressWarnings("unchecked")
  Backlog(boolean coalesce, ConcurrentHashMap<K, Pending<V>> pending, int lanes) {
    this.coalesce = coalesce;
    this.pending = pending;
    this.ready = new ArrayDeque[lanes];
    for (int i = 0; i < lanes; i++) {
      ready[i] = new ArrayDeque<>();
    }
  }

  /** The writer lane of {@code key}: fixed, so a key's operations go through one lane, in order. */
  int laneOf(K key) {
    if (ready.length == 1) {
      return 0;
    }
    // Fibonacci hashing then a shift: keys whose hashes share their low bits (ids that step by the lane count)
    // still spread over the lanes.
    int h = key.hashCode() * 0x9E3779B9;
    return Math.floorMod(h ^ (h >>> 16), ready.length);
  }

  /** Writer lanes the ready slots are split over. */
  int lanes() {
    return ready.length;
  }

  private void readyLast(Slot<K, V> slot) {
    ready[slot.lane].addLast(slot);
    readyTotal++;
  }

  /**
   * Adds a record read from the journal for {@code key} (decoded from the record). Records must come in journal
   * order.
   */
  void add(JournalRecord record, K key) {
    Slot<K, V> slot = slots.get(key);
    if (slot == null) {
      slot = new Slot<>(key, record);
      slot.lane = laneOf(key);
      slots.put(key, slot);
      byFirstIndex.put(record.index, slot);
      slot.state = READY;
      readyLast(slot);
      held++;
      return;
    }
    if (record.sequence <= slot.newest().sequence) {
      // Only a retry record of an older Goldylox repeats a sequence (or follows a later operation of its key):
      // the newest operation read so far already carries the key's state. Counted so that the lag adds up.
      slot.operations++;
      return;
    }
    boolean failed = slot.state == WAITING || slot.state == LEFT;
    if (coalesce || failed) {
      // The new operation replaces what the slot held: the last put or delete of a key is its final state.
      slot.record = record;
      slot.decoded = false;
      slot.value = null;
      slot.operations++;
      slot.attempts = 0;
      folded++;
      if (failed) {
        slot.waitGeneration++;
        slot.state = READY;
        readyLast(slot);
      }
    } else {
      if (slot.later == null) {
        slot.later = new ArrayDeque<>();
      }
      slot.later.addLast(record);
      held++;
    }
  }

  /**
   * A key handed over by a caller (coalescing only): a new live slot, unless the key still has a slot, which then
   * carries the new operation too (a failed one that waits for a retry becomes ready at once: the new operation
   * replaces it).
   */
  void addLive(K key, long sequence, long index, long createdMillis) {
    Slot<K, V> slot = slots.get(key);
    if (slot == null) {
      if (!pending.containsKey(key)) {
        // A stale handoff: it was handed over again when its previous operation was claimed, and the flusher has
        // delivered the key's newest operation since. A caller creating a new entry now hands the key over anew.
        return;
      }
      slot = new Slot<>(key, index, createdMillis);
      slot.lane = laneOf(key);
      slots.put(key, slot);
      byFirstIndex.put(index, slot);
      slot.state = READY;
      readyLast(slot);
      held++;
    } else if ((slot.state == WAITING || slot.state == LEFT) && sequence > slot.record.sequence) {
      // A newer operation than the failed one: it goes at once (its attempts are counted afresh when claimed). A
      // handoff of the very operation that failed (queued before the claim took it) changes nothing.
      slot.waitGeneration++;
      slot.state = READY;
      readyLast(slot);
    }
  }

  /**
   * Before a slot's delivery (coalescing only): takes its key's newest pending operation as the one to deliver,
   * and marks it claimed. A slot whose key has no pending entry keeps the record read from the journal (its
   * replayed value could not be decoded); one without a record has nothing to deliver, so it is dropped and false
   * returned.
   */
  boolean claim(Slot<K, V> slot) {
    // Marked under the key's bin lock, as callers publish: a caller that publishes after this sees the claim and
    // hands the key over again (so a failure of the claimed operation cannot hold back the newer one).
    Pending<V> newest = pending.computeIfPresent(slot.key, claimer());
    if (newest == null) {
      if (slot.record != null) {
        return true;
      }
      byFirstIndex.remove(slot.firstIndex);
      slots.remove(slot.key);
      held--;
      return false;
    }
    if (slot.record == null || slot.record.sequence != newest.sequence()) {
      slot.record = newest.toRecord();
      slot.handedOver = !newest.replayed;
      slot.decoded = false;
      slot.value = null;
      slot.attempts = 0; // a new operation: its own attempts
    }
    slot.claimedPending = newest;
    slot.claimedOperations = newest.operations;
    slot.operations = Math.max(1L, newest.operations - slot.settledBase);
    return true;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private BiFunction<K, Pending<V>, Pending<V>> claimer() {
    return (BiFunction) CLAIM;
  }

  private static final BiFunction<Object, Pending<?>, Pending<?>> CLAIM = (key, pending) -> {
    pending.claimed = true;
    return pending;
  };

  /**
   * Whether an IN_FLIGHT slot's claimed operation has been replaced by a newer one of its key since the claim, and
   * was not skipped for that before: the writer lane then leaves it out of its batch, so a batch that waited
   * behind another costs no extra writer entry. Reads only the pending index (thread-safe) and fields the flusher
   * wrote before it handed the batch over: called by the writer lane.
   */
  boolean supersededSinceClaim(Slot<K, V> slot) {
    Pending<V> claimed = slot.claimedPending;
    return claimed != null && !slot.skipped && pending.get(slot.key) != claimed;
  }

  /**
   * A slot the writer lane left out ({@link #supersededSinceClaim}): ready again at the front, as the oldest, to
   * be claimed with its newest operation in the next batch; it will not be left out again.
   */
  void requeueSkipped(Slot<K, V> slot) {
    slot.skipped = true;
    slot.state = READY;
    ready[slot.lane].addFirst(slot);
    readyTotal++;
  }


  /**
   * Up to {@code max} ready slots of writer lane {@code lane}, oldest first, now IN_FLIGHT: at most one entry per
   * key.
   */
  List<Slot<K, V>> takeReady(int lane, int max) {
    ArrayDeque<Slot<K, V>> queue = ready[lane];
    int n = Math.min(max, queue.size());
    readyTotal -= n;
    List<Slot<K, V>> batch = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Slot<K, V> slot = queue.pollFirst();
      slot.state = IN_FLIGHT;
      batch.add(slot);
    }
    return batch;
  }

  /**
   * The slot's operation is settled (delivered, or dead-lettered): forgets it, and clears the key in the pending
   * index unless a later operation of the key is pending. Without coalescing, the key's next operation becomes
   * ready. Returns the number of journaled operations settled.
   */
  long resolve(Slot<K, V> slot) {
    slot.skipped = false;
    long settled = slot.operations;
    long sequence = slot.record.sequence;
    Pending<V> newer = pending.computeIfPresent(slot.key,
        (key, current) -> current.sequence() <= sequence ? null : current);
    byFirstIndex.remove(slot.firstIndex);
    if (coalesce) {
      folded += settled - 1;
    }
    if (coalesce && newer != null) {
      // A newer operation arrived after the claim; its caller may not have handed the key over (it was pending),
      // so the slot stays, standing for the operations after the delivered one. Those come later in the journal:
      // the delivered record's index is a safe checkpoint bound for them, and no other slot holds it.
      slot.settledBase = slot.claimedOperations;
      slot.firstIndex = slot.record.index;
      slot.firstCreatedMillis = newer.unclaimedSinceMillis;
      slot.attempts = 0;
      byFirstIndex.put(slot.firstIndex, slot);
      slot.state = READY;
      readyLast(slot);
      return settled;
    }
    if (slot.later != null && !slot.later.isEmpty()) {
      JournalRecord next = slot.later.pollFirst();
      slot.record = next;
      slot.decoded = false;
      slot.value = null;
      slot.firstIndex = next.index;
      slot.firstCreatedMillis = next.createdMillis;
      slot.operations = 1;
      slot.attempts = 0;
      byFirstIndex.put(next.index, slot);
      slot.state = READY;
      readyLast(slot);
    } else {
      slots.remove(slot.key);
    }
    held--;
    return settled;
  }

  /**
   * After a failed attempt of an IN_FLIGHT slot whose key has no later operation: waits until {@code dueMillis}.
   * Returns false (and does nothing) when a later operation of the key is already here: the caller then resolves
   * the failed one as replaced.
   */
  boolean retryAt(Slot<K, V> slot, long dueMillis) {
    if (!coalesce && hasLater(slot)) {
      return false; // with coalescing a later operation may arrive any time: the retry delivers the newest one
    }
    slot.state = WAITING;
    waiting.add(new Wait<>(dueMillis, slot, slot.waitGeneration));
    return true;
  }

  /** After a failed attempt during close: the slot stays unresolved (in the journal) and is not retried. */
  void leave(Slot<K, V> slot) {
    slot.state = LEFT;
  }

  /**
   * Whether a later operation of the slot's key waits behind its current one: queued behind it without
   * coalescing, newer in the pending index with coalescing (where callers may add one at any time).
   */
  boolean hasLater(Slot<K, V> slot) {
    if (coalesce) {
      Pending<V> newest = pending.get(slot.key);
      return newest != null && newest.sequence() > slot.record.sequence;
    }
    return slot.later != null && !slot.later.isEmpty();
  }

  /** Makes the retries due at {@code nowMillis} ready. Returns how many. */
  int releaseDue(long nowMillis) {
    int released = 0;
    for (Wait<K, V> next = waiting.peek(); next != null && next.dueMillis <= nowMillis; next = waiting.peek()) {
      waiting.poll();
      if (makeReady(next)) {
        released++;
      }
    }
    return released;
  }

  /** Makes every waiting retry ready now (close gives each one last attempt). */
  void releaseAll() {
    for (Wait<K, V> next = waiting.poll(); next != null; next = waiting.poll()) {
      makeReady(next);
    }
  }

  private boolean makeReady(Wait<K, V> wait) {
    Slot<K, V> slot = wait.slot;
    if (slot.state != WAITING || slot.waitGeneration != wait.generation) {
      return false; // replaced meanwhile, and made ready then
    }
    slot.waitGeneration++;
    slot.state = READY;
    readyLast(slot);
    return true;
  }

  /** When the earliest retry is due (epoch ms), or {@link Long#MAX_VALUE} when none waits. */
  long nextDueMillis() {
    for (Wait<K, V> next = waiting.peek(); next != null; next = waiting.peek()) {
      if (next.slot.state == WAITING && next.slot.waitGeneration == next.generation) {
        return next.dueMillis;
      }
      waiting.poll(); // stale
    }
    return Long.MAX_VALUE;
  }

  /** The lowest journal index an unresolved slot needs, or {@link Long#MAX_VALUE} when none is unresolved. */
  long oldestIndex() {
    return byFirstIndex.isEmpty() ? Long.MAX_VALUE : byFirstIndex.firstKey();
  }

  /** Creation time (epoch ms) of the oldest unresolved operation, or {@link Long#MAX_VALUE}. */
  long oldestCreatedMillis() {
    return byFirstIndex.isEmpty() ? Long.MAX_VALUE : byFirstIndex.firstEntry().getValue().firstCreatedMillis;
  }

  /** Creation time (epoch ms) of the oldest operation of the slot that is next to be delivered. */
  long nextReadyCreatedMillis() {
    long oldest = Long.MAX_VALUE;
    for (int lane = 0; lane < ready.length; lane++) {
      oldest = Math.min(oldest, nextReadyCreatedMillis(lane));
    }
    return oldest;
  }

  /** As {@link #nextReadyCreatedMillis()}, for the slots of writer lane {@code lane}. */
  long nextReadyCreatedMillis(int lane) {
    Slot<K, V> next = ready[lane].peekFirst();
    return next == null ? Long.MAX_VALUE : next.firstCreatedMillis;
  }

  /** Keys with an unresolved operation. */
  int keys() {
    return slots.size();
  }

  /** Records held in memory (with coalescing, one per key): what the flusher's read-ahead bounds. */
  int records() {
    return held;
  }

  /** Slots ready for delivery. */
  int readyCount() {
    return readyTotal;
  }

  /** Slots of writer lane {@code lane} ready for delivery. */
  int readyCount(int lane) {
    return ready[lane].size();
  }

  /** Operations folded into a later one of their key since the previous call. */
  long takeFolded() {
    long n = folded;
    folded = 0;
    return n;
  }

  /** Journaled operations the unresolved slots stand for. */
  long operations() {
    long total = 0;
    for (Slot<K, V> slot : slots.values()) {
      total += slot.operations + (slot.later == null ? 0 : slot.later.size());
    }
    return total;
  }

  /** Every unresolved slot, for the replay to publish the pending index. */
  Collection<Slot<K, V>> slots() {
    return slots.values();
  }
}

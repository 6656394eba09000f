package io.goldylox.cache;

import static io.goldylox.cache.OperationBodies.NOTHING;

import io.goldylox.cache.EntryOperation.Body;
import io.goldylox.event.EventDispatcher;
import io.goldylox.event.Nesting;
import io.goldylox.expiry.ExpiryCalculator;
import io.goldylox.expiry.ExpirySweeper;
import io.goldylox.internal.CacheEntry;
import io.goldylox.serialization.Copier;
import io.goldylox.serialization.SerializedBytes;
import io.goldylox.stats.CacheStatistics;
import io.goldylox.tier.ExpiredRemovals;
import io.goldylox.tier.StoredEntry;
import io.goldylox.tier.Tier;
import io.goldylox.writebehind.WriteBehindJournal;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import javax.cache.event.EventType;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * The one place where a {@link GoldyloxCache} operation's decision becomes a change. {@link #execute} runs an
 * {@link OperationBodies operation body} on a key inside one atomic step of the tier ({@link Tier#compute});
 * {@link #step} drops an expired entry it finds, runs the body, and {@link #commit} applies the decision: the
 * write-through writer or the write-behind journal (before anything changes, so a failing writer leaves the cache
 * as it was), the new deadline, the stored copy of the value, and the events. {@link #finish} then records the
 * statistics and delivers synchronous events on the calling thread, after the key was released.
 *
 * <p>Holds no mutable state but the count of expired entries (a {@link LongAdder}). Its methods run on callers'
 * threads, on the manager's loader threads (loadAll) and on the expiry timer's thread ({@link #sweepExpired});
 * {@link #step} and {@link #commit} only inside the key's atomic step.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class AtomicSteps<K, V> {

  /** Step flags: the step may load a missing value (read-through, pending write-behind). */
  static final int LOAD_ALLOWED = 1;
  /** Step flags: the caller told the writer already (putAll, removeAll). */
  static final int SKIP_WRITER = 2;

  /** What {@link #finish} records. */
  static final int HIT_OR_MISS = 1;
  static final int GET_TIME = 2;
  static final int PUT_TIME = 4;
  static final int REMOVE_TIME = 8;

  private final GoldyloxCache<K, V> cache;
  private final Tier<K> tier;
  private final Copier copier;
  /** The write-through writer, or {@code null}. */
  private final CacheWriter<K, V> writer;
  /** The write-behind journal, or {@code null}; excludes {@link #writer}. */
  private final WriteBehindJournal<K, V> writeBehind;
  private final ExpiryCalculator expiry;
  /** Whether {@link #expiry} never gives a deadline: then steps need not read the clock. */
  private final boolean eternal;
  private final ExpirySweeper sweeper;
  private final EventDispatcher<K, V> events;
  private final CacheStatistics statistics;
  /** Entries removed because they expired (found by a read or a write, or reclaimed by a sweep). */
  private final LongAdder expiredEntries = new LongAdder();
  /** Changes that bulk operations talking to the store outside the steps must know of. */
  final ChangeStamps stamps = new ChangeStamps();

  AtomicSteps(GoldyloxCache<K, V> cache, Tier<K> tier, Copier copier, CacheWriter<K, V> writer,
      WriteBehindJournal<K, V> writeBehind, ExpiryCalculator expiry, ExpirySweeper sweeper,
      EventDispatcher<K, V> events, CacheStatistics statistics) {
    this.cache = cache;
    this.tier = tier;
    this.copier = copier;
    this.writer = writer;
    this.writeBehind = writeBehind;
    this.expiry = expiry;
    this.eternal = expiry.isEternal();
    this.sweeper = sweeper;
    this.events = events;
    this.statistics = statistics;
  }

  /**
   * Runs {@code body} on {@code key} inside one atomic step of the tier and applies its decision. The caller
   * passes a key it may store (already copied for store-by-value when the step may insert it). The returned
   * operation reports what the step did; the caller finishes it ({@link #finish}) or delivers its events.
   */
  EntryOperation<K, V> execute(K key, Body<Object, Object> body, Object first, Object second, int flags) {
    // The bodies (OperationBodies) are written for Object keys and values; they only pass on the caller's K and V.
    @SuppressWarnings("unchecked")
    Body<K, V> typed = (Body<K, V>) (Body<?, ?>) body;
    EntryOperation<K, V> op = new EntryOperation<>(cache, typed, first, second, flags);
    Nesting nesting = Nesting.current();
    nesting.enterStep(); // what the step's loader, writer or processor delivers does not wait for other keys
    try {
      tier.compute(key, op); // runs step(op, key, current) under the key's lock
    } catch (RuntimeException | Error e) {
      nesting.exitStep();
      op.abandonSyncEvents(); // failed after its step published (a remote tier's write): given up, in turn
      throw e;
    }
    nesting.exitStep();
    return recorded(op);
  }

  /** Records what the step of {@code op} did: the deadline it set for the sweep, and the statistics. */
  private EntryOperation<K, V> recorded(EntryOperation<K, V> op) {
    if (op.deadline != StoredEntry.ETERNAL) {
      sweeper.deadlineSet(op.deadline);
    }
    if (op.expired != null) {
      expiredEntries.increment();
    }
    if (op.put) {
      statistics.recordPuts(1);
    }
    if (op.removal) {
      statistics.recordRemovals(1);
    }
    return op;
  }

  /**
   * The atomic step of {@code op} on key {@code k}, whose mapping is {@code current}: drops an expired entry, runs
   * the body, commits its decision and returns the entry to keep. Called by {@link EntryOperation#apply} only,
   * inside {@link Tier#compute}.
   */
  StoredEntry step(EntryOperation<K, V> op, K k, StoredEntry current) {
    // An eternal cache holding an eternal entry never needs the time.
    long now = eternal && (current == null || !current.isMortal()) ? 0L : System.currentTimeMillis();
    StoredEntry live = current;
    if (current != null && current.isExpiredAt(now)) {
      live = null;
      op.expired = current;
    }
    op.begin(k, live);
    op.runBody();
    return commit(k, op, now, (op.flags & SKIP_WRITER) == 0 || op.writeAgain);
  }

  /**
   * Turns an operation's decision into the entry to keep, inside the key's atomic step: writer first (it may
   * throw, which aborts the step and leaves the mapping as it was), then expiry, then the events.
   */
  private StoredEntry commit(K key, EntryOperation<K, V> op, long now, boolean useWriter) {
    StoredEntry live = op.original();
    StoredEntry next;
    EventType event = null;
    // Whether a listener wanted the change's event when its values were taken (asked once: see below).
    boolean publishChange = false;
    V eventValue = null;
    V eventOld = null;
    switch (op.outcome()) {
      case NONE:
        next = live;
        break;
      case ACCESS: {
        long deadline = expiry.onAccess(now);
        if (deadline != ExpiryCalculator.UNCHANGED) {
          live.setExpireAtMillis(deadline);
          op.deadline = deadline;
        }
        next = live;
        break;
      }
      case LOAD:
      case CREATE:
      case UPDATE: {
        V value = op.newValue();
        boolean update = live != null;
        // Convert first: a value the cache cannot store (not serializable, say) must never reach the writer.
        Object stored = op.storedForm() != null ? op.storedForm() : copier.toStored(value);
        if (op.outcome() != EntryOperation.Outcome.LOAD && useWriter) {
          if (writer != null) {
            write(key, value);
          } else if (writeBehind != null) {
            // Appends to the journal and returns; never waits for the writer. A value stored by value is already
            // bytes of the journal's serializer: they are journaled as they are, not serialized a second time.
            writeBehind.put(key, value,
                stored instanceof SerializedBytes ? ((SerializedBytes) stored).bytes() : null);
          }
        }
        if (op.outcome() != EntryOperation.Outcome.LOAD) {
          stamps.changed(key);
        }
        long deadline;
        if (update) {
          deadline = expiry.onUpdate(now);
          if (deadline == ExpiryCalculator.UNCHANGED) {
            deadline = live.expireAtMillis();
          }
        } else {
          deadline = expiry.onCreation(now);
          if (deadline <= now) {
            next = null; // born expired: not stored, no event, not counted
            break;
          }
        }
        next = update ? storedEntry(live, stored, deadline) : new StoredEntry(stored, deadline);
        op.deadline = deadline;
        if (op.outcome() != EntryOperation.Outcome.LOAD) {
          op.put = true;
        }
        event = update ? EventType.UPDATED : EventType.CREATED;
        if (events.wants(event)) {
          publishChange = true;
          eventValue = value;
          // The old value only when a listener asks for it (a by-value cache decodes it, inside the key's step).
          eventOld = update && events.isOldValueRequired() ? op.originalValue() : null;
        }
        break;
      }
      case REMOVE:
        if (useWriter) {
          if (writer != null) {
            delete(key);
          } else if (writeBehind != null) {
            writeBehind.delete(key);
          }
        }
        stamps.changed(key);
        next = null;
        if (live != null) {
          op.removal = true;
          event = EventType.REMOVED;
          if (events.wants(event)) {
            publishChange = true;
            eventOld = op.originalValue();
            eventValue = eventOld;
          }
        }
        break;
      default:
        throw new AssertionError(op.outcome());
    }
    // Events, only once nothing can fail any more: an expiry found on the way first, then the change itself.
    if (op.expired != null && events.wants(EventType.EXPIRED)) {
      V expiredValue = cache.decode(op.expired.value());
      op.sync = events.publish(EventType.EXPIRED, key, expiredValue, expiredValue, op.sync);
    }
    // Not events.wants(event) again: a listener registered since the values were left out would get the event
    // without them (a CREATED or UPDATED event whose value is null).
    if (publishChange) {
      op.sync = events.publish(event, key, eventValue, eventOld, op.sync);
    }
    return next;
  }

  /**
   * The entry that replaces {@code live}: {@code live} itself when it already holds this very stored form and
   * deadline (a put of the same object, by reference), else a new one. Keeping {@code live} saves an allocation
   * and is indistinguishable from replacing it: the value is the same object and the deadline the same.
   */
  static StoredEntry storedEntry(StoredEntry live, Object stored, long deadline) {
    return live.value() == stored && live.expireAtMillis() == deadline ? live : new StoredEntry(stored, deadline);
  }

  /**
   * The entry a plain put of {@code stored} leaves where {@code current} was. An eternal policy leaves an update's
   * deadline unchanged; only entries persisted under another policy have one at all. Static, so that the put's
   * closure captures the stored form alone.
   */
  static StoredEntry plainPut(StoredEntry current, Object stored) {
    if (current == null) {
      return new StoredEntry(stored, StoredEntry.ETERNAL);
    }
    long deadline = current.isMortal() && !current.isExpiredAt(System.currentTimeMillis())
        ? current.expireAtMillis() : StoredEntry.ETERNAL;
    return storedEntry(current, stored, deadline);
  }

  private void write(K key, V value) {
    try {
      writer.write(new CacheEntry<>(key, value));
    } catch (Exception e) {
      throw asWriterException(e);
    }
  }

  private void delete(K key) {
    try {
      writer.delete(key);
    } catch (Exception e) {
      throw asWriterException(e);
    }
  }

  static CacheWriterException asWriterException(Exception e) {
    return e instanceof CacheWriterException ? (CacheWriterException) e : new CacheWriterException(e);
  }

  /**
   * Removes the entry of {@code key} if it is (still) expired, firing EXPIRED: a step that does nothing, since
   * every step drops the expired entry it finds. It re-checks even when it is the entry a reader found expired: a
   * lock-free read may have moved its deadline since.
   */
  void expire(K key) {
    @SuppressWarnings("unchecked")
    Body<K, V> nothing = (Body<K, V>) (Body<?, ?>) NOTHING;
    EntryOperation<K, V> op = new EntryOperation<>(cache, nothing, null, null, 0);
    Nesting nesting = Nesting.current();
    nesting.enterStep();
    try {
      tier.computeExpiry(key, op); // a near cache drops its own copy only: the shared store expires its copy itself
    } catch (RuntimeException | Error e) {
      nesting.exitStep();
      op.abandonSyncEvents();
      throw e;
    }
    nesting.exitStep();
    recorded(op).deliverSyncEvents();
  }

  /**
   * How the tiers' own workers expire what they meet expired ({@link ExpiredRemovals}): as a sweep does, counted
   * and with the EXPIRED event (decoded inside the key's step, like any event), when a listener wants it.
   */
  ExpiredRemovals<K> expiredRemovals() {
    return new ExpiredRemovals<>() {
      @Override
      public boolean wanted() {
        return events.wants(EventType.EXPIRED);
      }

      @Override
      public Runnable removed(K key, Object storedValue) {
        V value;
        try {
          value = cache.decode(storedValue);
        } catch (RuntimeException e) {
          return UNREADABLE; // a class refused or changed since: the mover drops the entry and counts it
        }
        expiredEntries.increment();
        EventDispatcher.SyncEvents<K, V> sync = events.publish(EventType.EXPIRED, key, value, value, null);
        return sync == null ? null : sync::deliver;
      }

      @Override
      public void sweepSoon() {
        sweeper.deadlineSet(System.currentTimeMillis());
      }
    };
  }

  /** How soon a sweep comes back for entries it could not expire because the remote store failed. */
  static final long REMOTE_RETRY_MILLIS = 1_000;

  /**
   * One sweep of the expiry timer: removes what expired by {@code now}, returns the earliest other deadline. What
   * failed is logged once per sweep, with the count: a synchronous EXPIRED listener that threw (the log is the only
   * place to report it), or the remote store (an entry it could not expire stays, and the sweep comes back for it
   * within {@link #REMOTE_RETRY_MILLIS}).
   */
  long sweepExpired(long now) {
    long earliest = StoredEntry.ETERNAL;
    if (cache.isClosed()) {
      return earliest;
    }
    RuntimeException listenerFailure = null;
    int listenerFailures = 0;
    RuntimeException remoteFailure = null;
    int remoteFailures = 0;
    boolean expiredSome = false;
    for (Iterator<Map.Entry<K, StoredEntry>> it = tier.localIterator(); it.hasNext(); ) {
      Map.Entry<K, StoredEntry> mapping = it.next();
      StoredEntry entry = mapping.getValue();
      if (entry.isExpiredAt(now)) {
        expiredSome = true;
        try {
          expire(mapping.getKey());
        } catch (io.goldylox.remote.RemoteStoreException e) {
          remoteFailure = remoteFailure == null ? e : remoteFailure;
          remoteFailures++;
          earliest = Math.min(earliest, now + REMOTE_RETRY_MILLIS);
        } catch (RuntimeException e) {
          listenerFailure = listenerFailure == null ? e : listenerFailure;
          listenerFailures++;
        }
      } else if (entry.expireAtMillis() < earliest) {
        earliest = entry.expireAtMillis();
      }
    }
    System.Logger log = System.getLogger(GoldyloxCache.class.getName());
    if (remoteFailure != null) {
      log.log(System.Logger.Level.WARNING, "Expiry sweep of cache " + cache.getName() + ": the remote store failed"
          + " for " + remoteFailures + " expired entries (" + remoteFailure.getMessage() + "); they stay until a"
          + " sweep within " + REMOTE_RETRY_MILLIS + " ms, or a read, expires them");
    }
    if (listenerFailure != null) {
      log.log(System.Logger.Level.WARNING, "An EXPIRED listener of cache " + cache.getName() + " threw during an"
          + " expiry sweep" + (listenerFailures > 1 ? " (" + listenerFailures + " times in it; the first:)" : ""),
          listenerFailure);
    }
    if (expiredSome) {
      // The iteration is weakly consistent: over tiers, entries it had not reached yet may have moved (a read
      // promotes) to a place it had passed. Another sweep soon (throttled as every sweep) catches them; sweeps
      // stop coming once one finds nothing expired.
      earliest = Math.min(earliest, now + 1);
    }
    return earliest;
  }

  /**
   * Ends a single-key operation on the calling thread, after the key was released: records what the flags say
   * (a hit or miss by whether the entry existed, and the timings), then delivers the synchronous events.
   */
  void finish(EntryOperation<K, V> op, long start, int counts) {
    if ((counts & HIT_OR_MISS) != 0) {
      if (op.existedBefore()) {
        statistics.recordHits(1);
      } else {
        statistics.recordMisses(1);
      }
    }
    if ((counts & GET_TIME) != 0) {
      statistics.recordGetTime(start);
    }
    if ((counts & PUT_TIME) != 0) {
      statistics.recordPutTime(start);
    }
    if ((counts & REMOVE_TIME) != 0) {
      statistics.recordRemoveTime(start);
    }
    op.deliverSyncEvents();
  }


  /** Entries removed because they expired, since the cache was created. */
  long expiredEntries() {
    return expiredEntries.sum();
  }
}

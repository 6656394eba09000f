package io.goldylox.cache;

import io.goldylox.event.EventDispatcher.SyncEvents;
import io.goldylox.tier.StoredEntry;
import java.util.Objects;
import java.util.function.BiFunction;
import javax.cache.Cache;
import javax.cache.processor.MutableEntry;

/**
 * One single-key operation of a {@link GoldyloxCache}, from the call to its return, in one object (one allocation
 * per call). It is, in turn:
 * <ol>
 *   <li>the function the tier runs inside the key's atomic step ({@link #apply}, handed to
 *       {@link io.goldylox.tier.Tier#compute}), which hands over to {@link AtomicSteps#step};</li>
 *   <li>the view through which the operation's {@link Body} reads and decides, which is also the
 *       {@link MutableEntry} entry processors see; {@link AtomicSteps} turns the decision ({@link #outcome()})
 *       into writer calls, expiry, events and statistics in one place;</li>
 *   <li>the report of what the step did ({@link #result}, {@link #expired}, {@link #deadline},
 *       {@link #put}, {@link #removal}, {@link #sync}), read by the calling thread once the key is released.</li>
 * </ol>
 * The body is a stateless function of this entry and of the call's arguments ({@link #first}, {@link #second}),
 * so a call allocates no closure: the bodies are non-capturing lambdas, each made once by the JVM.
 *
 * <p>Confined to the calling thread: every tier runs {@code compute}'s function on the thread that calls it, and
 * the tier's per-key lock orders the step before whatever the caller reads after {@code compute} returns. Never
 * shared, never reused.
 */
final class EntryOperation<K, V> implements MutableEntry<K, V>, BiFunction<K, StoredEntry, StoredEntry> {

  /** What an operation does with its key: decides through the entry, returns the call's result. */
  @FunctionalInterface
  interface Body<K, V> {
    /**
     * @param op the key's entry, inside its atomic step
     * @param first the call's first argument (a value, a processor), or {@code null}
     * @param second the call's second argument, or {@code null}
     * @return the call's result, or {@code null}
     */
    Object apply(EntryOperation<K, V> op, Object first, Object second);
  }

  /** What the operation decided for the key. */
  enum Outcome {
    /** Nothing to do. */
    NONE,
    /** The value was read: apply the access expiry. */
    ACCESS,
    /** A value was loaded by read-through: store it as created, but do not write it back. */
    LOAD,
    /** A value is set where there was none. */
    CREATE,
    /** A value replaces an existing one. */
    UPDATE,
    /** The entry is removed (the writer is told even if there was none). */
    REMOVE
  }

  // The call: set by the calling thread before the step.
  private final GoldyloxCache<K, V> cache;
  private final Body<K, V> body;
  private final Object first;
  private final Object second;
  /** {@link AtomicSteps}'s step flags (may load, skip the writer). */
  final int flags;

  // The key's state inside the step: set by begin(), then read and changed by the body.
  private K key;
  private StoredEntry original;
  private V originalValue;
  private boolean originalDecoded;
  private V value;
  private Object storedForm;
  private Outcome outcome = Outcome.NONE;

  // The report: written inside the step, read by the calling thread after it.
  /** What the body returned. */
  Object result;
  /** The expired entry the step found and dropped, or {@code null}. */
  StoredEntry expired;
  /** The deadline the step set (for the expiry sweeper), or {@link StoredEntry#ETERNAL}. */
  long deadline = StoredEntry.ETERNAL;
  /** Whether the step made a put, or a removal, that statistics count. */
  boolean put;
  boolean removal;
  /** Synchronous listener events to deliver once the key is released, or {@code null}. */
  SyncEvents<K, V> sync;
  /**
   * Set by a body of a bulk write whose writer call went before a concurrent change of the key: the step calls
   * the writer again for this key, under its lock, so that store and cache end with the same value.
   */
  boolean writeAgain;

  EntryOperation(GoldyloxCache<K, V> cache, Body<K, V> body, Object first, Object second, int flags) {
    this.cache = cache;
    this.body = body;
    this.first = first;
    this.second = second;
    this.flags = flags;
  }

  /** The tier's atomic step for the key: runs exactly once, on the calling thread (see {@link AtomicSteps#step}). */
  @Override
  public StoredEntry apply(K k, StoredEntry current) {
    return cache.steps.step(this, k, current);
  }

  /** Starts the step on {@code k}, whose live entry (unexpired) is {@code live}, or none. */
  void begin(K k, StoredEntry live) {
    key = k;
    original = live;
  }

  /** Runs the body and keeps its result. */
  void runBody() {
    result = body.apply(this, first, second);
  }

  /** The body's result, as the caller's type. */
  @SuppressWarnings("unchecked")
  <R> R result() {
    return (R) result;
  }

  Outcome outcome() {
    return outcome;
  }

  /** The value to store for {@link Outcome#LOAD}, {@link Outcome#CREATE} and {@link Outcome#UPDATE}. */
  V newValue() {
    return value;
  }

  /** The stored form of {@link #newValue()} when the caller already made it, else {@code null}. */
  Object storedForm() {
    return storedForm;
  }

  /** {@link #setValue}, with the value's stored form already made by the caller. */
  void setValue(V newValue, Object stored) {
    setValue(newValue);
    storedForm = stored;
  }

  /** Whether a live entry existed when the step started. */
  boolean existedBefore() {
    return original != null;
  }

  /** The live entry the step started with, or {@code null}. */
  StoredEntry original() {
    return original;
  }

  /** The value the entry had when the step started (decoded once), or {@code null}. */
  V originalValue() {
    if (!originalDecoded) {
      originalValue = original == null ? null : cache.decode(original.value());
      originalDecoded = true;
    }
    return originalValue;
  }

  /** Records a read that the operation made without returning the value (a failed comparison, say). */
  void markAccessed() {
    if (outcome == Outcome.NONE && original != null) {
      outcome = Outcome.ACCESS;
    }
  }

  /** Sets a value that came from a loader: stored as created, not written through. */
  void setLoaded(V loaded) {
    value = loaded;
    outcome = Outcome.LOAD;
  }

  /** Delivers the synchronous events the step queued, if any (after the key was released). */
  void deliverSyncEvents() {
    if (sync != null) {
      sync.deliver();
    }
  }

  /**
   * Whether no change of this key counted since {@code stamp} ({@link ChangeStamps}); {@code null} (no stamp
   * taken) counts as unchanged.
   */
  boolean unchangedSince(Object stamp) {
    return stamp == null || cache.steps.stamps.unchangedSince(key, (Long) stamp);
  }

  /** Gives up this step's synchronous events (the operation failed after its step published them). */
  void abandonSyncEvents() {
    if (sync != null) {
      sync.abandon();
    }
  }

  /** Appends this step's synchronous events to those of earlier steps of the same multi-key call. */
  SyncEvents<K, V> mergeSyncEvents(SyncEvents<K, V> into) {
    if (sync == null) {
      return into;
    }
    return into == null ? sync : into.addAll(sync);
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public boolean exists() {
    switch (outcome) {
      case CREATE:
      case UPDATE:
      case LOAD:
        return true;
      case REMOVE:
        return false;
      default:
        return original != null;
    }
  }

  @Override
  public V getValue() {
    switch (outcome) {
      case CREATE:
      case UPDATE:
      case LOAD:
        return value;
      case REMOVE:
        return null;
      case ACCESS:
        return originalValue();
      default: // NONE
        if (original != null) {
          outcome = Outcome.ACCESS;
          return originalValue();
        }
        if ((flags & AtomicSteps.LOAD_ALLOWED) != 0) {
          V loaded = cache.loading.loadOne(key);
          if (loaded != null) {
            setLoaded(loaded);
          }
          return loaded;
        }
        return null;
    }
  }

  @Override
  public void remove() {
    value = null;
    storedForm = null;
    outcome = (outcome == Outcome.CREATE || outcome == Outcome.LOAD) ? Outcome.NONE : Outcome.REMOVE;
  }

  @Override
  public void setValue(V newValue) {
    Objects.requireNonNull(newValue, "value");
    cache.types.mapping(getKey(), newValue);
    value = newValue;
    storedForm = null;
    outcome = original != null ? Outcome.UPDATE : Outcome.CREATE;
  }

  /**
   * Unwraps to what an entry processor may know this object as: {@link MutableEntry}, {@link Cache.Entry} or
   * {@link Object}. Never to the step function it also is, which is no business of a processor's.
   */
  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isAssignableFrom(MutableEntry.class)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("Cannot unwrap a MutableEntry to " + clazz.getName());
  }
}

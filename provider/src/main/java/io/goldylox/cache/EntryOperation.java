package io.goldylox.cache;

import io.goldylox.tier.StoredEntry;
import java.util.Objects;
import javax.cache.processor.MutableEntry;

/**
 * One key inside one atomic step: what an operation read and what it decided. Every {@code Cache} method is
 * written as a small body over this view, and {@link GoldyloxCache} turns the decision ({@link #outcome()})
 * into writer calls, expiry, events and statistics in one place. It is also the {@link MutableEntry} that
 * entry processors see.
 *
 * <p>Confined to the thread that holds the key; never shared.
 */
final class EntryOperation<K, V> implements MutableEntry<K, V> {

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

  private final GoldyloxCache<K, V> cache;
  private final K key;
  private final StoredEntry original;
  private final boolean loadAllowed;
  private V originalValue;
  private boolean originalDecoded;
  private V value;
  private Object storedForm;
  private Outcome outcome = Outcome.NONE;

  EntryOperation(GoldyloxCache<K, V> cache, K key, StoredEntry original, boolean loadAllowed) {
    this.cache = cache;
    this.key = key;
    this.original = original;
    this.loadAllowed = loadAllowed;
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
        if (loadAllowed) {
          V loaded = cache.loadOne(key);
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
    value = newValue;
    storedForm = null;
    outcome = original != null ? Outcome.UPDATE : Outcome.CREATE;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("Cannot unwrap a MutableEntry to " + clazz.getName());
  }
}

package io.goldylox.cache;

import io.goldylox.cache.EntryOperation.Body;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;

/**
 * What each single-key operation of a {@link GoldyloxCache} does inside its atomic step, as stateless constants.
 * None captures anything: the call's own objects come in as the body's arguments, so one instance of each serves
 * every call of every cache and no call allocates a closure. Written for any key and value type: they only pass
 * on the values their caller gave. Run by whichever thread holds the key's lock in {@link AtomicSteps#step}.
 */
final class OperationBodies {

  private OperationBodies() {}

  static final Body<Object, Object> NOTHING = (op, none, unused) -> null;

  /** A get that missed or found an expired entry: reads, loading when the step allows it. */
  static final Body<Object, Object> GET = (op, none, unused) -> op.getValue();

  /** {@code put(key, first)}. */
  static final Body<Object, Object> PUT = (op, value, unused) -> {
    op.setValue(value);
    return null;
  };

  /** One key of {@code putAll}: the value {@code first} whose stored form {@code second} is made already. */
  static final Body<Object, Object> PUT_STORED = (op, value, stored) -> {
    op.setValue(value, stored);
    return null;
  };

  /**
   * One key of {@code putAll} after its {@code writeAll}: as {@link #PUT_STORED}, {@code second} a
   * {@link StampedForm}; if the key changed since the stamp (a write may have reached the store after the
   * {@code writeAll}), the step writes the value again, under the key's lock.
   */
  static final Body<Object, Object> PUT_STORED_WRITTEN = (op, value, stamped) -> {
    StampedForm form = (StampedForm) stamped;
    op.writeAgain = !op.unchangedSince(form.stamp);
    op.setValue(value, form.stored);
    return null;
  };

  /** A stored form and the stamp its key had before the writer was called ({@link ChangeStamps}). */
  static final class StampedForm {
    final Object stored;
    final Long stamp;

    StampedForm(Object stored, Long stamp) {
      this.stored = stored;
      this.stamp = stamp;
    }
  }

  /** {@code getAndPut(key, first)}. */
  static final Body<Object, Object> GET_AND_PUT = (op, value, unused) -> {
    Object old = op.originalValue();
    op.setValue(value);
    return old;
  };

  /** {@code putIfAbsent(key, first)}. */
  static final Body<Object, Object> PUT_IF_ABSENT = (op, value, unused) -> {
    if (op.existedBefore()) {
      return Boolean.FALSE;
    }
    op.setValue(value);
    return Boolean.TRUE;
  };

  /** {@code remove(key)}. */
  static final Body<Object, Object> REMOVE = (op, none, unused) -> {
    boolean existed = op.existedBefore();
    op.remove();
    return existed;
  };

  /** A removal that reports nothing: {@code removeAll}, {@code Iterator.remove}. */
  static final Body<Object, Object> DISCARD = (op, none, unused) -> {
    op.remove();
    return null;
  };

  /**
   * One key of {@code removeAll} after its {@code deleteAll}: as {@link #DISCARD}; if the key changed since the
   * stamp {@code first}, the step deletes it again, under the key's lock.
   */
  static final Body<Object, Object> DISCARD_DELETED = (op, stamp, unused) -> {
    op.writeAgain = !op.unchangedSince(stamp);
    op.remove();
    return null;
  };

  /** {@code remove(key, first)}. */
  static final Body<Object, Object> REMOVE_IF_EQUAL = (op, oldValue, unused) -> {
    if (!op.existedBefore()) {
      return Boolean.FALSE;
    }
    if (oldValue.equals(op.originalValue())) {
      op.remove();
      return Boolean.TRUE;
    }
    op.markAccessed();
    return Boolean.FALSE;
  };

  /** {@code getAndRemove(key)}. */
  static final Body<Object, Object> GET_AND_REMOVE = (op, none, unused) -> {
    Object old = op.originalValue();
    op.remove();
    return old;
  };

  /** {@code replace(key, first, second)}. */
  static final Body<Object, Object> REPLACE_IF_EQUAL = (op, oldValue, newValue) -> {
    if (!op.existedBefore()) {
      return Boolean.FALSE;
    }
    if (oldValue.equals(op.originalValue())) {
      op.setValue(newValue);
      return Boolean.TRUE;
    }
    op.markAccessed();
    return Boolean.FALSE;
  };

  /** {@code replace(key, first)}. */
  static final Body<Object, Object> REPLACE = (op, value, unused) -> {
    if (!op.existedBefore()) {
      return Boolean.FALSE;
    }
    op.setValue(value);
    return Boolean.TRUE;
  };

  /** {@code getAndReplace(key, first)}. */
  static final Body<Object, Object> GET_AND_REPLACE = (op, value, unused) -> {
    if (!op.existedBefore()) {
      return null;
    }
    Object old = op.originalValue();
    op.setValue(value);
    return old;
  };

  /**
   * {@code loadAll} replacing existing values: stores the loaded value {@code first}, unless the key changed since
   * its stamp {@code second} was taken before the loader ran ({@link ChangeStamps}).
   */
  static final Body<Object, Object> LOAD = (op, value, stamp) -> {
    if (op.unchangedSince(stamp)) { // else the store may have moved on since it was read: not kept
      op.setLoaded(value);
    }
    return null;
  };

  /** {@code loadAll} keeping existing values: as {@link #LOAD}, where the key has no value. */
  static final Body<Object, Object> LOAD_IF_ABSENT = (op, value, stamp) -> {
    if (!op.exists() && op.unchangedSince(stamp)) {
      op.setLoaded(value);
    }
    return null;
  };

  /**
   * One loaded key of {@code getAll}: stores {@code first} where there is none, returns the value then held; if the
   * key changed since its stamp {@code second}, returns the loaded value without keeping it.
   */
  static final Body<Object, Object> LOAD_IF_ABSENT_THEN_GET = (op, value, stamp) -> {
    if (!op.exists()) {
      if (!op.unchangedSince(stamp)) {
        return value; // the key changed while it loaded: returned (the read came first), not kept
      }
      op.setLoaded(value);
    }
    return op.exists() ? op.getValue() : null;
  };

  /** {@code invoke(key, first, second...)}: the processor {@code first} with the arguments {@code second}. */
  static final Body<Object, Object> INVOKE = (op, processor, arguments) -> {
    @SuppressWarnings("unchecked")
    EntryProcessor<Object, Object, ?> typed = (EntryProcessor<Object, Object, ?>) processor;
    try {
      return typed.process(op, (Object[]) arguments);
    } catch (EntryProcessorException e) {
      throw e;
    } catch (Exception e) {
      throw new EntryProcessorException(e);
    }
  };
}

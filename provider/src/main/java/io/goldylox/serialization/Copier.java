package io.goldylox.serialization;

/**
 * Decides how keys and values cross the boundary between callers and the cache: the form a value is stored in,
 * how it is handed back, and how keys are detached from the caller's object.
 *
 * <p>Store-by-reference ({@link ReferenceCopier}) stores the caller's objects; store-by-value
 * ({@link ValueCopier}) stores immutable objects as they are and everything else as serialized bytes, so a caller mutating an object it put, or one it
 * got, never changes the cache. Implementations are thread-safe.
 */
public interface Copier {

  /** The form in which {@code value} is kept by the cache. */
  Object toStored(Object value);

  /** A value for a caller, made from the stored form; never the same mutable object twice. */
  Object fromStored(Object stored);

  /** A key the cache may keep: equal to {@code key}, but unaffected by later changes to it. */
  <T> T copyKey(T key);
}

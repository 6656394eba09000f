package io.goldylox.serialization;

import java.util.function.Function;

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

  /** What {@link #rewriteOrStored} returns when it overwrote the key's record in place. */
  Object REWRITTEN = new Object() {
    @Override
    public String toString() {
      return "REWRITTEN";
    }
  };

  /**
   * For a plain put into an unbounded heap-only cache: overwrites the key's current {@link RewritableBytes}
   * ({@code current.apply(key)}, {@code null} if it has none) with {@code value} in place and returns
   * {@link #REWRITTEN}, or, when that cannot be done, returns the form to store as {@link #toStored} would (a store-by-value
   * copier returning a small value as a new {@link RewritableBytes}). The default, for copiers that keep no
   * bytes, is {@link #toStored}.
   */
  default Object rewriteOrStored(Object value, Object key, Function<Object, RewritableBytes> current) {
    return toStored(value);
  }

  /** A value for a caller, made from the stored form; never the same mutable object twice. */
  Object fromStored(Object stored);

  /** A key the cache may keep: equal to {@code key}, but unaffected by later changes to it. */
  <T> T copyKey(T key);
}

package io.goldylox.serialization;

import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Store-by-value {@link Copier}. Immutable objects ({@link ImmutableTypes}) are stored as they are; any other
 * value is stored as its {@link Serializer} bytes ({@link SerializedBytes}, the same form the off-heap and disk
 * tiers keep, so a demotion does not serialize again) and deserialized afresh for every reader; a plain put into an
 * unbounded heap keeps small values as {@link RewritableBytes} ({@link #rewriteOrStored}). Keys are copied once on
 * insertion (serialize then deserialize) unless immutable. With a {@link ClassPolicy} (a cache whose bytes also live
 * outside the heap), each key and value stored is checked against it ({@link ClassPolicy#noteStored}).
 * Thread-safe: holds no mutable state.
 */
public final class ValueCopier implements Copier {

  private final Serializer serializer;
  private final Supplier<ClassLoader> classLoader;
  /** The policy of the cache's bytes outside the heap; null when it has none. */
  private final ClassPolicy outside;

  /**
   * @param classLoader supplies the loader that resolves classes while reading values back (the cache
   *     manager's, held weakly so that a cache does not pin an undeployed application's loader)
   */
  public ValueCopier(Serializer serializer, Supplier<ClassLoader> classLoader) {
    this(serializer, classLoader, null);
  }

  /** @param outside the class policy of the cache's bytes outside the heap, or null when it keeps none */
  public ValueCopier(Serializer serializer, Supplier<ClassLoader> classLoader, ClassPolicy outside) {
    this.serializer = serializer;
    this.classLoader = classLoader;
    this.outside = outside;
  }

  @Override
  public Object toStored(Object value) {
    if (outside != null) {
      outside.noteStored(value);
    }
    if (ImmutableTypes.isImmutable(value.getClass())) {
      return value;
    }
    return new SerializedBytes(serializer.serialize(value));
  }

  @Override
  public Object rewriteOrStored(Object value, Object key, Function<Object, RewritableBytes> current) {
    if (ImmutableTypes.isImmutable(value.getClass())) {
      return value;
    }
    return serializer.serialize(value, current.apply(key), REWRITE_OR_STORE);
  }

  /**
   * Copies a serialized record from the serializer's buffer into the key's record if there is one that takes it,
   * else into an array of its own.
   */
  private static final Serializer.BytesSink<RewritableBytes, Object> REWRITE_OR_STORE = (current, bytes, length) -> {
    if (current != null && current.tryRewrite(bytes, length)) {
      return REWRITTEN;
    }
    byte[] copy = Arrays.copyOf(bytes, length);
    return RewritableBytes.fits(length) ? new RewritableBytes(copy) : new SerializedBytes(copy);
  };

  @Override
  public Object fromStored(Object stored) {
    if (stored instanceof SerializedBytes) {
      return serializer.deserialize(((SerializedBytes) stored).bytes(), classLoader.get());
    }
    if (stored instanceof RewritableBytes) {
      return serializer.deserialize((RewritableBytes) stored, classLoader.get());
    }
    return stored;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T copyKey(T key) {
    if (outside != null) {
      outside.noteStored(key);
    }
    if (ImmutableTypes.isImmutable(key.getClass())) {
      return key;
    }
    return (T) serializer.deserialize(serializer.serialize(key), classLoader.get());
  }
}

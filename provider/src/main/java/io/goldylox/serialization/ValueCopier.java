package io.goldylox.serialization;

import java.util.function.Supplier;

/**
 * Store-by-value {@link Copier}. Immutable objects ({@link ImmutableTypes}) are stored as they are; any other
 * value is stored as its {@link Serializer} bytes ({@link SerializedBytes}, the same form the off-heap and disk
 * tiers keep, so a demotion does not serialize again) and deserialized afresh for every reader. Keys are copied
 * once on insertion (serialize then deserialize) unless immutable. Thread-safe: holds no mutable state.
 */
public final class ValueCopier implements Copier {

  private final Serializer serializer;
  private final Supplier<ClassLoader> classLoader;

  /**
   * @param classLoader supplies the loader that resolves classes while reading values back (the cache
   *     manager's, held weakly so that a cache does not pin an undeployed application's loader)
   */
  public ValueCopier(Serializer serializer, Supplier<ClassLoader> classLoader) {
    this.serializer = serializer;
    this.classLoader = classLoader;
  }

  @Override
  public Object toStored(Object value) {
    if (ImmutableTypes.isImmutable(value.getClass())) {
      return value;
    }
    return new SerializedBytes(serializer.serialize(value));
  }

  @Override
  public Object fromStored(Object stored) {
    if (stored instanceof SerializedBytes) {
      return serializer.deserialize(((SerializedBytes) stored).bytes(), classLoader.get());
    }
    return stored;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T copyKey(T key) {
    if (ImmutableTypes.isImmutable(key.getClass())) {
      return key;
    }
    return (T) serializer.deserialize(serializer.serialize(key), classLoader.get());
  }
}

package io.goldylox.serialization;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Store-by-value {@link Copier}. Immutable objects ({@link ImmutableTypes}) are stored as they are; any other
 * value is stored as the bytes of its {@link Serializer} form, wrapped in {@link SerializedValue}, and
 * deserialized afresh for every reader. Keys are copied once on insertion (serialize then deserialize) unless
 * immutable. Thread-safe: holds no mutable state.
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
    return new SerializedValue(serializer.serialize(value));
  }

  @Override
  public Object fromStored(Object stored) {
    if (stored instanceof SerializedValue) {
      return serializer.deserialize(((SerializedValue) stored).bytes, classLoader.get());
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

  /** The serialized form of a mutable value; equality is by content, for diagnostics only. */
  static final class SerializedValue {
    final byte[] bytes;

    SerializedValue(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof SerializedValue && Arrays.equals(bytes, ((SerializedValue) o).bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "SerializedValue[" + bytes.length + " bytes]";
    }
  }
}

package io.goldylox.serialization;

/**
 * Turns values into bytes and back. It is the one representation contract shared by store-by-value copying
 * and by the tiers that keep entries outside the Java heap, so a value that a cache accepted can always be
 * stored in any of its tiers.
 *
 * <p>Implementations must be thread-safe: callers' threads and background workers use one instance at once.
 */
public interface Serializer {

  /**
   * Returns the bytes of {@code value}.
   *
   * @throws SerializationException if the value cannot be represented, naming its class and the reason
   */
  byte[] serialize(Object value);

  /**
   * Rebuilds a value from bytes produced by {@link #serialize}, resolving classes with {@code classLoader}.
   *
   * @throws SerializationException if the bytes cannot be read back or a class is not allowed
   */
  Object deserialize(byte[] bytes, ClassLoader classLoader);
}

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

  /** Takes a serialized record that sits in a reused buffer, valid only during the call. */
  @FunctionalInterface
  interface BytesSink<C, R> {
    R accept(C context, byte[] bytes, int length);
  }

  /**
   * Serializes {@code value} and hands its bytes to {@code sink} while they are still in this thread's reused
   * buffer, for a caller that copies them to where they are kept (no array of their own is made); returns what
   * the sink returns. The default serializes into a new array first.
   *
   * @throws SerializationException as {@link #serialize(Object)}
   */
  default <C, R> R serialize(Object value, C context, BytesSink<C, R> sink) {
    byte[] bytes = serialize(value);
    return sink.accept(context, bytes, bytes.length);
  }

  /**
   * Rebuilds a value from bytes produced by {@link #serialize}, resolving classes with {@code classLoader}.
   *
   * @throws SerializationException if the bytes cannot be read back or a class is not allowed
   */
  Object deserialize(byte[] bytes, ClassLoader classLoader);

  /**
   * As {@link #deserialize(byte[], ClassLoader)}, for a record in the first {@code length} bytes of
   * {@code bytes} (a reused buffer). The default copies them out first.
   */
  default Object deserialize(byte[] bytes, int length, ClassLoader classLoader) {
    return deserialize(length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length), classLoader);
  }

  /**
   * As {@link #deserialize(byte[], ClassLoader)}, for the current value of a record that puts may overwrite while
   * it is read: the bytes are copied out first (a consistent copy, see {@link RewritableBytes}). The default copies
   * them into a new array; a serializer with per-thread buffers copies them into one of those.
   */
  default Object deserialize(RewritableBytes record, ClassLoader classLoader) {
    return deserialize(record.toByteArray(), classLoader);
  }

  /**
   * The name of the format this serializer writes ({@code java}, {@code fory}); a disk tier records it so that a
   * reader of another format never misreads the files.
   */
  default String formatName() {
    return getClass().getName();
  }

  /** Whether this serializer reads back what a serializer of format {@code writtenBy} wrote. */
  default boolean reads(String writtenBy) {
    return formatName().equals(writtenBy);
  }

  /**
   * A serializer that writes the same bytes, but whose {@link #deserialize} instantiates only the classes
   * {@code policy} allows and throws {@link ClassRejectedException} before instantiating any other: for bytes
   * that came from outside the process. The default is this serializer itself (no checks).
   */
  default Serializer guarded(ClassPolicy policy) {
    return this;
  }

  /** Whether this is a {@link #guarded} serializer: its reads check classes against a policy. */
  default boolean checksClasses() {
    return false;
  }
}

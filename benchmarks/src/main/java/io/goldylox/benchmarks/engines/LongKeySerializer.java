package io.goldylox.benchmarks.engines;

import io.goldylox.serialization.Serializer;
import java.nio.ByteBuffer;

/**
 * Writes a {@code Long} key as its 8 big-endian bytes. Used only for the extra disk-tier row that separates the
 * log's own cost from Java serialization's cost of writing each key into the log (about 80 bytes and an
 * ObjectOutputStream per put). Stateless and thread-safe.
 */
final class LongKeySerializer implements Serializer {

  @Override
  public byte[] serialize(Object value) {
    if (!(value instanceof Long)) {
      throw new IllegalArgumentException("LongKeySerializer writes Long keys only, not "
          + (value == null ? "null" : value.getClass().getName()));
    }
    return ByteBuffer.allocate(Long.BYTES).putLong((Long) value).array();
  }

  @Override
  public Object deserialize(byte[] bytes, ClassLoader classLoader) {
    if (bytes.length != Long.BYTES) {
      throw new IllegalArgumentException("LongKeySerializer reads 8-byte keys, not " + bytes.length + " bytes");
    }
    return ByteBuffer.wrap(bytes).getLong();
  }
}

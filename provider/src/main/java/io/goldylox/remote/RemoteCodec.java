package io.goldylox.remote;

import io.goldylox.serialization.Copier;
import io.goldylox.serialization.ImmutableTypes;
import io.goldylox.serialization.ReferenceCopier;
import io.goldylox.serialization.SerializedBytes;
import io.goldylox.serialization.Serializer;
import io.goldylox.tier.StoredEntry;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The bytes a {@link NearCacheTier} keeps in its {@link RemoteStore}: keys are the cache's serializer bytes (so
 * equal keys must serialize to equal bytes, as {@code String}, boxed numbers and records of them do), and a value
 * record is a magic byte, a format version, the deadline (8 bytes, wall-clock milliseconds) and the serialized
 * value.
 *
 * <p>Values read from the store are network input. They are decoded only through the cache's guarded serializer
 * ({@link io.goldylox.serialization.Serializer#guarded}: the cache's {@code ClassPolicy}, and the
 * {@code ObjectInputFilter} for Java streams), and only an instance of the cache's value type is accepted: a record
 * of another format, another class or a class the serializer refuses is reported as {@code null} (a miss) and
 * counted in {@link RemoteMetrics#foreignRecords}, never handed to a caller and never thrown from a read.
 * Stateless apart from its metrics; any thread.
 */
final class RemoteCodec {

  private static final System.Logger LOG = System.getLogger(RemoteCodec.class.getName());
  static final byte MAGIC = (byte) 0xB7;
  /** 2: payloads carry the serializer's format byte (Fory records and Java serialization's are told apart). */
  static final byte VERSION = 2;
  private static final int HEADER = RemoteStore.DEADLINE_OFFSET + Long.BYTES;

  private final Serializer serializer;
  private final Copier copier;
  private final Supplier<ClassLoader> classLoader;
  private final Class<?> valueType;
  private final RemoteMetrics metrics;
  private final String cacheName;
  private volatile boolean warned;

  RemoteCodec(Serializer serializer, Copier copier, Supplier<ClassLoader> classLoader, Class<?> valueType,
      RemoteMetrics metrics, String cacheName) {
    this.serializer = serializer;
    this.copier = copier;
    this.classLoader = classLoader;
    this.valueType = valueType;
    this.metrics = metrics;
    this.cacheName = cacheName;
  }

  byte[] key(Object key) {
    return serializer.serialize(key);
  }

  /** The key of {@code bytes}, a fresh object (a copy the tier may keep); null when it cannot be read here. */
  Object decodeKey(byte[] bytes) {
    try {
      return serializer.deserialize(bytes, classLoader.get());
    } catch (RuntimeException e) {
      foreign("a key", e);
      return null;
    }
  }

  byte[] encode(StoredEntry entry) {
    Object value = entry.value();
    byte[] payload = value instanceof SerializedBytes ? ((SerializedBytes) value).bytes()
        : serializer.serialize(value);
    ByteBuffer buffer = ByteBuffer.allocate(HEADER + payload.length);
    buffer.put(MAGIC).put(VERSION).putLong(entry.expireAtMillis()).put(payload);
    return buffer.array();
  }

  /**
   * The entry a record stands for, in the form the cache stores (the object for a cache by reference or an
   * immutable value, else the serialized bytes); null, counted and logged once, when it is not a record this cache
   * can read.
   */
  StoredEntry decode(byte[] record) {
    if (record.length < HEADER || record[0] != MAGIC || record[1] != VERSION) {
      foreign("a record of another format (" + record.length + " bytes)", null);
      return null;
    }
    long deadline = ByteBuffer.wrap(record, RemoteStore.DEADLINE_OFFSET, Long.BYTES).getLong();
    byte[] payload = Arrays.copyOfRange(record, HEADER, record.length);
    Object value;
    try {
      value = serializer.deserialize(payload, classLoader.get());
    } catch (RuntimeException e) {
      foreign("a value that cannot be read here", e);
      return null;
    }
    if (value == null || !valueType.isInstance(value)) {
      foreign("a value of " + (value == null ? "null" : value.getClass().getName()) + " where "
          + valueType.getName() + " is configured", null);
      return null;
    }
    Object stored = copier instanceof ReferenceCopier || ImmutableTypes.isImmutable(value.getClass())
        ? value : new SerializedBytes(payload);
    return new StoredEntry(stored, deadline);
  }

  private void foreign(String what, RuntimeException cause) {
    metrics.foreignRecords.increment();
    if (!warned) {
      warned = true;
      LOG.log(System.Logger.Level.WARNING, "Cache '" + cacheName + "' found " + what + " in its remote store;"
          + " it is treated as a miss and counted in ForeignRecords (logged once)"
          + (cause != null ? ": " + cause : ""));
    }
  }
}

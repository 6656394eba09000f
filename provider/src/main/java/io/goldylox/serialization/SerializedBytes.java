package io.goldylox.serialization;

import java.util.Arrays;

/**
 * The stored form of a value that came up from a {@link io.goldylox.tier.LowerTier}: the bytes the cache's
 * {@link Serializer} produced for it. A {@link io.goldylox.tier.TieredTier} hands values read from its
 * lower tiers to the cache in this form (inside a {@link io.goldylox.tier.StoredEntry}), and keeps it as is when such an entry is
 * promoted to the heap, so a value is deserialized only when a caller reads it and serialized only once on its
 * way down. The cache's copiers decode it with the same serializer ({@link #bytes()} then
 * {@code Serializer.deserialize}).
 *
 * <p>Immutable by contract: nobody writes into the array after construction. Equality is by content.
 */
public final class SerializedBytes {

  private final byte[] bytes;

  public SerializedBytes(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The serialized value; callers must not modify the array. */
  public byte[] bytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SerializedBytes && Arrays.equals(bytes, ((SerializedBytes) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "SerializedBytes[" + bytes.length + " bytes]";
  }
}

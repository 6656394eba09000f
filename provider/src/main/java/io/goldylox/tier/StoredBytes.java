package io.goldylox.tier;

/**
 * A value as a {@link LowerTier} hands it back: a private copy of its serialized bytes and its absolute expiry
 * deadline in wall-clock milliseconds ({@link StoredEntry#ETERNAL} for never). Immutable; the array is owned by
 * the receiver and never touched by the tier again.
 */
public final class StoredBytes {

  private final byte[] bytes;
  private final long expireAtMillis;

  public StoredBytes(byte[] bytes, long expireAtMillis) {
    this.bytes = bytes;
    this.expireAtMillis = expireAtMillis;
  }

  /** The serialized value (the receiver's own copy). */
  public byte[] bytes() {
    return bytes;
  }

  /** The wall-clock millisecond from which the value is expired. */
  public long expireAtMillis() {
    return expireAtMillis;
  }

  @Override
  public String toString() {
    return "StoredBytes[" + bytes.length + " bytes, expireAt=" + expireAtMillis + "]";
  }
}

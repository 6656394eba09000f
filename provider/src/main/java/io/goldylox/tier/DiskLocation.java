package io.goldylox.tier;

/**
 * Where a key's latest record is in a {@link DiskTier}: the value of the tier's keydir. Immutable but for
 * {@link #unverified}; a location replaced in the keydir stays readable, as its segment's mapping does.
 *
 * <p>Threads: created by writers and recovery; read by every reader without a lock; {@link #unverified} is cleared
 * by the first reader that decodes the value.
 */
final class DiskLocation {

  final DiskSegment segment;
  final int offset;
  final int length;
  final int valueOffset;
  final int valueLength;
  final long expireAtMillis;
  /**
   * Whether the record was found at open (a file that others may have written) and its value has not been
   * decoded through the cache's guarded serializer yet; copies made by compaction or relocation keep it.
   */
  volatile boolean unverified;

  DiskLocation(DiskSegment segment, int offset, int length, int valueOffset, int valueLength, long expireAtMillis) {
    this.segment = segment;
    this.offset = offset;
    this.length = length;
    this.valueOffset = valueOffset;
    this.valueLength = valueLength;
    this.expireAtMillis = expireAtMillis;
  }

  /** This location, still unverified if {@code from} is. */
  DiskLocation unverifiedAs(DiskLocation from) {
    unverified = from.unverified;
    return this;
  }

  /** A copy of the value's bytes. */
  byte[] readValue() {
    byte[] value = new byte[valueLength];
    // A stale location is harmless: segment bytes are never overwritten and the mapping outlives the file.
    segment.buffer.get(valueOffset, value);
    return value;
  }
}

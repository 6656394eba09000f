package io.goldylox.tier;

/** What a {@link LowerTier#put} did with a value. */
public enum PutResult {
  /** The value is stored (other entries may have been evicted to make room). */
  STORED,
  /**
   * The value is larger than anything this tier can hold (the whole tier, one slab or one segment); nothing was
   * changed, an older value of the key included, and the tier counted it in its {@code rejectedOversize} metric.
   */
  REJECTED_TOO_LARGE
}

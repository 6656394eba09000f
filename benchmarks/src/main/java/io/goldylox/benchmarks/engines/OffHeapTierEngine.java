package io.goldylox.benchmarks.engines;

import io.goldylox.tier.OffHeapTier;
import io.goldylox.tier.PutResult;
import io.goldylox.tier.StoredBytes;
import io.goldylox.tier.StoredEntry;

/**
 * Goldylox's {@link OffHeapTier} with every entry eternal. Sized at twice the value bytes rounded up to a power of
 * two per entry plus 16 MiB, well above what N values need in their size class, so nothing is evicted; slabs are
 * reserved lazily, so the excess costs nothing. Used by the harness thread only.
 */
final class OffHeapTierEngine implements Engine {

  private final OffHeapTier<Long> tier;

  private OffHeapTierEngine(OffHeapTier<Long> tier) {
    this.tier = tier;
  }

  static OffHeapTierEngine create(int n, int valueBytes) {
    long nextPowerOfTwo = Integer.highestOneBit(Math.max(1, valueBytes - 1)) << 1; // >= the value's size class
    long perEntry = 2 * nextPowerOfTwo;
    return new OffHeapTierEngine(new OffHeapTier<>(n * perEntry + (16L << 20)));
  }

  @Override
  public void put(Long key, byte[] value) {
    if (tier.put(key, value, StoredEntry.ETERNAL) != PutResult.STORED) {
      throw new IllegalStateException("OffHeapTier rejected a " + value.length + "-byte value");
    }
  }

  @Override
  public byte[] get(Long key) {
    StoredBytes stored = tier.get(key);
    return stored == null ? null : stored.bytes();
  }

  @Override
  public long size() {
    return tier.size();
  }

  @Override
  public long evictions() {
    return tier.evictions();
  }

  @Override
  public long bytesUsed() {
    return tier.bytesUsed();
  }

  @Override
  public void close() {
    tier.close();
  }
}

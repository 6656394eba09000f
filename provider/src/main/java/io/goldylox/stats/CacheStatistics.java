package io.goldylox.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * The JCache statistics of one cache, kept in striped counters ({@link LongAdder}).
 *
 * <p>Callers' threads record their own operations right after each one, so a read immediately after a call
 * sees it (the TCK checks with no grace period). Recording costs one volatile read when statistics are
 * disabled; the clock is read only when they are enabled. Reading never blocks and never locks the cache:
 * a snapshot taken while operations run may be a few operations behind, never torn inside one counter.
 */
public final class CacheStatistics {

  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder removals = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder getTimeNanos = new LongAdder();
  private final LongAdder putTimeNanos = new LongAdder();
  private final LongAdder removeTimeNanos = new LongAdder();

  private volatile boolean enabled;
  /**
   * Evictions counted by the storage tiers (always, statistics on or off); the part of their count not to report
   * (evictions before the last {@link #clear()} and while statistics were disabled); and, while disabled, their
   * count when statistics were disabled.
   */
  private volatile java.util.function.LongSupplier tierEvictions = () -> 0L;
  private volatile long tierEvictionsOffset;
  private volatile long tierEvictionsAtDisable;

  /** Adds the evictions the storage tiers count (they evict on their own threads) to {@link #evictions()}. */
  public synchronized void setTierEvictions(java.util.function.LongSupplier source) {
    tierEvictions = source;
    long now = source.getAsLong();
    tierEvictionsOffset = now;
    tierEvictionsAtDisable = now;
  }

  public boolean isEnabled() {
    return enabled;
  }

  public synchronized void setEnabled(boolean enabled) {
    if (enabled == this.enabled) {
      return;
    }
    long now = tierEvictions.getAsLong();
    if (enabled) {
      tierEvictionsOffset += now - tierEvictionsAtDisable; // tier evictions while disabled are not statistics
    } else {
      tierEvictionsAtDisable = now;
    }
    this.enabled = enabled;
  }

  /** A start time for an operation to be timed, or 0 when statistics are off (the clock is not read). */
  public long startNanos() {
    return enabled ? System.nanoTime() : 0L;
  }

  public void recordHits(long count) {
    if (enabled && count != 0) {
      hits.add(count);
    }
  }

  public void recordMisses(long count) {
    if (enabled && count != 0) {
      misses.add(count);
    }
  }

  public void recordPuts(long count) {
    if (enabled && count != 0) {
      puts.add(count);
    }
  }

  public void recordRemovals(long count) {
    if (enabled && count != 0) {
      removals.add(count);
    }
  }

  public void recordEvictions(long count) {
    if (enabled && count != 0) {
      evictions.add(count);
    }
  }

  public void recordGetTime(long startNanos) {
    if (enabled && startNanos != 0L) {
      getTimeNanos.add(System.nanoTime() - startNanos);
    }
  }

  public void recordPutTime(long startNanos) {
    if (enabled && startNanos != 0L) {
      putTimeNanos.add(System.nanoTime() - startNanos);
    }
  }

  public void recordRemoveTime(long startNanos) {
    if (enabled && startNanos != 0L) {
      removeTimeNanos.add(System.nanoTime() - startNanos);
    }
  }

  public long hits() {
    return hits.sum();
  }

  public long misses() {
    return misses.sum();
  }

  public long gets() {
    return hits.sum() + misses.sum();
  }

  public long puts() {
    return puts.sum();
  }

  public long removals() {
    return removals.sum();
  }

  public long evictions() {
    long tier = enabled ? tierEvictions.getAsLong() : tierEvictionsAtDisable;
    return evictions.sum() + tier - tierEvictionsOffset;
  }

  public long getTimeNanos() {
    return getTimeNanos.sum();
  }

  public long putTimeNanos() {
    return putTimeNanos.sum();
  }

  public long removeTimeNanos() {
    return removeTimeNanos.sum();
  }

  /** Resets every counter. Concurrent recordings may survive the reset; none are torn. */
  public synchronized void clear() {
    hits.reset();
    misses.reset();
    puts.reset();
    removals.reset();
    evictions.reset();
    tierEvictionsOffset = enabled ? tierEvictions.getAsLong() : tierEvictionsAtDisable;
    getTimeNanos.reset();
    putTimeNanos.reset();
    removeTimeNanos.reset();
  }
}

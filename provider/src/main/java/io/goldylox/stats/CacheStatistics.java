package io.goldylox.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * The JCache statistics of one cache, kept in striped counters ({@link LongAdder}).
 *
 * <p>Callers' threads record their own operations right after each one, so a read immediately after a call
 * sees it (the TCK checks with no grace period). Recording costs one volatile read when statistics are
 * disabled; the clock is read only when they are enabled. Reading never blocks and never locks the cache:
 * a snapshot taken while operations run may be a few operations behind, never torn inside one counter.
 *
 * <h2>Two views</h2>
 * The JCache view ({@link #hits()}, {@link #puts()}, ...) starts again from zero at {@link #clear()}, as the
 * {@code CacheStatisticsMXBean} says. The totals ({@link #totalHits()}, ...) count the same events since the cache
 * opened and are never reset: counters for a monitoring system (Micrometer's function counters must never go
 * back). Both count only while statistics are enabled. The counters themselves only ever grow; {@code clear()}
 * records where they stood, and the JCache view subtracts that.
 *
 * <p>Threads: callers' threads record; any thread reads; {@link #setEnabled}, {@link #clear} and
 * {@link #setTierEvictions} are management calls, serialised on this object's monitor.
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

  /** The totals at the last {@link #clear()}, which the JCache view subtracts (written under the monitor). */
  private volatile Snapshot atClear = Snapshot.ZERO;

  private volatile boolean enabled;
  /**
   * Evictions counted by the storage tiers (always, statistics on or off); the part of their count not to report
   * (evictions before statistics were attached and while they were disabled); and, while disabled, their count
   * when statistics were disabled.
   */
  private volatile java.util.function.LongSupplier tierEvictions = () -> 0L;
  private volatile long tierEvictionsOffset;
  private volatile long tierEvictionsAtDisable;

  /** Adds the evictions the storage tiers count (they evict on their own threads) to {@link #evictions()}. */
  public synchronized void setTierEvictions(java.util.function.LongSupplier source) {
    long counted = totalEvictions();
    tierEvictions = source;
    long now = source.getAsLong();
    tierEvictionsOffset = now - (counted - evictions.sum()); // the tier evictions counted so far stay counted
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

  // JCache view: since the last clear()

  public long hits() {
    long base = atClear.hits; // the base first: a clear() in between makes the result stale, never negative
    return hits.sum() - base;
  }

  public long misses() {
    long base = atClear.misses;
    return misses.sum() - base;
  }

  public long gets() {
    return hits() + misses();
  }

  public long puts() {
    long base = atClear.puts;
    return puts.sum() - base;
  }

  public long removals() {
    long base = atClear.removals;
    return removals.sum() - base;
  }

  public long evictions() {
    long base = atClear.evictions;
    return Math.max(0L, totalEvictions() - base);
  }

  public long getTimeNanos() {
    long base = atClear.getTimeNanos;
    return getTimeNanos.sum() - base;
  }

  public long putTimeNanos() {
    long base = atClear.putTimeNanos;
    return putTimeNanos.sum() - base;
  }

  public long removeTimeNanos() {
    long base = atClear.removeTimeNanos;
    return removeTimeNanos.sum() - base;
  }

  // Totals: since the cache opened, never reset

  public long totalHits() {
    return hits.sum();
  }

  public long totalMisses() {
    return misses.sum();
  }

  public long totalPuts() {
    return puts.sum();
  }

  public long totalRemovals() {
    return removals.sum();
  }

  /** Evictions counted while statistics were enabled: the cache's own and the storage tiers'. */
  public long totalEvictions() {
    long tier = enabled ? tierEvictions.getAsLong() : tierEvictionsAtDisable;
    return evictions.sum() + tier - tierEvictionsOffset;
  }

  /**
   * Starts the JCache view again from zero; the totals go on. Recordings that run concurrently land on one side
   * of the reset or the other; none is torn.
   */
  public synchronized void clear() {
    atClear = new Snapshot(hits.sum(), misses.sum(), puts.sum(), removals.sum(), totalEvictions(),
        getTimeNanos.sum(), putTimeNanos.sum(), removeTimeNanos.sum());
  }

  /** Where the counters stood at a {@link #clear()}. Immutable. */
  private static final class Snapshot {
    static final Snapshot ZERO = new Snapshot(0, 0, 0, 0, 0, 0, 0, 0);

    final long hits;
    final long misses;
    final long puts;
    final long removals;
    final long evictions;
    final long getTimeNanos;
    final long putTimeNanos;
    final long removeTimeNanos;

    Snapshot(long hits, long misses, long puts, long removals, long evictions, long getTimeNanos,
        long putTimeNanos, long removeTimeNanos) {
      this.hits = hits;
      this.misses = misses;
      this.puts = puts;
      this.removals = removals;
      this.evictions = evictions;
      this.getTimeNanos = getTimeNanos;
      this.putTimeNanos = putTimeNanos;
      this.removeTimeNanos = removeTimeNanos;
    }
  }
}

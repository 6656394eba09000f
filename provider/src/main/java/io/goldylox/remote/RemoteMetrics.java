package io.goldylox.remote;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one {@link NearCacheTier}: written by callers and by the invalidation worker, read by monitoring
 * (the {@code goldylox-jmx} module) without any lock.
 */
public final class RemoteMetrics {

  /** Local misses that the remote store answered. */
  final LongAdder remoteHits = new LongAdder();
  /** Local misses that the remote store did not have either. */
  final LongAdder remoteMisses = new LongAdder();
  /** Round trips to the remote store, and their summed time. */
  final LongAdder roundTrips = new LongAdder();
  final LongAdder roundTripNanos = new LongAdder();
  /** Changes this node made to the shared copy (each one invalidates the other nodes' copies). */
  final LongAdder invalidationsSent = new LongAdder();
  /** Other nodes' changes received (keys dropped from the near cache, or whole clears). */
  final LongAdder invalidationsReceived = new LongAdder();
  /** Times the near cache was dropped whole: a clear elsewhere, a reconnect, an invalidation backlog overflow. */
  final LongAdder nearCacheDrops = new LongAdder();
  /** Times the invalidation stream was lost (the store's connection went down). */
  final LongAdder disconnects = new LongAdder();
  /** Operations that failed because the remote store failed or did not answer in time. */
  final LongAdder failures = new LongAdder();
  /** Near-cache fills after asynchronous reads skipped because too many were waiting for the worker. */
  final LongAdder skippedFills = new LongAdder();
  /** Operations served or written by the near cache alone because the store failed (on-failure = local). */
  final LongAdder localFallbacks = new LongAdder();
  /** Records read from the store that this cache cannot read (another format, class or serializer). */
  final LongAdder foreignRecords = new LongAdder();

  public long remoteHits() {
    return remoteHits.sum();
  }

  public long remoteMisses() {
    return remoteMisses.sum();
  }

  public long roundTrips() {
    return roundTrips.sum();
  }

  /** The total time of the round trips to the store, in nanoseconds. */
  public long roundTripNanos() {
    return roundTripNanos.sum();
  }

  /** Mean time of a round trip to the store since the cache was created, in microseconds (0 before the first). */
  public double meanRoundTripMicros() {
    long count = roundTrips.sum();
    return count == 0 ? 0 : roundTripNanos.sum() / 1_000.0 / count;
  }

  public long invalidationsSent() {
    return invalidationsSent.sum();
  }

  public long invalidationsReceived() {
    return invalidationsReceived.sum();
  }

  public long nearCacheDrops() {
    return nearCacheDrops.sum();
  }

  public long disconnects() {
    return disconnects.sum();
  }

  public long failures() {
    return failures.sum();
  }

  public long skippedFills() {
    return skippedFills.sum();
  }

  public long localFallbacks() {
    return localFallbacks.sum();
  }

  public long foreignRecords() {
    return foreignRecords.sum();
  }
}

package io.goldylox.jmx;

/**
 * The shared store under one cache's near cache, {@code io.goldylox:type=Remote,CacheManager=<uri>,Cache=<name>}:
 * how often the near cache missed and the store answered, the round trips, the invalidations each way, and the
 * state of the invalidation stream. Reads are counter sums; none touches the network.
 */
public interface RemoteMXBean {

  /** The store's URI (password masked) and key prefix. */
  String getStore();

  /** Whether the near cache is served: the invalidation stream is up and nothing waits to be dropped. */
  boolean isCoherent();

  /** Local misses the store answered. */
  long getRemoteHits();

  /** Local misses the store did not have either. */
  long getRemoteMisses();

  /** Round trips to the store. */
  long getRoundTrips();

  /** Mean round-trip time, in microseconds. */
  double getMeanRoundTripMicros();

  /** Changes this node made to the shared copy (each one invalidates the other nodes' near copies). */
  long getInvalidationsSent();

  /** Changes of other nodes received. */
  long getInvalidationsReceived();

  /** Times the whole near cache was dropped (a clear elsewhere, a reconnect, an invalidation backlog overflow). */
  long getNearCacheDrops();

  /** Times the invalidation stream was lost. */
  long getDisconnects();

  /** Operations failed because the store failed or did not answer in time. */
  long getFailures();

  /** Operations served or written by the near cache alone because the store failed (on-failure = local). */
  long getLocalFallbacks();

  /** Records in the store this cache could not read (treated as misses). */
  long getForeignRecords();
}

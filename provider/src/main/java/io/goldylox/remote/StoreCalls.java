package io.goldylox.remote;

import java.util.function.Supplier;

/**
 * How a {@link NearCacheTier} calls its store: each call counted and timed in {@link RemoteMetrics}, failed at
 * once while the {@link CircuitBreaker} is open, and a failure judged against the {@code on-failure} policy
 * ({@link #fallsBack}). Logs the breaker's transitions, one line each, and on the store's recovery under
 * {@code on-failure = local} runs the near cache's drop. Touched by callers' threads and the store's I/O threads
 * (asynchronous reads); its state is the breaker's volatile fields and the metrics' adders.
 */
final class StoreCalls {

  private static final System.Logger LOG = System.getLogger(NearCacheTier.class.getName());

  private final RemoteMetrics metrics;
  /** Opened by a failed round trip for max(500 ms, 5 × timeout): callers then fail (or go local) at once. */
  private final CircuitBreaker breaker;
  /** {@code on-failure = local}: serve and write the near cache alone while the store fails. */
  private final boolean localOnFailure;
  private final String cacheName;
  private final String storeDescription;
  /** Run when the store answers again under {@code on-failure = local}: what was written meanwhile was never shared. */
  private final Runnable dropNearCache;

  StoreCalls(RemoteMetrics metrics, long openNanos, boolean localOnFailure, String cacheName,
      String storeDescription, Runnable dropNearCache) {
    this.metrics = metrics;
    this.breaker = new CircuitBreaker(openNanos);
    this.localOnFailure = localOnFailure;
    this.cacheName = cacheName;
    this.storeDescription = storeDescription;
    this.dropNearCache = dropNearCache;
  }

  /**
   * One call to the store, counted and timed, unless the circuit breaker is open (then it fails at once); a
   * failure opens the breaker and goes on to the caller.
   */
  <T> T timed(Supplier<T> call) {
    check();
    long start = System.nanoTime();
    try {
      T result = call.get();
      succeeded();
      return result;
    } catch (RemoteStoreException e) {
      failed(e);
      throw e;
    } finally {
      counted(start);
    }
  }

  /**
   * Throws the failure that opened the breaker, unless this call may go to the store ({@link CircuitBreaker#admit});
   * a refusal counts as a failure.
   */
  void check() {
    try {
      breaker.check();
    } catch (RemoteStoreException e) {
      metrics.failures.increment(); // every call that fails counts, not only the one that opened the breaker
      throw e;
    }
  }

  /** Counts one round trip begun at {@code start} ({@link System#nanoTime}). */
  void counted(long start) {
    metrics.roundTrips.increment();
    metrics.roundTripNanos.add(System.nanoTime() - start);
  }

  /** Whether a failure sends this operation to the near cache alone ({@code on-failure = local}, an outage). */
  boolean fallsBack(RemoteStoreException e) {
    return localOnFailure && !(e instanceof RemoteKeyBusyException) && !interrupted(e);
  }

  /** Whether {@code e} comes from this caller being interrupted: no sign of an outage. */
  static boolean interrupted(Throwable e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InterruptedException || t.getClass().getSimpleName().contains("Interrupted")) {
        return true;
      }
    }
    return false;
  }

  void failed(RemoteStoreException e) {
    metrics.failures.increment();
    if (e instanceof RemoteKeyBusyException || interrupted(e)) {
      return; // the store answered, or this caller was interrupted: no outage
    }
    if (breaker.failed(e)) {
      LOG.log(System.Logger.Level.WARNING, "Cache '" + cacheName + "': " + e.getMessage() + (localOnFailure
          ? "; serving and writing this node's near cache alone until the store answers again (on-failure ="
              + " local), then dropping it" : "; operations fail until it answers again (on-failure = fail)"));
    }
  }

  /** A call succeeded, a caller's or the store's own probe (on the store's thread): closes the breaker. */
  void succeeded() {
    if (breaker.succeeded()) {
      LOG.log(System.Logger.Level.INFO, "Cache '" + cacheName + "': " + storeDescription + " answers again"
          + (localOnFailure ? "; dropping the near cache, which was served and written alone meanwhile" : ""));
      if (localOnFailure) {
        dropNearCache.run();
      }
    }
  }
}

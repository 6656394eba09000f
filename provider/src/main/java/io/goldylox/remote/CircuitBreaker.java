package io.goldylox.remote;

/**
 * Stops every caller from paying the store's timeout during an outage. A failed round trip opens the breaker for
 * {@code openNanos}; while it is open, calls fail at once with the failure that opened it. The first call after
 * that goes through (half-open): its success closes the breaker, its failure opens it again. Lock-free: callers
 * read and write two volatile fields; a few callers racing at the half-open moment may all try, which is harmless.
 */
final class CircuitBreaker {

  private final long openNanos;
  private volatile long openUntil;
  private volatile RemoteStoreException cause;

  CircuitBreaker(long openNanos) {
    this.openNanos = openNanos;
  }

  /** Throws the failure that opened the breaker while it is open. */
  void check() {
    RemoteStoreException failure = cause;
    if (failure != null && System.nanoTime() - openUntil < 0) {
      throw new RemoteStoreException("Not tried: the circuit breaker is open after " + failure.getMessage()
          + " (it lets one call through every " + openNanos / 1_000_000 + " ms)", failure);
    }
  }

  /** Whether the breaker is open now. */
  boolean isOpen() {
    return cause != null && System.nanoTime() - openUntil < 0;
  }

  /** Whether a failure opened the breaker and no success has closed it since (open, or due to let one through). */
  boolean tripped() {
    return cause != null;
  }

  /** Records a failed round trip: opens the breaker. Returns whether it was closed before (a new outage). */
  boolean failed(RemoteStoreException failure) {
    boolean wasClosed = cause == null;
    openUntil = System.nanoTime() + openNanos;
    cause = failure;
    return wasClosed;
  }

  /** Records a successful round trip: closes the breaker. Returns whether it was open (an outage ended). */
  boolean succeeded() {
    if (cause == null) {
      return false;
    }
    cause = null;
    return true;
  }
}

package io.goldylox.remote;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Stops every caller from paying the store's timeout during an outage. A failed round trip opens the breaker for
 * {@code openNanos}; while it is open, calls fail at once with the failure that opened it. The first call after
 * that claims it goes through (half-open): its success closes the breaker, its failure opens it again. Lock-free:
 * callers read two volatile fields, and the trial is claimed by a compare-and-set of the window's end.
 */
final class CircuitBreaker {

  private final long openNanos;
  /** While a failure is recorded: until when calls are refused; a trial moves it on by {@link #openNanos}. */
  private final AtomicLong openUntil = new AtomicLong();
  private volatile RemoteStoreException cause;

  CircuitBreaker(long openNanos) {
    this.openNanos = openNanos;
  }

  /**
   * Lets the call go to the store, or throws the failure that opened the breaker: while it is open, and once the
   * window has passed to every caller but the one that claims the trial of that window.
   */
  void check() {
    if (!admit()) {
      RemoteStoreException failure = cause;
      throw new RemoteStoreException("Not tried: the circuit breaker is open after "
          + (failure == null ? "a failure" : failure.getMessage()) + " (it lets one call through every "
          + openNanos / 1_000_000 + " ms)", failure);
    }
  }

  /**
   * Whether a call may go to the store now: always while the breaker is closed; when a failure opened it, only
   * once its window has passed, and then to the one caller that claims the trial (the others are refused until
   * the trial's own window passes, so no more than one caller a window waits for a store that does not answer).
   */
  boolean admit() {
    if (cause == null) {
      return true;
    }
    long until = openUntil.get();
    long now = System.nanoTime();
    return now - until >= 0 && openUntil.compareAndSet(until, now + openNanos);
  }

  /** Records a failed round trip: opens the breaker. Returns whether it was closed before (a new outage). */
  boolean failed(RemoteStoreException failure) {
    boolean wasClosed = cause == null;
    openUntil.set(System.nanoTime() + openNanos);
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

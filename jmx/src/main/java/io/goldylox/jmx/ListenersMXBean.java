package io.goldylox.jmx;

/**
 * Goldylox's listener MXBean of one cache, {@code io.goldylox:type=Listeners,CacheManager=<uri>,Cache=<name>}:
 * how the asynchronous entry listeners keep up. Summed over the listeners registered now; reads never block the
 * cache.
 */
public interface ListenersMXBean {

  /** Events queued for asynchronous listeners and not yet delivered (one being delivered included). */
  long getPendingAsyncEvents();

  /** Events dropped because an asynchronous listener was {@code goldylox.listener.max-pending} events behind. */
  long getDroppedAsyncEvents();

  /** Asynchronous deliveries whose listener threw. */
  long getFailedAsyncDeliveries();
}

package io.goldylox.remote;

/**
 * The store answered, but a key could not be changed now: another node held its lock for longer than
 * {@code lock-wait}, or this node's lease ran out before its write (nothing was written). No sign of an outage:
 * it neither opens the circuit breaker nor sends {@code on-failure = local} to the near cache.
 */
public class RemoteKeyBusyException extends RemoteStoreException {

  private static final long serialVersionUID = 1L;

  public RemoteKeyBusyException(String message) {
    super(message);
  }
}

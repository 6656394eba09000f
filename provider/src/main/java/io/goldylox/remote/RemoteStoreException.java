package io.goldylox.remote;

import javax.cache.CacheException;

/** A remote store failed or did not answer in time; the message names the store with any password masked. */
public class RemoteStoreException extends CacheException {

  private static final long serialVersionUID = 1L;

  public RemoteStoreException(String message) {
    super(message);
  }

  public RemoteStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}

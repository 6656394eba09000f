package io.goldylox.serialization;

import javax.cache.CacheException;

/** Raised when a value cannot be turned into bytes or read back; the message names the class and the reason. */
public class SerializationException extends CacheException {
  private static final long serialVersionUID = 1L;

  public SerializationException(String message, Throwable cause) {
    super(message, cause);
  }
}

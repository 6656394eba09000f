package io.goldylox.serialization;

/**
 * Raised instead of instantiating a class that a {@link ClassPolicy} does not allow while decoding bytes from
 * outside the process; the readers of such bytes turn it into a miss (the policy has already counted and logged).
 */
public final class ClassRejectedException extends SerializationException {
  private static final long serialVersionUID = 1L;

  public ClassRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}

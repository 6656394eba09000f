package io.goldylox.benchmarks;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The cached value of every benchmark: 100 bytes plus a version, in a plain mutable-looking class so that a
 * store-by-value cache really has to copy it (it is not one of the JDK's immutable types a provider may share).
 * Instances are never changed after construction; {@link #next()} makes a new one. Read by any thread.
 */
public final class Payload implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Size of {@link #bytes}, as in the baseline measurements. */
  public static final int SIZE = 100;

  private final long version;
  private final byte[] bytes;

  public Payload(long seed) {
    this.version = 0;
    this.bytes = new byte[SIZE];
    Arrays.fill(bytes, (byte) seed);
  }

  private Payload(long version, byte[] bytes) {
    this.version = version;
    this.bytes = bytes;
  }

  /** The version after an increment: a new instance sharing this one's (never written) bytes. */
  public Payload next() {
    return new Payload(version + 1, bytes);
  }

  public long version() {
    return version;
  }

  public int length() {
    return bytes.length;
  }
}

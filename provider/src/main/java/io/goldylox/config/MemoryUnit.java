package io.goldylox.config;

/**
 * Binary units of memory and disk sizes for the programmatic API ({@code offHeap(64, MB)}): KB is 1024 bytes,
 * MB is 1024 KB, and so on. (In configuration files, HOCON's own units apply: {@code 64MiB} or {@code 64M} is
 * binary, {@code 64MB} is decimal.) Immutable.
 */
public enum MemoryUnit {
  B(1L),
  KB(1L << 10),
  MB(1L << 20),
  GB(1L << 30),
  TB(1L << 40);

  private final long bytes;

  MemoryUnit(long bytes) {
    this.bytes = bytes;
  }

  /**
   * @return {@code amount} of this unit in bytes
   * @throws IllegalArgumentException if {@code amount} is negative or the result does not fit in a long
   */
  public long toBytes(long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("A size cannot be negative: " + amount + " " + this);
    }
    try {
      return Math.multiplyExact(amount, bytes);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(amount + " " + this + " is more bytes than a long can hold", e);
    }
  }
}

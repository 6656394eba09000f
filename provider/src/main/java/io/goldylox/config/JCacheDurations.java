package io.goldylox.config;

import java.util.concurrent.TimeUnit;
import javax.cache.expiry.Duration;

/** Converts {@link java.time.Duration} to the JCache {@link Duration} in the finest unit that is exact. */
final class JCacheDurations {

  private JCacheDurations() {}

  /** @throws IllegalArgumentException if {@code duration} is zero or negative */
  static Duration of(java.time.Duration duration, String what) {
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, not " + duration);
    }
    long nanos;
    try {
      nanos = duration.toNanos();
    } catch (ArithmeticException tooLong) {
      return new Duration(TimeUnit.SECONDS, duration.getSeconds());
    }
    if (nanos % 1_000_000_000L == 0) {
      return new Duration(TimeUnit.SECONDS, nanos / 1_000_000_000L);
    }
    if (nanos % 1_000_000L == 0) {
      return new Duration(TimeUnit.MILLISECONDS, nanos / 1_000_000L);
    }
    if (nanos % 1_000L == 0) {
      return new Duration(TimeUnit.MICROSECONDS, nanos / 1_000L);
    }
    return new Duration(TimeUnit.NANOSECONDS, nanos);
  }
}

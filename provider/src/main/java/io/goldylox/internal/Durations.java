package io.goldylox.internal;

/**
 * How log lines and command output write a span of time: the largest two units that matter, "1h 40m", "45s",
 * "250ms", so that an age, a retry budget and a timeout read alike everywhere. Stateless; any thread.
 */
public final class Durations {
  private Durations() {
  }

  /** {@code millis} as "2d 3h", "1h 40m", "3m 5s", "45s", "250ms" (negative counts as 0). */
  public static String describe(long millis) {
    long ms = Math.max(0, millis);
    long seconds = ms / 1000;
    long minutes = seconds / 60;
    long hours = minutes / 60;
    long days = hours / 24;
    if (days > 0) {
      return days + "d" + part(hours % 24, "h");
    }
    if (hours > 0) {
      return hours + "h" + part(minutes % 60, "m");
    }
    if (minutes > 0) {
      return minutes + "m" + part(seconds % 60, "s");
    }
    if (seconds > 0) {
      return seconds + "s";
    }
    return ms + "ms";
  }

  private static String part(long value, String unit) {
    return value == 0 ? "" : " " + value + unit;
  }
}

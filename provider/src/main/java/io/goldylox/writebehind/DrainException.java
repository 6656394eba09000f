package io.goldylox.writebehind;

/**
 * A problem that stops {@link Drain}, in words for the operator who ran it: printed on stderr as it is, without a
 * stack trace, and the command exits with {@link #exitCode()}. Immutable.
 */
final class DrainException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int exitCode;
  private final boolean usage;

  DrainException(int exitCode, String message) {
    this(exitCode, message, false);
  }

  private DrainException(int exitCode, String message, boolean usage) {
    super(message, null, false, false);
    this.exitCode = exitCode;
    this.usage = usage;
  }

  /** A wrong command line: the message is followed by a pointer to {@code --help}. */
  static DrainException usage(String message) {
    return new DrainException(Drain.EXIT_ERROR, message, true);
  }

  int exitCode() {
    return exitCode;
  }

  boolean isUsage() {
    return usage;
  }
}

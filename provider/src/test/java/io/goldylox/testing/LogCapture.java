package io.goldylox.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects the WARN (and worse, or from a level given) lines of one logger while it is open: {@code System.Logger} goes to
 * {@code java.util.logging} under the class's name. Records arrive on whatever thread logs them.
 */
public final class LogCapture extends Handler implements AutoCloseable {

  public final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Logger logger;
  private final Level least;

  /** Starts collecting the warnings of the logger named after {@code loggingClass}. */
  public LogCapture(Class<?> loggingClass) {
    this(loggingClass, Level.WARNING);
  }

  /** Starts collecting the lines at {@code least} and above of the logger named after {@code loggingClass}. */
  public LogCapture(Class<?> loggingClass, Level least) {
    this.logger = Logger.getLogger(loggingClass.getName());
    this.least = least;
    logger.addHandler(this);
  }

  @Override
  public void publish(LogRecord record) {
    if (record.getLevel().intValue() >= least.intValue()) {
      records.add(record);
    }
  }

  /** How many collected lines contain {@code text}. */
  public long containing(String text) {
    return records.stream().filter(r -> r.getMessage() != null && r.getMessage().contains(text)).count();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}

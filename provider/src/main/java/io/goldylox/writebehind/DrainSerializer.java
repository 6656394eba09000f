package io.goldylox.writebehind;

import io.goldylox.serialization.Serializer;
import io.goldylox.serialization.Serializers;
import io.goldylox.spi.GoldyloxCacheManager;
import javax.cache.CacheException;
import java.util.Arrays;
import java.util.List;

/**
 * The serializer {@link Drain} reads a journal with, and the check that it is the one the cache wrote with.
 *
 * <p>A cache manager picks its serializer from the manager or system property {@code goldylox.serializer}; the
 * configuration file does not say. Fory (the default) starts every record with a format byte and reads what Java
 * serialization wrote as well; Java serialization refuses Fory records. Journals written by Fory before it had a
 * format byte (Goldylox's opt-in Fory of earlier releases) are not recognised by either and could read as a long.
 * Delivered, such operations would reach the writer as wrong values, or all go to the dead-letter journal. So before anything is
 * delivered, {@link #mismatch} reads the first pending operations back and refuses what does not look right.
 * Stateless.
 */
final class DrainSerializer {

  private DrainSerializer() {}

  /**
   * The serializer named by {@code option} ({@code --serializer}), else by the system property
   * {@code goldylox.serializer}, else the cache manager's default ({@value Serializers#DEFAULT}, which also reads
   * records written by Java serialization); built as {@code GoldyloxCacheManager} builds it from the system
   * property {@code goldylox.serial-filter}.
   *
   * @throws DrainException if the name is neither java nor fory, or Fory is not on the class path
   */
  static Serializer create(String option, ClassLoader loader) {
    try {
      return Serializers.create(name(option), option != null ? "--serializer" : "-D"
          + GoldyloxCacheManager.SERIALIZER_PROPERTY, System.getProperty(GoldyloxCacheManager.SERIAL_FILTER_PROPERTY),
          loader);
    } catch (CacheException e) {
      throw new DrainException(Drain.EXIT_ERROR, e.getMessage());
    }
  }

  /** The serializer's name, as {@link #create} chooses it. */
  static String name(String option) {
    return option != null ? option
        : System.getProperty(GoldyloxCacheManager.SERIALIZER_PROPERTY, Serializers.DEFAULT).trim();
  }

  /**
   * Reads the keys and values of {@code sample} back with {@code serializer}. Each must read without an error and
   * not as null; a string, long or integer (which both serializers write in one fixed way) must also be written
   * back to the same bytes.
   *
   * @return null if they all pass, else what is wrong with the first that does not
   */
  static String mismatch(List<JournalRecord> sample, Serializer serializer, ClassLoader loader) {
    for (JournalRecord record : sample) {
      String problem = unreadable(record.key, serializer, loader);
      String part = "key";
      if (problem == null && record.value != null) {
        problem = unreadable(record.value, serializer, loader);
        part = "value";
      }
      if (problem != null) {
        return "the " + part + " of the pending " + (record.isDelete() ? "delete" : "put") + " #"
            + record.sequence + " " + problem;
      }
    }
    return null;
  }

  private static String unreadable(byte[] bytes, Serializer serializer, ClassLoader loader) {
    Object value;
    try {
      value = serializer.deserialize(bytes, loader);
    } catch (RuntimeException | LinkageError e) {
      return "cannot be read: " + e.getMessage();
    }
    if (value == null) {
      return "reads as null";
    }
    boolean javaStream = bytes.length >= 2 && bytes[0] == (byte) 0xAC && bytes[1] == (byte) 0xED;
    if (!javaStream && (value instanceof String || value instanceof Long || value instanceof Integer)) {
      byte[] again;
      try {
        again = serializer.serialize(value);
      } catch (RuntimeException e) {
        return "reads as a " + value.getClass().getName() + " that cannot be written again: " + e.getMessage();
      }
      if (!Arrays.equals(again, bytes)) {
        return "reads as the " + value.getClass().getSimpleName() + " " + abbreviate(value) + ", which this"
            + " serializer writes differently";
      }
    }
    return null;
  }

  private static String abbreviate(Object value) {
    String text = String.valueOf(value);
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}

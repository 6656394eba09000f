package io.goldylox.writebehind;

import io.goldylox.serialization.Serializer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The dead-letter part of {@link Drain}: counts, prints and deletes the operations in a cache's dead-letter
 * journal. The caller holds the journal's lock ({@link JournalInspection}), so no flusher appends meanwhile and
 * nothing is deleted that was not printed. Stateless.
 */
final class DeadLetterReport {

  private static final int MAX_KEY_CHARS = 200;

  private DeadLetterReport() {}

  /**
   * Reads every dead letter in {@code directory}; none when it holds no journal file.
   *
   * @throws DrainException if they cannot be read back with {@code serializer}
   */
  static List<DeadLetter<Object, Object>> read(Path directory, Serializer serializer, String serializerName,
      ClassLoader loader) {
    if (journalFiles(directory) == 0) {
      return List.of();
    }
    try {
      return WriteBehindJournal.readDeadLetters(directory, serializer, loader);
    } catch (RuntimeException e) {
      throw new DrainException(Drain.EXIT_ERROR, "Cannot read the dead-letter journal " + directory + " with the "
          + serializerName + " serializer: " + e.getMessage() + ". Pass --serializer with the serializer the cache"
          + " used, and put the key and value classes on the class path.");
    }
  }

  /** One line per dead letter: put or delete, key, attempts, when the last attempt failed, and its error. */
  static void print(List<DeadLetter<Object, Object>> letters, PrintStream out) {
    for (DeadLetter<Object, Object> letter : letters) {
      out.println("  " + (letter.isDelete() ? "delete" : "put") + " key=" + shortened(letter.key())
          + (letter.isDelete() ? "" : " value=" + shortened(letter.value())) + " made="
          + Instant.ofEpochMilli(letter.createdMillis()) + " attempts=" + letter.attempts() + " failed="
          + Instant.ofEpochMilli(letter.failedMillis()) + " error=" + oneLine(letter.error()));
    }
  }

  /** {@code value}'s {@code toString}, on one line and at most {@link #MAX_KEY_CHARS} characters. */
  private static String shortened(Object value) {
    String text;
    try {
      text = oneLine(String.valueOf(value));
    } catch (RuntimeException e) {
      return "(" + value.getClass().getName() + ", whose toString threw " + e + ")";
    }
    return text.length() > MAX_KEY_CHARS ? text.substring(0, MAX_KEY_CHARS) + "..." : text;
  }

  private static String oneLine(String text) {
    return text == null ? "" : text.replace('\n', ' ').replace('\r', ' ');
  }

  /**
   * Deletes the dead-letter journal's Chronicle files, then the directory if nothing else is in it.
   *
   * @throws DrainException naming the file that cannot be deleted
   */
  static void clear(Path directory) {
    Path current = directory;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.{cq4,cq4t}")) {
      for (Path file : files) {
        current = file;
        Files.delete(file);
      }
      current = directory;
      try (DirectoryStream<Path> rest = Files.newDirectoryStream(directory)) {
        if (!rest.iterator().hasNext()) {
          Files.delete(directory);
        }
      }
    } catch (IOException e) {
      throw new DrainException(Drain.EXIT_ERROR, "Cannot delete " + current + " of the dead-letter journal: " + e);
    }
  }

  /** Chronicle cycle files in {@code directory}; 0 when it does not exist. */
  private static int journalFiles(Path directory) {
    if (!Files.isDirectory(directory)) {
      return 0;
    }
    int count = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.cq4")) {
      for (Path ignored : files) {
        count++;
      }
    } catch (IOException e) {
      throw new DrainException(Drain.EXIT_ERROR, "Cannot list the dead-letter journal " + directory + ": " + e);
    }
    return count;
  }
}

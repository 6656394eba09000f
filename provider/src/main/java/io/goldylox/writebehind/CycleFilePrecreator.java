package io.goldylox.writebehind;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

/**
 * Writes a journal's coming cycle files before Chronicle rolls to them: for the current cycle (when its file does
 * not exist yet) and the next one, a zero-filled {@code <cycle>.precreated} file, written as
 * {@code .precreating} and renamed, so it is never seen half-written. Chronicle renames such a file into place
 * when it rolls to that cycle, so a roll never writes into unallocated pages. Stale ones are deleted.
 *
 * <p>Confined to the {@link Pretoucher} (see there which threads that is); not thread-safe.
 */
final class CycleFilePrecreator {

  private static final System.Logger LOG = System.getLogger(CycleFilePrecreator.class.getName());
  private static final String PRECREATED = ".precreated";
  private static final String PRECREATING = ".precreating";

  private final SingleChronicleQueue queue;
  private final Path directory;
  private final DateTimeFormatter names;
  private final long cycleMillis;
  private final int bytes;
  private final ByteBuffer zeros = ByteBuffer.allocateDirect(64 << 10);
  private boolean enabled = true;

  /** @param bytes the size of a pre-created file */
  CycleFilePrecreator(SingleChronicleQueue queue, Path directory, int bytes) {
    this.queue = queue;
    this.directory = directory;
    this.names = DateTimeFormatter.ofPattern(queue.rollCycle().format()).withZone(ZoneOffset.UTC);
    this.cycleMillis = queue.rollCycle().lengthInMillis();
    this.bytes = bytes;
  }

  /** The size of a pre-created file. */
  int bytes() {
    return bytes;
  }

  /** The name Chronicle gives the file of {@code cycle}. */
  String fileName(int cycle) {
    return names.format(Instant.ofEpochMilli(cycle * cycleMillis + queue.epoch())) + SingleChronicleQueue.SUFFIX;
  }

  private static String stem(String cycleFileName) {
    return cycleFileName.substring(0, cycleFileName.length() - SingleChronicleQueue.SUFFIX.length());
  }

  /**
   * Pre-creating relies on naming files as Chronicle does: given the name of the file Chronicle opened for
   * {@code cycle}, stops pre-creating if ever it is not the name this class expects.
   */
  void checkName(int cycle, String actual) {
    if (enabled && !actual.equals(fileName(cycle))) {
      enabled = false;
      LOG.log(System.Logger.Level.WARNING, "Chronicle names cycle " + cycle + " " + actual + ", not "
          + fileName(cycle) + ": the write-behind journal " + directory + " no longer pre-creates cycle files");
    }
  }

  /**
   * Pre-creates the files of cycles {@code now} and {@code now + 1} that do not exist yet, and deletes stale
   * pre-created files. Returns why a file could not be written when the disk is full, or null.
   */
  String precreate(int now) throws IOException {
    if (!enabled) {
      return null;
    }
    String current = fileName(now);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.precreat*")) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        boolean stale = name.endsWith(PRECREATING)
            || name.compareTo(stem(current)) < 0
            || Files.exists(directory.resolve(name.substring(0, name.lastIndexOf('.')) + SingleChronicleQueue.SUFFIX));
        if (stale && (name.endsWith(PRECREATED) || name.endsWith(PRECREATING))) {
          Files.deleteIfExists(file);
        }
      }
    }
    for (int cycle = now; cycle <= now + 1; cycle++) {
      String stem = stem(fileName(cycle));
      if (Files.exists(directory.resolve(stem + SingleChronicleQueue.SUFFIX))
          || Files.exists(directory.resolve(stem + PRECREATED))) {
        continue;
      }
      Path temporary = directory.resolve(stem + PRECREATING);
      try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        // Our own file, not yet Chronicle's: writing zeros here is what allocates it.
        for (long written = 0; written < bytes; ) {
          zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - written));
          written += out.write(zeros, written);
        }
      } catch (IOException e) {
        Files.deleteIfExists(temporary);
        if (Files.getFileStore(directory).getUsableSpace() < bytes) {
          return "cannot pre-create " + stem + PRECREATED + ": " + e.getMessage();
        }
        throw e;
      }
      Files.move(temporary, directory.resolve(stem + PRECREATED), StandardCopyOption.ATOMIC_MOVE);
    }
    return null;
  }

  /** The cycles among {@code now} and {@code now + 1} that have a pre-created file. */
  int[] prepared(int now) {
    if (!enabled) {
      return new int[0];
    }
    int[] found = new int[2];
    int count = 0;
    for (int cycle = now; cycle <= now + 1; cycle++) {
      if (Files.exists(directory.resolve(stem(fileName(cycle)) + PRECREATED))) {
        found[count++] = cycle;
      }
    }
    return Arrays.copyOf(found, count);
  }

  /** Deletes every pre-created file (at close, so the directory holds only Chronicle's own files). */
  void deleteAll() {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.precreat*")) {
      for (Path file : files) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "Cannot delete pre-created cycle files in " + directory, e);
    }
  }
}

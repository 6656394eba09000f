package io.goldylox.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The write-behind benchmarks' file chores: copying a journal a killed child left, so that several runs deliver
 * the same one, and removing their directories. Used by the benchmark's main thread only.
 */
final class JournalFiles {

  private JournalFiles() {}

  /**
   * Copies a journal directory for a replay: sparse (a Chronicle cycle file is mostly holes: 17 MB of 80 MB for
   * the backlog, which a plain copy would write out in full) and forced to the disk, so that the replay
   * does not run beside the writeback of its own setup.
   */
  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          copySparse(file, target);
        }
      }
    }
  }

  private static void copySparse(Path from, Path to) throws IOException {
    try (FileChannel in = FileChannel.open(from);
        FileChannel out = FileChannel.open(to,
            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer block = ByteBuffer.allocateDirect(64 * 1024);
      long size = in.size();
      for (long position = 0; position < size; position += block.capacity()) {
        block.clear();
        while (block.hasRemaining() && in.read(block, position + block.position()) > 0) {
          // until the block is full or the file ends
        }
        block.flip();
        if (!allZero(block)) {
          while (block.hasRemaining()) {
            out.write(block, position + block.position());
          }
        }
      }
      if (out.size() < size) {
        out.write(ByteBuffer.allocate(1), size - 1); // the length, with the holes before it unwritten
      }
      out.force(true);
    }
  }

  private static boolean allZero(ByteBuffer block) {
    for (int i = block.position(); i + Long.BYTES <= block.limit(); i += Long.BYTES) {
      if (block.getLong(i) != 0) {
        return false;
      }
    }
    for (int i = block.limit() & ~(Long.BYTES - 1); i < block.limit(); i++) {
      if (block.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Deletes {@code dir} and everything under it. */
  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}

package io.goldylox.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay benchmark's copy of a journal: every byte and the length kept, the holes left unwritten. */
class JournalCopyTest {

  @Test
  void aSparseFileIsCopiedByteForByteWithItsHolesLeftOut(@TempDir Path dir) throws Exception {
    Path from = dir.resolve("journal");
    Files.createDirectories(from.resolve("sub"));
    Path cycle = from.resolve("20261207-04F.cq4");
    int length = 8 * 1024 * 1024;
    try (RandomAccessFile file = new RandomAccessFile(cycle.toFile(), "rw")) {
      file.setLength(length); // all a hole
      file.seek(0);
      file.write(new byte[] {1, 2, 3});
      file.seek(3 * 1024 * 1024 + 5); // a record that straddles two 64 KB blocks
      byte[] record = new byte[70_000];
      Arrays.fill(record, (byte) 7);
      file.write(record);
      file.seek(length - 1);
      file.write(9); // the last byte written: no hole at the end to restore
    }
    Files.writeString(from.resolve("sub").resolve("checkpoint"), "x"); // shorter than a long
    Path empty = from.resolve("empty");
    Files.createFile(empty);

    Path to = dir.resolve("copy");
    JournalFiles.copyTree(from, to);

    assertThat(Files.mismatch(cycle, to.resolve("20261207-04F.cq4"))).isEqualTo(-1L);
    assertThat(Files.readString(to.resolve("sub").resolve("checkpoint"))).isEqualTo("x");
    assertThat(Files.size(to.resolve("empty"))).isZero();
    assertThat(allocatedBytes(to.resolve("20261207-04F.cq4"))).as("bytes allocated to the copy")
        .isLessThan(length / 4); // about 200 KB of blocks, not the file's 8 MB
  }

  /** The file's allocated size ({@code st_blocks}, which Java's attribute views do not give), from stat(1). */
  private static long allocatedBytes(Path file) throws Exception {
    Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
    String out = new String(stat.getInputStream().readAllBytes()).trim();
    assertThat(stat.waitFor()).as(out).isZero();
    String[] blocksAndSize = out.split(" ");
    return Long.parseLong(blocksAndSize[0]) * Long.parseLong(blocksAndSize[1]);
  }

  @Test
  void aFileEndingInAHoleKeepsItsLength(@TempDir Path dir) throws Exception {
    Path from = dir.resolve("journal");
    Files.createDirectories(from);
    Path cycle = from.resolve("cycle.cq4");
    try (RandomAccessFile file = new RandomAccessFile(cycle.toFile(), "rw")) {
      file.write(new byte[] {42});
      file.setLength(1024 * 1024 + 17);
    }

    JournalFiles.copyTree(from, dir.resolve("copy"));

    Path copy = dir.resolve("copy").resolve("cycle.cq4");
    assertThat(Files.size(copy)).isEqualTo(1024 * 1024 + 17);
    assertThat(Files.mismatch(cycle, copy)).isEqualTo(-1L);
  }
}

package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint file on a real file system: in-place writes to two slots, torn slots, the version-1 file. */
class CheckpointTest {

  @TempDir
  Path dir;

  @Test
  void theLastPositionWrittenIsReadBackByANewInstance() throws Exception {
    assertThat(new Checkpoint(dir, false).read()).isEqualTo(-1);
    Checkpoint checkpoint = new Checkpoint(dir, true);
    for (long position = 10; position <= 1_000; position += 10) {
      checkpoint.write(position);
    }
    checkpoint.close();
    assertThat(new Checkpoint(dir, false).read()).isEqualTo(1_000);

    // A new instance continues the generations: its writes win over what the old one left.
    Checkpoint reopened = new Checkpoint(dir, false);
    reopened.read();
    reopened.write(5);
    reopened.close();
    assertThat(new Checkpoint(dir, false).read()).isEqualTo(5);
  }

  @Test
  void aTornSlotFallsBackToThePreviousPosition() throws Exception {
    Checkpoint checkpoint = new Checkpoint(dir, false);
    checkpoint.write(100); // generation 1: slot 1
    checkpoint.write(200); // generation 2: slot 0
    checkpoint.close();
    Path file = dir.resolve(Checkpoint.FILE);
    byte[] bytes = Files.readAllBytes(file);
    bytes[20] ^= 0x40; // inside slot 0's position: its CRC no longer matches
    Files.write(file, bytes);
    assertThat(new Checkpoint(dir, false).read()).as("slot 1 still holds 100").isEqualTo(100);

    bytes[32 + 20] ^= 0x40; // both torn: replay everything (at-least-once), never a made-up position
    Files.write(file, bytes);
    assertThat(new Checkpoint(dir, false).read()).isEqualTo(-1);
  }

  @Test
  void aVersion1FileIsReadAndRewrittenAsVersion2() throws Exception {
    ByteBuffer v1 = ByteBuffer.allocate(20).putInt(0x474c5742).putInt(1).putLong(4242);
    CRC32 crc = new CRC32();
    crc.update(v1.array(), 0, 16);
    v1.putInt((int) crc.getValue()).flip();
    try (FileChannel out = FileChannel.open(dir.resolve(Checkpoint.FILE), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      out.write(v1);
    }
    Checkpoint checkpoint = new Checkpoint(dir, false);
    assertThat(checkpoint.read()).isEqualTo(4242);
    checkpoint.write(5000);
    checkpoint.close();
    assertThat(Files.size(dir.resolve(Checkpoint.FILE))).isEqualTo(64); // generation 1 went to slot 1
    assertThat(new Checkpoint(dir, false).read()).isEqualTo(5000);
  }
}

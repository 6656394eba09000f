package io.goldylox.writebehind;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * The durable position of the flusher: every journal record with an index below it is resolved (delivered,
 * replaced, or dead-lettered). Kept in a 20-byte file beside the journal, replaced atomically (write a temporary
 * file, rename it over the old one), so a crash leaves either the old or the new position, never a torn one. With
 * {@code durability = os} the file and its directory are forced to disk too.
 *
 * <p>Only the flusher thread writes it; {@code open} reads it before the flusher starts.
 */
final class Checkpoint {

  static final String FILE = "goldylox-writebehind.checkpoint";
  private static final int MAGIC = 0x474c5742; // "GLWB"
  private static final int VERSION = 1;
  /** magic, version, position, CRC-32 of the first 16 bytes. */
  private static final int SIZE = 20;
  private static final System.Logger LOG = System.getLogger(Checkpoint.class.getName());

  private final Path file;
  private final Path temporary;
  private final boolean force;
  private final ByteBuffer buffer = ByteBuffer.allocate(SIZE);

  Checkpoint(Path directory, boolean force) {
    this.file = directory.resolve(FILE);
    this.temporary = directory.resolve(FILE + ".tmp");
    this.force = force;
  }

  /** The recorded position, or -1 when none was recorded (or it is unreadable: then everything is replayed). */
  long read() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return -1L;
    } catch (IOException e) {
      throw new javax.cache.CacheException("Cannot read the write-behind checkpoint " + file + ": " + e, e);
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (bytes.length != SIZE || in.getInt() != MAGIC || in.getInt() != VERSION) {
      LOG.log(System.Logger.Level.WARNING, "Ignoring the unreadable write-behind checkpoint " + file
          + "; the whole journal will be delivered again (writers must tolerate replays)");
      return -1L;
    }
    long position = in.getLong();
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, 16);
    if ((int) crc.getValue() != in.getInt()) {
      LOG.log(System.Logger.Level.WARNING, "Ignoring the corrupt write-behind checkpoint " + file
          + "; the whole journal will be delivered again (writers must tolerate replays)");
      return -1L;
    }
    return position;
  }

  /** Records {@code position}; on return the new file replaced the old one. */
  void write(long position) throws IOException {
    buffer.clear();
    buffer.putInt(MAGIC).putInt(VERSION).putLong(position);
    CRC32 crc = new CRC32();
    crc.update(buffer.array(), 0, 16);
    buffer.putInt((int) crc.getValue());
    buffer.flip();
    try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
      if (force) {
        out.force(true);
      }
    }
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    if (force) {
      forceDirectory(file.getParent());
    }
  }

  /** Forces a directory's entries (a rename, a new file) to disk; a no-op where the platform cannot. */
  static void forceDirectory(Path directory) {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
    }
  }
}

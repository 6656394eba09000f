package io.goldylox.writebehind;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * The durable position of the flusher: every journal record with an index below it is resolved (delivered,
 * replaced, or dead-lettered). Kept in a small file beside the journal.
 *
 * <h2>Layout</h2>
 * Version 2: two 32-byte slots, at offsets 0 and 32, each {@code int magic, int version, long generation,
 * long position, int CRC-32 of the first 24 bytes, int 0}. A write goes to the slot its generation selects
 * ({@code generation & 1}), in place, with one positional write of an open channel: no new file, no rename, so a
 * busy flusher pays a few microseconds, not a metadata update. A read takes the valid slot with the highest
 * generation. A crash during a write can tear at most the slot being written, whose CRC then fails; the other slot
 * still holds the previous position. Either way the position read back is one the flusher recorded, never a torn
 * one. Version 1 (a 20-byte file, replaced by rename) is still read, and rewritten as version 2 at the first write.
 * With {@code durability = os} each write is forced to the device.
 *
 * <p>Only the flusher thread writes it; {@code open} reads it before the flusher starts; {@link #close} runs on the
 * closing thread after the flusher stopped (or was abandoned, under the flusher's state lock).
 */
final class Checkpoint implements AutoCloseable {

  static final String FILE = "goldylox-writebehind.checkpoint";
  private static final int MAGIC = 0x474c5742; // "GLWB"
  private static final int VERSION_1 = 1;
  private static final int VERSION_1_SIZE = 20;
  private static final int VERSION = 2;
  private static final int SLOT = 32;
  private static final System.Logger LOG = System.getLogger(Checkpoint.class.getName());

  private final Path file;
  private final boolean force;
  private final ByteBuffer buffer = ByteBuffer.allocate(SLOT);
  private FileChannel channel;
  private long generation;

  Checkpoint(Path directory, boolean force) {
    this.file = directory.resolve(FILE);
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
    if (bytes.length == VERSION_1_SIZE) {
      return readVersion1(bytes);
    }
    long best = -1L;
    long bestGeneration = -1L;
    for (int offset = 0; offset + SLOT <= bytes.length && offset < 2 * SLOT; offset += SLOT) {
      ByteBuffer in = ByteBuffer.wrap(bytes, offset, SLOT);
      if (in.getInt() != MAGIC || in.getInt() != VERSION) {
        continue;
      }
      long slotGeneration = in.getLong();
      long position = in.getLong();
      CRC32 crc = new CRC32();
      crc.update(bytes, offset, 24);
      if ((int) crc.getValue() == in.getInt() && slotGeneration > bestGeneration) {
        bestGeneration = slotGeneration;
        best = position;
      }
    }
    if (bestGeneration < 0) {
      LOG.log(System.Logger.Level.WARNING, "Ignoring the unreadable write-behind checkpoint " + file
          + "; the whole journal will be delivered again (writers must tolerate replays)");
      return -1L;
    }
    generation = bestGeneration;
    return best;
  }

  private long readVersion1(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (in.getInt() != MAGIC || in.getInt() != VERSION_1) {
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

  /** Records {@code position}; on return it is in the file (and on the device with {@code durability = os}). */
  void write(long position) throws IOException {
    if (channel == null) {
      boolean created = !Files.exists(file);
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      if (channel.size() == VERSION_1_SIZE) {
        channel.truncate(0); // a version-1 file: its one record is replaced by the two slots below
      }
      if (created && force) {
        forceDirectory(file.getParent());
      }
    }
    long next = generation + 1;
    buffer.clear();
    buffer.putInt(MAGIC).putInt(VERSION).putLong(next).putLong(position);
    CRC32 crc = new CRC32();
    crc.update(buffer.array(), 0, 24);
    buffer.putInt((int) crc.getValue()).putInt(0);
    buffer.flip();
    long offset = (next & 1) * SLOT;
    while (buffer.hasRemaining()) {
      offset += channel.write(buffer, offset);
    }
    if (force) {
      channel.force(false);
    }
    generation = next;
  }

  @Override
  public void close() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "Cannot close the write-behind checkpoint " + file, e);
      }
      channel = null;
    }
  }

  /** Forces a directory's entries (a new file) to disk; a no-op where the platform cannot. */
  static void forceDirectory(Path directory) {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms (Windows) cannot open a directory; their file creation is durable with the file.
    }
  }
}

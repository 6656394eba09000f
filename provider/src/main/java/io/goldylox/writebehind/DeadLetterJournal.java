package io.goldylox.writebehind;

import io.goldylox.serialization.Serializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The dead-letter journal: a second Chronicle queue holding the operations the writer refused
 * {@code max-attempts} times, with the last error. Opened on the first dead letter, so a healthy cache never
 * creates it. Only the flusher thread appends; files are kept (daily cycles) for an operator to inspect or
 * replay, e.g. with {@link WriteBehindJournal#readDeadLetters}.
 *
 * <p>Layout of an excerpt, version 1: {@code byte version, byte kind, long sequence, long createdMillis,
 * int attempts, long failedMillis, utf8 cacheName, utf8 error, int keyLength, key, int valueLength (-1: delete),
 * value}.
 */
final class DeadLetterJournal implements AutoCloseable {

  private static final byte VERSION = 1;
  private static final int MAX_ERROR_CHARS = 4000;

  private final Path directory;
  private final String cacheName;
  private SingleChronicleQueue queue;
  private ExcerptAppender appender;
  private final Bytes<?> buffer = Bytes.allocateElasticOnHeap(256);

  DeadLetterJournal(Path directory, String cacheName) {
    this.directory = directory;
    this.cacheName = cacheName;
  }

  Path directory() {
    return directory;
  }

  /** Appends one dead letter (flusher thread only). */
  void append(JournalRecord record, int attempts, Throwable error) {
    if (queue == null) {
      queue = SingleChronicleQueueBuilder.binary(directory).rollCycle(RollCycles.FAST_DAILY)
          .checkInterrupts(false).build();
      appender = queue.createAppender();
    }
    String message = String.valueOf(error);
    if (message.length() > MAX_ERROR_CHARS) {
      message = message.substring(0, MAX_ERROR_CHARS);
    }
    buffer.clear();
    buffer.writeByte(VERSION);
    buffer.writeByte(record.kind);
    buffer.writeLong(record.sequence);
    buffer.writeLong(record.createdMillis);
    buffer.writeInt(attempts);
    buffer.writeLong(System.currentTimeMillis());
    buffer.writeUtf8(cacheName);
    buffer.writeUtf8(message);
    buffer.writeInt(record.key.length);
    buffer.write(record.key);
    if (record.value == null) {
      buffer.writeInt(-1);
    } else {
      buffer.writeInt(record.value.length);
      buffer.write(record.value);
    }
    appender.writeBytes(buffer);
  }

  @Override
  public void close() {
    if (appender != null) {
      appender.close();
    }
    if (queue != null) {
      queue.close();
    }
  }

  /**
   * A key or value of a dead letter, or, when it cannot be read back with {@code serializer} (its class is gone
   * or changed, which may be why it is a dead letter), an {@link Unreadable} that says so: one such letter must
   * not keep the others from being listed.
   */
  private static Object decode(byte[] bytes, Serializer serializer, ClassLoader loader) {
    try {
      return serializer.deserialize(bytes, loader);
    } catch (RuntimeException e) {
      return new Unreadable(bytes.length, e.getMessage());
    }
  }

  /** What stands for a key or value that cannot be read back; its {@code toString} says why. */
  record Unreadable(int bytes, String reason) {
    @Override
    public String toString() {
      return "(" + bytes + " bytes this class path cannot read back: " + reason + ")";
    }
  }

  /** Reads every dead letter in {@code directory} (empty when there is none). */
  static List<DeadLetter<Object, Object>> readAll(Path directory, Serializer serializer, ClassLoader loader) {
    List<DeadLetter<Object, Object>> letters = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return letters;
    }
    try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(directory)
        .rollCycle(RollCycles.FAST_DAILY).readOnly(true).build();
        ExcerptTailer tailer = queue.createTailer()) {
      while (true) {
        try (DocumentContext dc = tailer.readingDocument()) {
          if (!dc.isPresent()) {
            break;
          }
          Bytes<?> in = dc.wire().bytes();
          byte version = in.readByte();
          if (version != VERSION) {
            throw new javax.cache.CacheException("Unknown dead-letter format " + version + " in " + directory);
          }
          byte kind = in.readByte();
          in.readLong(); // sequence
          long created = in.readLong();
          int attempts = in.readInt();
          long failed = in.readLong();
          String cache = in.readUtf8();
          String error = in.readUtf8();
          byte[] key = new byte[in.readInt()];
          in.read(key);
          int valueLength = in.readInt();
          Object value = null;
          if (valueLength >= 0) {
            byte[] bytes = new byte[valueLength];
            in.read(bytes);
            value = decode(bytes, serializer, loader);
          }
          letters.add(new DeadLetter<>(cache, decode(key, serializer, loader), value,
              kind == JournalRecord.DELETE, attempts, created, failed, error));
        }
      }
    }
    return letters;
  }
}

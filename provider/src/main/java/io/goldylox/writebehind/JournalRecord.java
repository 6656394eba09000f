package io.goldylox.writebehind;

import net.openhft.chronicle.bytes.Bytes;
import javax.cache.CacheException;

/**
 * One excerpt of the journal: an operation (put or delete) and where it stands.
 *
 * <p>Layout, version 1: {@code byte version, byte kind, long sequence, long createdMillis, int attempts,
 * long dueMillis, int keyLength, key bytes, int valueLength (-1 for a delete), value bytes}. A caller appends
 * an operation with {@code attempts = 0}; after a failed attempt the flusher appends the same operation again
 * (same sequence) with the attempts made so far and the time before which it must not be retried.
 *
 * <p>Immutable once read; the key and value bytes are copies, never views of the mapped journal.
 */
final class JournalRecord {

  static final byte VERSION = 1;
  static final byte PUT = 1;
  static final byte DELETE = 2;

  final byte kind;
  final long sequence;
  final long createdMillis;
  final int attempts;
  final long dueMillis;
  final byte[] key;
  final byte[] value;
  /** The Chronicle index the record was read at; -1 before it is appended. */
  final long index;

  JournalRecord(byte kind, long sequence, long createdMillis, int attempts, long dueMillis, byte[] key,
      byte[] value, long index) {
    this.kind = kind;
    this.sequence = sequence;
    this.createdMillis = createdMillis;
    this.attempts = attempts;
    this.dueMillis = dueMillis;
    this.key = key;
    this.value = value;
    this.index = index;
  }

  boolean isDelete() {
    return kind == DELETE;
  }

  /** Writes an operation into {@code out} (which the caller then appends as one excerpt). */
  static void write(Bytes<?> out, byte kind, long sequence, long createdMillis, int attempts, long dueMillis,
      byte[] key, byte[] value) {
    out.writeByte(VERSION);
    out.writeByte(kind);
    out.writeLong(sequence);
    out.writeLong(createdMillis);
    out.writeInt(attempts);
    out.writeLong(dueMillis);
    out.writeInt(key.length);
    out.write(key);
    if (value == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(value.length);
      out.write(value);
    }
  }

  /** Reads the record at {@code index} from {@code in}. */
  static JournalRecord read(Bytes<?> in, long index, Object journal) {
    byte version = in.readByte();
    if (version != VERSION) {
      throw new CacheException("The write-behind journal " + journal + " holds a record of format " + version
          + " at index " + Long.toHexString(index) + "; this Goldylox reads format " + VERSION
          + " (was the journal written by a newer version?)");
    }
    byte kind = in.readByte();
    long sequence = in.readLong();
    long created = in.readLong();
    int attempts = in.readInt();
    long due = in.readLong();
    byte[] key = new byte[in.readInt()];
    in.read(key);
    int valueLength = in.readInt();
    byte[] value = null;
    if (valueLength >= 0) {
      value = new byte[valueLength];
      in.read(value);
    }
    if (kind != PUT && kind != DELETE) {
      throw new CacheException("The write-behind journal " + journal + " holds an unknown operation " + kind
          + " at index " + Long.toHexString(index));
    }
    return new JournalRecord(kind, sequence, created, attempts, due, key, value, index);
  }
}

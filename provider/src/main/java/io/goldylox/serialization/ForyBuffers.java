package io.goldylox.serialization;

import org.apache.fory.memory.MemoryBuffer;

/**
 * One thread's scratch buffers for {@link ForySerializer}: a write buffer that a record is serialized into before
 * its bytes are copied out at their exact size, and a read buffer pointed at the record being read. Without them
 * every serialize allocated a small buffer and grew it (copying) as the record outgrew it, and every read
 * allocated a buffer object.
 *
 * <p>Confined to its thread (held in a {@link ThreadLocal}). A serialization that re-enters on the same thread (a
 * value's {@code writeObject} that puts into a by-value cache, say) finds the buffer taken and gets a fresh one
 * ({@link #takeWriter} returns {@code null}), so nested calls never share a buffer. A write buffer that grew past
 * {@link #RETAINED_BYTES} for one large record is dropped afterwards rather than kept for the thread's lifetime;
 * the read buffer lets go of the record it read.
 */
final class ForyBuffers {

  /** The write buffer's initial size: most records of small values fit without growing. */
  static final int INITIAL_BYTES = 256;
  /** The largest write buffer kept between records. */
  static final int RETAINED_BYTES = 64 * 1024;
  private static final byte[] NOTHING = new byte[0];
  private static final ThreadLocal<ForyBuffers> BUFFERS = ThreadLocal.withInitial(ForyBuffers::new);

  private MemoryBuffer writeBuffer = MemoryBuffer.newHeapBuffer(INITIAL_BYTES);
  private boolean writing;
  private final MemoryBuffer readBuffer = MemoryBuffer.fromByteArray(NOTHING, 0, 0);
  private boolean reading;

  private ForyBuffers() {}

  /** This thread's buffers. */
  static ForyBuffers current() {
    return BUFFERS.get();
  }

  /** The empty write buffer, taken until {@link #releaseWriter}; {@code null} when a caller up the stack has it. */
  MemoryBuffer takeWriter() {
    if (writing) {
      return null;
    }
    writing = true;
    MemoryBuffer buffer = writeBuffer;
    buffer.writerIndex(0);
    return buffer;
  }

  /** Gives the write buffer back (replacing it with a small one if one record made it large). */
  void releaseWriter() {
    if (writeBuffer.size() > RETAINED_BYTES) {
      writeBuffer = MemoryBuffer.newHeapBuffer(INITIAL_BYTES);
    }
    writing = false;
  }

  /**
   * The read buffer pointed at {@code length} bytes of {@code bytes} from {@code offset}, taken until
   * {@link #releaseReader}; {@code null} when a caller up the stack has it.
   */
  MemoryBuffer takeReader(byte[] bytes, int offset, int length) {
    if (reading) {
      return null;
    }
    reading = true;
    readBuffer.pointTo(bytes, offset, length); // moves neither index
    readBuffer.readerIndex(0);
    readBuffer.writerIndex(length);
    return readBuffer;
  }

  /** Gives the read buffer back, no longer pointing at the record it read. */
  void releaseReader() {
    readBuffer.pointTo(NOTHING, 0, 0);
    reading = false;
  }
}

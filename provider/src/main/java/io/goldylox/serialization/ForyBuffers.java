package io.goldylox.serialization;

import org.apache.fory.memory.MemoryBuffer;

/**
 * One thread's scratch buffers for {@link ForySerializer}: a write buffer that a record is serialized into before
 * its bytes are copied out at their exact size (or handed to a sink), a read buffer pointed at the record being
 * read, and a {@link ReadScratch} that a {@link RewritableBytes} record is copied into before it is read; and what
 * the thread last learnt of a value's class (its {@link ClassShape} fingerprint and {@link SharingFreeTypes} shape),
 * so that a cache of one value class asks the class-keyed caches ({@code ClassValue} lookups) once per thread,
 * not twice per write and once per read. Without them
 * every serialize allocated a small buffer and grew it (copying) as the record outgrew it, and every read
 * allocated a buffer object.
 *
 * <p>Confined to its thread: each {@link ForySerializer} holds them in a {@link ThreadLocal} of its own (an
 * instance field, as Fory keeps its own per-thread state, so that an unreachable serializer's entries go stale and
 * nothing static pins the class loader). Should a serialization ever re-enter the same serializer on the same
 * thread, it finds the buffer taken and gets a fresh one ({@link #takeWriter} returns {@code null}), so nested
 * calls never share a buffer (today Fory itself refuses to nest one instance, and other serializers have buffers of
 * their own). A write buffer that grew past
 * {@link #RETAINED_BYTES} for one large record is dropped afterwards rather than kept for the thread's lifetime
 * (Fory grows a buffer to twice what it needs, so records up to about half of that reuse it); the read buffer
 * lets go of the record it read.
 */
final class ForyBuffers {

  /** The write buffer's initial size: most records of small values fit without growing. */
  static final int INITIAL_BYTES = 256;
  /** The largest write buffer kept between records. */
  static final int RETAINED_BYTES = 64 * 1024;
  private static final byte[] NOTHING = new byte[0];

  /** The write buffer; {@code null} after a large record, until the next write makes a small one. */
  private MemoryBuffer writeBuffer;
  private boolean writing;
  private final MemoryBuffer readBuffer = MemoryBuffer.fromByteArray(NOTHING, 0, 0);
  private boolean reading;
  /** Where a {@link RewritableBytes} record is copied before it is read; made on first use. */
  private ReadScratch scratch;
  /** The class last asked about ({@link #fingerprint}, {@link #shape}); null before the first. */
  private Class<?> lastType;
  private long lastFingerprint;
  private SharingFreeTypes.Shape lastShape;

  ForyBuffers() {}

  /** The empty write buffer, taken until {@link #releaseWriter}; {@code null} when a caller up the stack has it. */
  MemoryBuffer takeWriter() {
    if (writing) {
      return null;
    }
    MemoryBuffer buffer = writeBuffer;
    if (buffer == null) {
      buffer = MemoryBuffer.newHeapBuffer(INITIAL_BYTES);
      writeBuffer = buffer;
    }
    buffer.writerIndex(0);
    writing = true;
    return buffer;
  }

  /** Gives the write buffer back (dropping it if one record made it large). Cannot fail. */
  void releaseWriter() {
    writing = false;
    if (writeBuffer.size() > RETAINED_BYTES) {
      writeBuffer = null;
    }
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

  /** The copy buffer for a {@link RewritableBytes} record, taken until {@link #releaseScratch}; {@code null} if taken. */
  ReadScratch takeScratch() {
    ReadScratch s = scratch;
    if (s == null) {
      s = new ReadScratch();
      scratch = s;
    }
    return s.take();
  }

  void releaseScratch() {
    scratch.release();
  }

  /** {@link ClassShape#fingerprint} of {@code type}, remembered for the thread's next value of the same class. */
  long fingerprint(Class<?> type) {
    if (type != lastType) {
      remember(type);
    }
    return lastFingerprint;
  }

  /** {@link SharingFreeTypes#shape} of {@code type}, remembered likewise. */
  SharingFreeTypes.Shape shape(Class<?> type) {
    if (type != lastType) {
      remember(type);
    }
    return lastShape;
  }

  /**
   * Asks both class-keyed caches about {@code type} and keeps the answers; the class reference is stored only when
   * the class changes (a reference store into this long-lived object runs the collector's write barrier). Fory's
   * per-thread state holds the classes it has written as well, so this pins no class that it does not.
   */
  private void remember(Class<?> type) {
    lastFingerprint = ClassShape.fingerprint(type);
    lastShape = SharingFreeTypes.shape(type);
    lastType = type;
  }

  /** Gives the read buffer back, no longer pointing at the record it read. */
  void releaseReader() {
    readBuffer.pointTo(NOTHING, 0, 0);
    reading = false;
  }
}

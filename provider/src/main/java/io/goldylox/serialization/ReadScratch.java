package io.goldylox.serialization;

/**
 * One thread's buffer for reading a {@link RewritableBytes} record: the record is copied here (a write may
 * overwrite its buffer under a slow reader) and decoded from here. Kept in the thread's {@link ForyBuffers}, so one
 * per thread and serializer (not per cache); a read that re-enters on the same thread (a {@code readResolve} that
 * reads the cache) finds it taken and copies into an array of its own. Confined to its thread. Not final only so that a
 * test can act between a read's choice of buffer and its copy ({@link #ensure}).
 */
class ReadScratch {

  private byte[] bytes = new byte[RewritableBytes.MAX_BYTES];
  private boolean taken;

  /** This scratch, taken until {@link #release}; {@code null} when a caller up the stack has it. */
  ReadScratch take() {
    if (taken) {
      return null;
    }
    taken = true;
    return this;
  }

  void release() {
    taken = false;
  }

  /** The buffer, at least {@code length} long. */
  byte[] ensure(int length) {
    if (bytes.length < length) {
      bytes = new byte[length];
    }
    return bytes;
  }

  byte[] bytes() {
    return bytes;
  }
}

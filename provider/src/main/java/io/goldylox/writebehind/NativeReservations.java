package io.goldylox.writebehind;

import net.openhft.posix.PosixAPI;

/**
 * The Linux calls a {@link Pretoucher} allocates and pre-faults with, through Chronicle's {@link PosixAPI} (JNR):
 * {@code open}/{@code close} of a descriptor, {@code fallocate(FALLOC_FL_KEEP_SIZE)} and
 * {@code madvise(MADV_POPULATE_WRITE)}. It turns their error codes into a reason (a full disk) or null, and
 * remembers when the file system or the kernel does not support a call, so that it is not tried again.
 *
 * <p>Confined to the pretoucher (the opening thread during its first round, then its own thread, then the
 * closing thread once that thread ended); not thread-safe.
 */
final class NativeReservations {

  private static final System.Logger LOG = System.getLogger(NativeReservations.class.getName());
  private static final int O_RDWR = 2;
  private static final int FALLOC_FL_KEEP_SIZE = 1;
  private static final int MADV_POPULATE_WRITE = 23;
  private static final int EINTR = 4;
  private static final int EFAULT = 14;
  private static final int EINVAL = 22;
  private static final int ENOSPC = 28;
  private static final int ENOSYS = 38;
  private static final int EOPNOTSUPP = 95;
  private static final int EDQUOT = 122;

  /** Chronicle's POSIX calls, or null where they are not available (not Linux, or JNR's no-op fallback). */
  static final PosixAPI API = load();

  private final PosixAPI posix = API;
  private final String journal;
  private boolean fallocate = API != null;
  private boolean populate = API != null;

  /** @param journal the journal directory, for log lines */
  NativeReservations(String journal) {
    this.journal = journal;
  }

  private static PosixAPI load() {
    try {
      PosixAPI api = PosixAPI.posix();
      return api.getClass().getName().contains(".noop.") ? null : api;
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.DEBUG, "No POSIX calls for write-behind journals: " + t);
      return null;
    }
  }

  /** Whether this platform has the calls at all. */
  static boolean available() {
    return API != null;
  }

  /** Whether {@link #allocate} still works here (false once the file system said it cannot). */
  boolean allocates() {
    return fallocate;
  }

  /** Whether {@link #prefault} still works here (false once the kernel said it cannot). */
  boolean prefaults() {
    return populate;
  }

  /** Opens {@code path} read-write; returns the descriptor, or -1. */
  int open(String path) {
    if (posix == null) {
      return -1;
    }
    int opened = posix.open(path, O_RDWR, 0);
    if (opened < 0) {
      LOG.log(System.Logger.Level.DEBUG, "Cannot open " + path + " to allocate ahead: "
          + posix.strerror(posix.lastError()));
    }
    return opened;
  }

  /** Closes a descriptor {@link #open} returned; ignores -1. */
  void close(int fd) {
    if (fd >= 0) {
      posix.close(fd);
    }
  }

  /**
   * {@code fallocate(KEEP_SIZE)}: allocates blocks without changing a byte or the size. Returns why the disk is
   * full, or null (done, or not supported: then {@link #allocates()} turns false).
   */
  String allocate(int fd, long offset, long length) {
    int result;
    do {
      result = posix.fallocate(fd, FALLOC_FL_KEEP_SIZE, offset, length);
    } while (result != 0 && posix.lastError() == EINTR);
    if (result == 0) {
      return null;
    }
    int errno = posix.lastError();
    if (errno == ENOSPC || errno == EDQUOT) {
      return "fallocate: " + posix.strerror(errno);
    }
    if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL) {
      fallocate = false; // this file system cannot: pre-faulting allocates instead
      LOG.log(System.Logger.Level.DEBUG, "fallocate is not supported for " + journal + ": " + posix.strerror(errno));
      return null;
    }
    LOG.log(System.Logger.Level.WARNING, "Cannot allocate ahead in the write-behind journal " + journal
        + ": fallocate: " + posix.strerror(errno));
    return null;
  }

  /**
   * {@code madvise(MADV_POPULATE_WRITE)} of {@code length} bytes of a mapping at {@code address}: the pages are
   * faulted in writable without a byte changing. Returns why they could not be (a full disk), or null (done, or
   * not supported by this kernel, older than 5.14: then {@link #prefaults()} turns false).
   */
  String prefault(long address, long length) {
    int result = posix.madvise(address, length, MADV_POPULATE_WRITE);
    if (result == 0) {
      return null;
    }
    int errno = posix.lastError();
    if (errno == EINVAL) {
      populate = false;
      LOG.log(System.Logger.Level.DEBUG, "MADV_POPULATE_WRITE is not supported: " + posix.strerror(errno));
      return null;
    }
    if (errno == EFAULT) {
      return "madvise(MADV_POPULATE_WRITE): cannot allocate the pages";
    }
    return "madvise(MADV_POPULATE_WRITE): " + posix.strerror(errno);
  }
}

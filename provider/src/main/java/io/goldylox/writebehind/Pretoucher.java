package io.goldylox.writebehind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.bytes.MappedFile;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.core.io.ReferenceOwner;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;

/**
 * Keeps the disk space and the mapped pages ahead of a journal's append position allocated, on its own daemon
 * thread {@code goldylox-writebehind-<cache>-pretouch}, so that an append neither page-faults on a fresh page
 * nor meets a full disk inside Chronicle; and makes appends fail fast, before Chronicle writes anything, once the
 * disk is full.
 *
 * <h2>Why</h2>
 * Chronicle appends through a shared memory mapping of a sparse cycle file. The first write to each page faults
 * (the kernel allocates a block and a page), and when the disk is full that fault is a {@code SIGBUS}: in
 * compiled code the JVM turns it into an {@code InternalError} thrown later, after the excerpt may already be
 * committed with missing bytes; in the interpreter, and in Chronicle's compare-and-set of a header (which a new
 * cycle file always starts with), it kills the JVM. So no append may touch a page that is not allocated yet.
 *
 * <h2>What it does</h2>
 * <ul>
 *   <li><b>The current cycle file.</b> It keeps {@code [position, position + WINDOW)} allocated with
 *       {@code fallocate(FALLOC_FL_KEEP_SIZE)} on its own descriptor of the file, and pre-faults the same range
 *       of the appender's own mapping with {@code madvise(MADV_POPULATE_WRITE)} (Linux 5.14+), so the appender's
 *       first write to a page finds it mapped writable. Neither call reads or changes a byte of the file, so both
 *       are harmless while the appender writes the same pages: that is why a compare-and-set of zero to zero, or a
 *       write of zeros, is not used (the former is fatal on a full disk, the latter could overwrite an excerpt).
 *       Both report a full disk as an error code ({@code ENOSPC}, {@code EFAULT}), never as a signal. The
 *       appender's chunk mapping is shared: it holds a reference on each chunk it pre-faults (mapping the next
 *       chunk before the appender reaches it), so the mapping cannot be unmapped while it works on it.</li>
 *   <li><b>The next cycle files.</b> Its {@link CycleFilePrecreator} writes the files of the current cycle (when
 *       it has none yet) and of the next one before Chronicle rolls to them, so a roll never writes into
 *       unallocated pages.</li>
 * </ul>
 * When it cannot allocate, it marks the journal full ({@link Room#full}); an append then fails with
 * {@link DiskFullException} unless all the bytes it may write are inside what was allocated. It tries again
 * after a timed park (a retry backoff, {@value #FULL_RETRY_MIN_MILLIS} ms doubling to
 * {@value #FULL_RETRY_MAX_MILLIS} ms) and clears the mark once an allocation succeeds. An append that faults
 * anyway ({@link #faulted}) marks the journal full the same way. An append outside what is allocated while the
 * disk is not known to be full (the pretoucher lags, or the record is larger than the window) is let through
 * after one {@code statfs} shows enough free space. Without a usable {@link NativeReservations} (not Linux) only the
 * pre-created files are made.
 *
 * <h2>Threads</h2>
 * Appenders call {@link #checkRoom}, {@link #appended} and {@link #faulted} under the journal's append lock:
 * they read {@link #room} (published by the pretoucher after each round, immutable), publish the appender's file
 * and position, and unpark the pretoucher when the position passes {@link #wakeAt} or the file changed; they
 * never wait for it. The pretoucher thread parks until so woken, or until the next cycle begins (a timed park,
 * once per cycle, to pre-create the cycle after it), or for the retry backoff while the disk is full.
 * {@link #start} runs one round on the opening thread first, so the first append is covered. {@link #stop} is
 * called by {@link ChronicleJournal#close} under the append lock, before the queue closes: it stops the thread,
 * waits for it, then releases the references it held.
 */
final class Pretoucher implements Runnable, ReferenceOwner {

  /** {@code -Dgoldylox.writebehind.pretouch=false} leaves it out (to measure what it is worth). */
  static final String PROPERTY = "goldylox.writebehind.pretouch";
  /** Bytes kept allocated and pre-faulted ahead of the append position. */
  static final long WINDOW = 2L << 20;
  /** An append wakes the pretoucher once it has used this much of the window. */
  static final long STEP = 512L << 10;
  static final long FULL_RETRY_MIN_MILLIS = 50;
  static final long FULL_RETRY_MAX_MILLIS = 1000;

  private static final System.Logger LOG = System.getLogger(Pretoucher.class.getName());
  private static final VarHandle FAULT;

  static {
    try {
      FAULT = MethodHandles.lookup().findVarHandle(Pretoucher.class, "fault", String.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * What an append needs to know, published by the pretoucher after each round. {@code [from, frontier)} of
   * cycle {@code cycle}'s file is allocated; {@code prepared} cycles have a pre-created file; {@code full} says
   * why the disk is full, or is null.
   */
  static final class Room {
    static final Room NONE = new Room(Integer.MIN_VALUE, 0, 0, new int[0], null);

    final int cycle;
    final long from;
    final long frontier;
    final int[] prepared;
    final String full;

    Room(int cycle, long from, long frontier, int[] prepared, String full) {
      this.cycle = cycle;
      this.from = from;
      this.frontier = frontier;
      this.prepared = prepared;
      this.full = full;
    }

    boolean prepared(int target) {
      for (int cycle : prepared) {
        if (cycle == target) {
          return true;
        }
      }
      return false;
    }
  }

  /** The appender's cycle file, as an appender published it. */
  private static final class Published {
    final int cycle;
    final MappedFile file;

    Published(int cycle, MappedFile file) {
      this.cycle = cycle;
      this.file = file;
    }
  }

  /** An append refused because the disk holding the journal is full; nothing was written. */
  static final class DiskFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DiskFullException(String message) {
      super(message);
    }
  }

  private final SingleChronicleQueue queue;
  private final Path directory;
  private final Thread thread;
  private final long cycleMillis;
  /** Room an append needs past its record: header, padding, and one new Chronicle index array. */
  private final long slack;
  /** Room the start of a new cycle file takes: Chronicle's header, index-to-index and first index array. */
  private final long head;
  private final CycleFilePrecreator cycleFiles;
  private final NativeReservations natives;
  /** Whether this platform lets it allocate in place (else it only pre-creates cycle files). */
  private final boolean reserving = NativeReservations.available();
  private final FileStore store;
  private final int pageSize = OS.pageSize();

  // Shared with appenders.
  private volatile Room room = Room.NONE;
  private volatile Published published;
  private volatile long position = -1;
  private volatile long wakeAt = Long.MIN_VALUE;
  private volatile boolean wakeRequested;
  /** Set by an appender whose append faulted; cleared by a round that allocated room after it. */
  @SuppressWarnings("unused") // through FAULT
  private volatile String fault;
  private volatile boolean stop;

  // Appenders only, under the append lock.
  private int lastCycle = Integer.MIN_VALUE;
  private long nextPosition = -1;
  /** When {@link #lastCycle} ends, and appends roll to a new file. */
  private long rollsAt = Long.MIN_VALUE;

  // The pretoucher only (the opening thread during start, the closing thread after the thread ended).
  private Published held;
  private int fd = -1;
  private long frontier;
  private final Map<Long, MappedBytesStore> chunks = new HashMap<>();
  private String loggedFailure;
  private String loggedFull;

  Pretoucher(SingleChronicleQueue queue, Path directory, String cacheName) {
    this.queue = queue;
    this.directory = directory;
    this.cycleMillis = queue.rollCycle().lengthInMillis();
    long indexArray = queue.indexCount() * 8L + 4096;
    this.slack = Math.max(64 << 10, indexArray + 4096);
    this.head = 2 * indexArray + (64 << 10);
    this.cycleFiles = new CycleFilePrecreator(queue, directory, (int) Math.max(1 << 20, head + slack + (512 << 10)));
    this.natives = new NativeReservations(directory.toString());
    try {
      this.store = Files.getFileStore(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.thread = new Thread(this, "goldylox-writebehind-" + cacheName + "-pretouch");
    thread.setDaemon(true);
  }

  /** Whether journals get a pretoucher ({@value #PROPERTY}, default true). */
  static boolean enabled() {
    return !"false".equalsIgnoreCase(System.getProperty(PROPERTY));
  }

  /** Runs a first round on the calling (opening) thread, then starts the thread. */
  void start() {
    try {
      round(true);
    } catch (RuntimeException | IOException e) {
      LOG.log(System.Logger.Level.WARNING, "Cannot prepare the write-behind journal " + directory
          + " ahead of its appends: " + e, e);
    }
    thread.start();
  }

  // ---- Appenders' side: under the journal's append lock, never blocks. ----

  /**
   * Before an append of {@code length} bytes: when the disk is full, throws unless every byte the append may
   * write is allocated.
   *
   * @throws DiskFullException naming the journal and the reason
   */
  void checkRoom(long length) {
    Room r = room;
    String faulted = fault;
    boolean full = r.full != null || faulted != null;
    long need = length + slack;
    if (!full && System.currentTimeMillis() < rollsAt
        && (!reserving || lastCycle == r.cycle && nextPosition + need <= r.frontier)) {
      return; // the common case: no roll, and inside what is allocated
    }
    int target = queue.cycle();
    boolean roll = target != lastCycle;
    if (target == r.cycle) {
      long from = !roll && nextPosition >= 0 ? nextPosition : r.from;
      if (from + need <= r.frontier) {
        return;
      }
    } else if (roll && r.prepared(target) && head + need <= cycleFiles.bytes()) {
      return; // a roll into a pre-created (allocated) file
    }
    if (full) {
      // Not woken here: while the disk is full the pretoucher retries on its own backoff.
      throw new DiskFullException("the disk holding the write-behind journal " + directory + " is full ("
          + (r.full != null ? r.full : faulted) + "); puts fail until space is freed, and operations accepted"
          + " before are kept");
    }
    // Not known to be full, but not covered either (the pretoucher lags, or this append is larger than its
    // window): one statfs, so that a fault on a page that cannot be allocated stays unlikely.
    long usable = usableSpace();
    if (usable >= 0 && usable < (roll ? head : 0) + need) {
      throw new DiskFullException("the disk holding the write-behind journal " + directory + " is full (" + usable
          + " bytes free); puts fail until space is freed, and operations accepted before are kept");
    }
  }

  private long usableSpace() {
    try {
      return store.getUsableSpace();
    } catch (IOException e) {
      return -1;
    }
  }

  /** After an append: publishes the appender's file and position, and wakes the pretoucher when due. */
  void appended(ExcerptAppender appender) {
    if (!(appender.wire().bytes() instanceof MappedBytes)) {
      return; // not a mapped file (never for a SingleChronicleQueue appender): nothing to pretouch
    }
    int cycle = appender.cycle();
    MappedBytes bytes = (MappedBytes) appender.wire().bytes();
    nextPosition = bytes.writePosition();
    boolean newFile = cycle != lastCycle;
    if (newFile) {
      lastCycle = cycle;
      rollsAt = (cycle + 1L) * cycleMillis + queue.epoch();
      published = new Published(cycle, bytes.mappedFile());
    }
    position = nextPosition;
    if (newFile || nextPosition >= wakeAt) {
      wake();
    }
  }

  /**
   * After an append failed inside Chronicle (a fault on a page it could not allocate): appends outside what is
   * allocated fail fast until a round allocates room again.
   */
  void faulted(Throwable error) {
    fault = "an append faulted: " + error;
    wake();
  }

  private void wake() {
    // Dekker with run(): the position was written before this read; the pretoucher clears the flag before it
    // reads the position, so a skipped unpark means the running or coming round sees this position.
    if (!wakeRequested) {
      wakeRequested = true;
      LockSupport.unpark(thread);
    }
  }

  /**
   * Bytes allocated ahead of the last append's end in the appender's current file, as far as the last round
   * published: 0 before the first round after an append to a new file. Any thread; never blocks.
   */
  long allocatedAhead() {
    Room r = room;
    Published p = published;
    long at = position;
    return p != null && at >= 0 && r.cycle == p.cycle ? Math.max(0, r.frontier - at) : 0;
  }

  // ---- The pretoucher's side. ----

  @Override
  public void run() {
    long backoffMillis = FULL_RETRY_MIN_MILLIS;
    while (!stop) {
      wakeRequested = false;
      try {
        round(false);
      } catch (Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof InternalError)) {
          throw (VirtualMachineError) t;
        }
        // A round that failed unexpectedly leaves the last published room as it was; the next wake retries.
        String failure = String.valueOf(t);
        LOG.log(failure.equals(loggedFailure) ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
            "The write-behind pretoucher of " + directory + " failed a round", t);
        loggedFailure = failure;
      }
      if (stop) {
        break;
      }
      if (room.full != null || fault != null) {
        // Timed park: the disk is full and nothing wakes us when space is freed, so retry with a backoff.
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(backoffMillis));
        backoffMillis = Math.min(FULL_RETRY_MAX_MILLIS, backoffMillis * 2);
      } else {
        backoffMillis = FULL_RETRY_MIN_MILLIS;
        if (!wakeRequested) {
          // Timed park until the next cycle begins (once per cycle), to pre-create the one after it.
          LockSupport.parkNanos(this, nanosToNextCycle());
        }
      }
    }
  }

  private long nanosToNextCycle() {
    long now = System.currentTimeMillis();
    long next = (Math.floorDiv(now - queue.epoch(), cycleMillis) + 1) * cycleMillis + queue.epoch();
    return TimeUnit.MILLISECONDS.toNanos(next - now + 1);
  }

  /** One round: pre-create the coming cycle files, then allocate and pre-fault ahead of the appender. */
  private void round(boolean opening) throws IOException {
    String faultSeen = fault;
    int now = queue.cycle();
    String full = cycleFiles.precreate(now);
    Published p = published;
    int cycle = Integer.MIN_VALUE;
    long from = 0;
    long reservedTo = 0;
    if (p != null) {
      long at = position;
      String failure = reserve(p, at);
      if (failure != null) {
        full = failure;
      }
      if (held == p) {
        cycle = p.cycle;
        from = at;
        reservedTo = frontier;
      }
    } else if (opening) {
      // Reopened within the hour: the appender will append to the end of the current cycle's file.
      long at = lastWritePosition(now);
      if (at >= 0) {
        String failure = reserveByPath(now, at);
        if (failure != null) {
          full = failure;
        }
        cycle = now;
        from = at;
        reservedTo = frontier;
      }
    }
    int[] prepared = cycleFiles.prepared(now);
    room = new Room(cycle, from, reservedTo, prepared, full);
    // While the disk is full, appends (inside what is allocated) do not wake it: it retries on its backoff.
    wakeAt = full != null ? Long.MAX_VALUE : reservedTo > 0 ? reservedTo - WINDOW + STEP : Long.MIN_VALUE;
    if (full == null && (p != null || opening)) {
      FAULT.compareAndSet(this, faultSeen, null);
    }
    logTransition(full);
  }

  private void logTransition(String full) {
    if (full != null && loggedFull == null) {
      LOG.log(System.Logger.Level.WARNING, "The disk holding the write-behind journal " + directory + " is full ("
          + full + "): puts that need new space fail until space is freed");
    } else if (full == null && loggedFull != null) {
      LOG.log(System.Logger.Level.INFO, "The write-behind journal " + directory + " has disk space again");
    }
    loggedFull = full;
  }

  /** Allocates and pre-faults {@code [at, at + WINDOW)} of the appender's file. Returns why it could not, or null. */
  private String reserve(Published p, long at) {
    if (held != p) {
      release();
      if (!p.file.tryReserve(this)) {
        return null; // the appender has already moved past that file
      }
      held = p;
      frontier = 0;
      cycleFiles.checkName(p.cycle, p.file.file().getName());
      fd = natives.open(p.file.file().getPath());
    }
    long target = at + WINDOW;
    long start = at - at % pageSize;
    if (frontier < start) {
      frontier = start;
    }
    String failure = null;
    if (frontier < target && natives.allocates() && fd >= 0) {
      failure = natives.allocate(fd, frontier, target - frontier);
      if (failure == null && natives.allocates()) {
        frontier = target;
      }
    }
    if (natives.prefaults()) {
      // Without fallocate, pre-faulting is what allocates, and only what it did counts.
      boolean allocating = natives.allocates() && fd >= 0;
      long end = allocating ? frontier : target;
      String populated = end > start ? prefault(p.file, start, end) : null;
      if (!allocating) {
        if (populated == null && natives.prefaults()) {
          frontier = end;
        } else if (populated != null) {
          failure = populated;
        }
      }
    }
    return failure;
  }

  /** At opening: allocates ahead of the last excerpt of an existing cycle file (no mapping is shared yet). */
  private String reserveByPath(int cycle, long at) {
    release();
    frontier = at - at % pageSize;
    if (!natives.allocates()) {
      return null;
    }
    fd = natives.open(directory.resolve(cycleFiles.fileName(cycle)).toString());
    String failure = fd >= 0 ? natives.allocate(fd, frontier, at + WINDOW - frontier) : null;
    if (failure == null && natives.allocates() && fd >= 0) {
      frontier = at + WINDOW;
    }
    closeDescriptor();
    return failure;
  }

  /**
   * {@code madvise(MADV_POPULATE_WRITE)} on the appender's mapping of {@code [start, end)}, chunk by chunk, holding
   * a reference on each chunk (so it stays mapped) and releasing the chunks the appender has left. Returns why a
   * page could not be pre-faulted, or null.
   */
  private String prefault(MappedFile file, long start, long end) {
    long chunkSize = file.chunkSize();
    long firstChunk = start / chunkSize;
    for (Iterator<Map.Entry<Long, MappedBytesStore>> it = chunks.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, MappedBytesStore> chunk = it.next();
      if (chunk.getKey() < firstChunk) {
        chunk.getValue().release(this);
        it.remove();
      }
    }
    for (long chunk = firstChunk; chunk * chunkSize < end; chunk++) {
      MappedBytesStore store = chunks.get(chunk);
      if (store == null) {
        try {
          store = file.acquireByteStore(this, chunk * chunkSize);
        } catch (IOException | RuntimeException e) {
          return "cannot map " + file.file() + " at " + chunk * chunkSize + ": " + e;
        }
        chunks.put(chunk, store);
      }
      long from = Math.max(start, store.start());
      long to = Math.min(end, store.safeLimit());
      if (to <= from || !store.inside(from, to - from)) {
        continue;
      }
      String failure = natives.prefault(store.addressForRead(from), to - from);
      if (failure != null || !natives.prefaults()) {
        return failure;
      }
    }
    return null;
  }

  /** The position of the last excerpt of {@code cycle}'s file, or -1 when it has none. */
  private long lastWritePosition(int cycle) {
    if (!Files.exists(directory.resolve(cycleFiles.fileName(cycle)))) {
      return -1;
    }
    SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
    if (store == null) {
      return -1;
    }
    try {
      return store.writePosition();
    } finally {
      queue.closeStore(store);
    }
  }

  private void closeDescriptor() {
    natives.close(fd);
    fd = -1;
  }

  /** Releases the references and descriptor held on the appender's previous file. */
  private void release() {
    for (MappedBytesStore store : chunks.values()) {
      store.release(this);
    }
    chunks.clear();
    if (held != null) {
      held.file.release(this);
      held = null;
    }
    closeDescriptor();
  }

  /**
   * Stops the thread and waits for it (at most one round), then releases what it held and deletes the
   * pre-created files. Called by {@link ChronicleJournal#close} under the append lock, before the queue closes.
   */
  void stop() {
    stop = true;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.log(System.Logger.Level.WARNING, "The write-behind pretoucher of " + directory + " did not stop");
      return;
    }
    release();
    cycleFiles.deleteAll();
  }

  @Override
  public String toString() {
    return "Pretoucher[" + directory + "]";
  }
}

package io.goldylox.tier;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The off-heap tier: serialized values in direct memory that this tier allocates, pools and frees itself.
 *
 * <h2>Overview</h2>
 * Memory comes in slabs: direct {@link ByteBuffer}s of {@code slabBytes} (1 MiB by default, fewer bytes if the tier
 * is smaller), reserved lazily up to {@code capacity / slabBytes} and kept until {@link #close()}. A slab is assigned to one size class when first
 * needed and carved into equal blocks; size classes grow by alternating factors of 4/3 and 3/2 (32, 48, 64, 96, ...
 * up to the slab size), so a value wastes at most a third of its block. Freed blocks go back to their class's free
 * list and are reused before anything else. A value larger than one slab is rejected
 * ({@link PutResult#REJECTED_TOO_LARGE}, counted in {@link #rejectedOversize()}); if the JVM cannot reserve
 * another slab ({@code MaxDirectMemorySize}), the tier stops growing and evicts instead, so no caller ever sees an
 * {@code OutOfMemoryError} from it.
 *
 * <p>Keys stay Java objects in an on-heap index, a {@code ConcurrentHashMap<K, Loc>}; only values live off-heap.
 *
 * <h2>Eviction</h2>
 * When a class has no free block and no unassigned slab is left, a CLOCK hand over that class's blocks picks the
 * victim: a block whose entry was read since the hand last passed (its {@code referenced} bit, set by
 * {@link #get} with a plain racy write) gets a second chance. If the class has no blocks at all, a whole slab of
 * another class is emptied (round robin) and reassigned (as memcached's slab rebalancing, simplified). Victims are
 * handed to the {@link EvictionSink} before the index stops listing them.
 *
 * <h2>Threads</h2>
 * {@link #get} takes no lock: it reads the index, copies the block, and checks that the index still maps the key to
 * the same location (a location object is mapped once and never again, and a block is freed only after its
 * location left the index), retrying otherwise; so a block reused under a slow reader is never returned. Mutations
 * (put, remove, eviction, clear) take one tier-wide lock, held for an index update and a memory copy.
 *
 * @param <K> the key type
 */
public final class OffHeapTier<K> implements LowerTier<K> {

  static final int DEFAULT_SLAB_BYTES = 1 << 20;
  static final int MIN_BLOCK = 32;
  private static final System.Logger LOG = System.getLogger(OffHeapTier.class.getName());

  private final long capacityBytes;
  private final int slabBytes;
  private final int[] classSizes;
  private final SizeClass[] classes;
  private final Slab[] slabs;
  private int slabsAllocated; // guarded by lock
  private int slabLimit; // guarded by lock; lowered if the JVM refuses direct memory
  private int stealHand; // guarded by lock
  /** Reserved slabs that belong to no class (after {@link #clear()}); guarded by lock. */
  private final int[] unassigned;
  private int unassignedCount; // guarded by lock
  private final ReentrantLock lock = new ReentrantLock();
  private final ConcurrentHashMap<K, Loc<K>> index = new ConcurrentHashMap<>();
  private volatile EvictionSink<K> sink = EvictionSink.discard();
  private volatile long bytesUsed;
  private volatile boolean closed;

  private final LongAdder rejectedOversize = new LongAdder();
  private final LongAdder evictions = new LongAdder();

  /** A tier of {@code capacityBytes} in slabs of 1 MiB (or one slab of the whole size if smaller). */
  public OffHeapTier(long capacityBytes) {
    this(capacityBytes, (int) Math.min(DEFAULT_SLAB_BYTES, capacityBytes));
  }

  /** A tier of {@code capacityBytes} in slabs of {@code slabBytes}. */
  public OffHeapTier(long capacityBytes, int slabBytes) {
    if (slabBytes < MIN_BLOCK) {
      throw new IllegalArgumentException("Off-heap slab size " + slabBytes + " is below " + MIN_BLOCK + " bytes");
    }
    if (capacityBytes < slabBytes) {
      throw new IllegalArgumentException("Off-heap size " + capacityBytes + " is smaller than one slab ("
          + slabBytes + " bytes)");
    }
    long count = capacityBytes / slabBytes;
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("Off-heap size " + capacityBytes + " needs too many slabs of "
          + slabBytes + " bytes");
    }
    this.capacityBytes = capacityBytes;
    this.slabBytes = slabBytes;
    this.slabs = new Slab[(int) count];
    this.slabLimit = (int) count;
    this.unassigned = new int[(int) count];
    List<Integer> sizes = new ArrayList<>();
    for (int size = MIN_BLOCK; size < slabBytes; ) {
      sizes.add(size);
      int next = (size & (size - 1)) == 0 ? size + size / 2 : size + size / 3;
      size = next;
    }
    sizes.add(slabBytes);
    this.classSizes = sizes.stream().mapToInt(Integer::intValue).toArray();
    this.classes = new SizeClass[classSizes.length];
    for (int i = 0; i < classes.length; i++) {
      classes[i] = new SizeClass(classSizes[i]);
    }
  }

  @Override
  public void evictionSink(EvictionSink<K> sink) {
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reads

  @Override
  public StoredBytes get(K key) {
    for (;;) {
      Loc<K> loc = index.get(key);
      if (loc == null) {
        return null;
      }
      byte[] value = new byte[loc.length];
      slabs[loc.slab].buffer.get(loc.offset, value);
      // Still mapped: the block was not freed (hence not reused) while we copied it.
      if (index.get(key) == loc) {
        if (!loc.referenced) {
          loc.referenced = true; // racy on purpose: a lost write only costs a second chance
        }
        return new StoredBytes(value, loc.expireAtMillis);
      }
    }
  }

  @Override
  public boolean containsKey(K key) {
    return index.containsKey(key);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writes

  @Override
  public PutResult put(K key, byte[] value, long expireAtMillis) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (value.length > slabBytes) {
      rejectedOversize.increment();
      return PutResult.REJECTED_TOO_LARGE;
    }
    int classIndex = classFor(value.length);
    lock.lock();
    try {
      requireOpen();
      Loc<K> old = index.get(key);
      long address = allocate(classIndex, old);
      if (address < 0) {
        // Nothing else could make room (the key's own old block is the only one of its kind): free it first.
        index.remove(key, old);
        free(old);
        old = null;
        address = allocate(classIndex, null);
      }
      int slab = (int) (address >>> 32);
      int block = (int) address;
      int offset = block * classSizes[classIndex];
      slabs[slab].buffer.put(offset, value);
      Loc<K> loc = new Loc<>(key, slab, block, offset, value.length, expireAtMillis);
      slabs[slab].owners[block] = loc;
      bytesUsed += classSizes[classIndex];
      Loc<K> replaced = index.put(key, loc);
      if (replaced != null) {
        free(replaced);
      }
      return PutResult.STORED;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean remove(K key) {
    if (!index.containsKey(key)) {
      return false;
    }
    lock.lock();
    try {
      Loc<K> loc = index.remove(key);
      if (loc == null) {
        return false;
      }
      free(loc);
      return true;
    } finally {
      lock.unlock();
    }
  }

  int classFor(int length) {
    int i = Arrays.binarySearch(classSizes, Math.max(length, 1));
    return i >= 0 ? i : -i - 1;
  }

  /** A free block of the class as (slab << 32 | block); evicts if needed. Returns -1 if only {@code keep} fills it. */
  private long allocate(int classIndex, Loc<K> keep) {
    SizeClass sizeClass = classes[classIndex];
    if (sizeClass.freeCount > 0) {
      return sizeClass.pop();
    }
    if ((unassignedCount > 0 || slabsAllocated < slabLimit) && assignNewSlab(classIndex)) {
      return sizeClass.pop();
    }
    if (!sizeClass.slabs.isEmpty() && evictOne(sizeClass, keep)) {
      return sizeClass.pop();
    }
    if (stealSlab(classIndex, keep)) {
      return sizeClass.pop();
    }
    return -1;
  }

  private boolean assignNewSlab(int classIndex) {
    if (unassignedCount > 0) {
      assign(unassigned[--unassignedCount], classIndex);
      return true;
    }
    ByteBuffer buffer;
    try {
      buffer = ByteBuffer.allocateDirect(slabBytes);
    } catch (OutOfMemoryError e) {
      slabLimit = slabsAllocated;
      LOG.log(Level.WARNING, "Off-heap tier: the JVM refused another " + slabBytes + "-byte direct buffer after "
          + slabsAllocated + " slabs (" + e.getMessage() + "); the tier stays at "
          + ((long) slabsAllocated * slabBytes) + " bytes and evicts instead (raise -XX:MaxDirectMemorySize)");
      return false;
    }
    int index = slabsAllocated++;
    slabs[index] = new Slab(buffer);
    assign(index, classIndex);
    return true;
  }

  private void assign(int slabIndex, int classIndex) {
    Slab slab = slabs[slabIndex];
    SizeClass sizeClass = classes[classIndex];
    int blocks = slabBytes / sizeClass.blockSize;
    slab.classIndex = classIndex;
    slab.owners = new Loc[blocks];
    sizeClass.slabs.add(slabIndex);
    for (int b = blocks - 1; b >= 0; b--) {
      sizeClass.push(((long) slabIndex << 32) | b);
    }
  }

  /** Runs the class's clock hand to one victim and evicts it; false if the class holds nothing evictable. */
  private boolean evictOne(SizeClass sizeClass, Loc<K> keep) {
    int blocksPerSlab = slabBytes / sizeClass.blockSize;
    long steps = 2L * blocksPerSlab * sizeClass.slabs.size() + 1;
    for (long i = 0; i < steps; i++) {
      if (sizeClass.handSlab >= sizeClass.slabs.size()) {
        sizeClass.handSlab = 0;
      }
      Slab slab = slabs[sizeClass.slabs.get(sizeClass.handSlab)];
      @SuppressWarnings("unchecked")
      Loc<K> owner = (Loc<K>) slab.owners[sizeClass.handBlock];
      if (++sizeClass.handBlock >= blocksPerSlab) {
        sizeClass.handBlock = 0;
        sizeClass.handSlab++;
      }
      if (owner == null || owner == keep) {
        continue;
      }
      if (owner.referenced) {
        owner.referenced = false; // second chance
        continue;
      }
      evict(owner);
      return true;
    }
    return false;
  }

  /** Empties a slab of another class (round robin) and gives it to {@code classIndex}. */
  private boolean stealSlab(int classIndex, Loc<K> keep) {
    for (int tried = 0; tried < slabsAllocated; tried++) {
      int candidate = stealHand;
      stealHand = (stealHand + 1) % slabsAllocated;
      Slab slab = slabs[candidate];
      if (slab.classIndex < 0 || slab.classIndex == classIndex || slab.holds(keep)) {
        continue;
      }
      for (Loc<?> owner : slab.owners) {
        if (owner != null) {
          @SuppressWarnings("unchecked")
          Loc<K> victim = (Loc<K>) owner;
          evict(victim);
        }
      }
      SizeClass previous = classes[slab.classIndex];
      previous.removeSlab(candidate);
      assign(candidate, classIndex);
      return true;
    }
    return false;
  }

  private void evict(Loc<K> victim) {
    byte[] value = new byte[victim.length];
    slabs[victim.slab].buffer.get(victim.offset, value);
    // Hand over first, then stop listing it: a reader finds it here or at the sink's side.
    sink.evicted(victim.key, value, victim.expireAtMillis);
    index.remove(victim.key, victim);
    free(victim);
    evictions.increment();
  }

  private void free(Loc<K> loc) {
    Slab slab = slabs[loc.slab];
    if (slab.owners[loc.block] != loc) {
      return; // already freed (its slab was emptied and reassigned)
    }
    slab.owners[loc.block] = null;
    SizeClass sizeClass = classes[slab.classIndex];
    sizeClass.push(((long) loc.slab << 32) | loc.block);
    bytesUsed -= sizeClass.blockSize;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Everything else

  @Override
  public long size() {
    return index.mappingCount();
  }

  @Override
  public long bytesUsed() {
    return bytesUsed;
  }

  @Override
  public long capacityBytes() {
    return capacityBytes;
  }

  /** Direct memory reserved so far (whole slabs). */
  public long bytesReserved() {
    lock.lock();
    try {
      return (long) slabsAllocated * slabBytes;
    } finally {
      lock.unlock();
    }
  }

  /** The slab size, which is also the largest value this tier accepts. */
  public int slabBytes() {
    return slabBytes;
  }

  @Override
  public long rejectedOversize() {
    return rejectedOversize.sum();
  }

  @Override
  public long evictions() {
    return evictions.sum();
  }

  @Override
  public Iterator<K> keys() {
    return index.keySet().iterator();
  }

  /** Removes everything; slabs stay reserved and go back to the unassigned pool. */
  @Override
  public void clear() {
    lock.lock();
    try {
      index.clear();
      for (int i = 0; i < classes.length; i++) {
        classes[i] = new SizeClass(classSizes[i]);
      }
      unassignedCount = 0;
      for (int i = slabsAllocated - 1; i >= 0; i--) {
        // A reader holding a location in this slab re-checks the index after copying, so reuse is safe.
        slabs[i].owners = null;
        slabs[i].classIndex = -1;
        unassigned[unassignedCount++] = i;
      }
      bytesUsed = 0;
      stealHand = 0;
    } finally {
      lock.unlock();
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("Off-heap tier is closed");
    }
  }

  /**
   * Drops the slabs. Their memory returns to the JVM when the buffers are collected, not at once: freeing it
   * explicitly could let a reader that raced this close copy from freed memory. Idempotent.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      index.clear();
      bytesUsed = 0;
    } finally {
      lock.unlock();
    }
  }

  /** One slab: its memory and, per block, the location stored there (null: free). */
  private static final class Slab {
    final ByteBuffer buffer;
    int classIndex = -1;
    Loc<?>[] owners;

    Slab(ByteBuffer buffer) {
      this.buffer = buffer;
    }

    boolean holds(Loc<?> loc) {
      return loc != null && owners != null && loc.block < owners.length && owners[loc.block] == loc;
    }
  }

  /** The blocks of one size: its slabs, a free list of block addresses, and the clock hand. */
  private static final class SizeClass {
    final int blockSize;
    final List<Integer> slabs = new ArrayList<>();
    long[] free = new long[16];
    int freeCount;
    int handSlab;
    int handBlock;

    SizeClass(int blockSize) {
      this.blockSize = blockSize;
    }

    void push(long address) {
      if (freeCount == free.length) {
        free = Arrays.copyOf(free, free.length * 2);
      }
      free[freeCount++] = address;
    }

    long pop() {
      return free[--freeCount];
    }

    void removeSlab(int slabIndex) {
      slabs.remove(Integer.valueOf(slabIndex));
      int kept = 0;
      for (int i = 0; i < freeCount; i++) {
        if ((int) (free[i] >>> 32) != slabIndex) {
          free[kept++] = free[i];
        }
      }
      freeCount = kept;
      handSlab = 0;
      handBlock = 0;
    }
  }

  /** Where one value is; mapped in the index at most once, so identity tells whether it is still current. */
  static final class Loc<K> {
    final K key;
    final int slab;
    final int block;
    final int offset;
    final int length;
    final long expireAtMillis;
    /** The CLOCK reference bit: set by readers, cleared by the hand. Plain field: races only cost precision. */
    boolean referenced;

    Loc(K key, int slab, int block, int offset, int length, long expireAtMillis) {
      this.key = key;
      this.slab = slab;
      this.block = block;
      this.offset = offset;
      this.length = length;
      this.expireAtMillis = expireAtMillis;
      this.referenced = true; // a new entry gets one pass of the hand
    }
  }
}

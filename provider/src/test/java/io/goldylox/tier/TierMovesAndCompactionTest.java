package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.Serializer;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moves between tiers racing writes, compaction of tombstones that shadow nothing, and a disk remove whose
 * tombstone cannot be written.
 */
class TierMovesAndCompactionTest {

  static final Serializer SERIALIZER = new JavaSerializer();

  @TempDir
  Path dir;

  static Object decode(StoredEntry entry) {
    return TieredTierConcurrencyTest.decode(entry); // the same Java serializer
  }

  /**
   * A write to a cold key found in the off-heap tier below a full heap is stored there ({@code staysBelow}); it then
   * removes the key from every transit map, assuming any copy there is older than the one it wrote. But another
   * thread's put into the off-heap tier (a demotion, by the mover or by a writer paying backpressure) can evict the
   * copy just written into the transit map before that removal: the removal then drops the only copy of the new
   * value, and the acknowledged write is lost (the key reads as a miss). The off-heap tier below is a real one; the
   * wrapper only holds the writer for a moment after the put returned (as a preemption would) until another
   * thread's demotions have evicted the key.
   */
  @Test
  void aWriteStoredBelowIsNotLostWhenTheOffHeapTierEvictsItAtOnce() throws Exception {
    // A 64-byte off-heap slab: two 32-byte blocks, so demotions into it evict at once.
    OffHeapTier<Integer> offHeap = new OffHeapTier<>(64, 64);
    PausingTier<Integer> l0 = new PausingTier<>(offHeap);
    List<LowerTier<Integer>> lowers = List.of(l0,
        DiskTier.open(dir, 64 << 20, 1 << 20, SERIALIZER, getClass().getClassLoader(), Integer.class,
            Object.class, OnIncompatible.FAIL));
    TieredTier<Integer> tier = new TieredTier<>("lost-below", 256, lowers, SERIALIZER);
    int[] fresh = {1}; // odd keys below 65,536: never in the heap bin of an even victim key
    try {
      for (int i = 0; i < tier.maxHeapEntries(); i++) {
        insertFresh(tier, fresh); // a full heap
      }
      settle(tier);
      Integer victim = null;
      for (int candidate = 2; candidate < 2_000 && victim == null; candidate += 2) {
        int key = candidate;
        tier.compute(key, (k, old) -> new StoredEntry("old", StoredEntry.ETERNAL));
        for (int i = 0; i < 2_000 && victim == null; i++) {
          insertFresh(tier, fresh);
          settle(tier);
          if (offHeap.containsKey(key) && tier.heapSize() >= tier.maxHeapEntries()) {
            victim = key;
          } else if (lowers.get(1).containsKey(key)) {
            break; // went past the off-heap tier: try another key
          }
        }
      }
      assertThat(victim).as("a key resting in the off-heap tier").isNotNull();
      int key = victim;
      CountDownLatch putDone = new CountDownLatch(1);
      CountDownLatch resume = new CountDownLatch(1);
      l0.pauseAfterPut(key, putDone, resume);
      long below = tier.writtenBelow();
      Thread writer = new Thread(() -> tier.compute(key, (k, old) -> new StoredEntry("new", StoredEntry.ETERNAL)),
          "writer");
      writer.start();
      assertThat(putDone.await(10, TimeUnit.SECONDS)).as("the write reached the off-heap tier").isTrue();
      // Meanwhile other keys are written and demoted into the off-heap tier, which evicts the key's new copy.
      long end = System.currentTimeMillis() + 10_000;
      while (offHeap.containsKey(key) && System.currentTimeMillis() < end) {
        insertFresh(tier, fresh);
        Thread.sleep(1);
      }
      assertThat(offHeap.containsKey(key)).as("the new copy was evicted from the off-heap tier").isFalse();
      resume.countDown();
      writer.join(10_000);
      assertThat(tier.writtenBelow()).as("the write was stored below the full heap").isEqualTo(below + 1);
      assertThat(decode(tier.get(key))).as("key %s after its acknowledged write of \"new\"", key)
          .isEqualTo("new");
    } finally {
      tier.close();
    }
  }

  /**
   * The compactor carries a tombstone forward whenever its key is absent, whether or not any older put of that key
   * is left to shadow. Tombstones of keys removed for good (removes, promotions, expired entries the compactor
   * dropped) are thus copied to the head of the log at every compaction of their segment, and drop out only if
   * their segment becomes the oldest, which never happens while an older, mostly live segment stays. Once they fill
   * more than one segment, every compaction seals a new segment of them that is again the least live: the
   * compactor never parks (it loops on a core, rewriting the same tombstones), and they take room from live
   * entries for good.
   */
  @Test
  void compactionSettlesOnceRemovedKeysShadowNothingOlder() {
    Path tierDir = dir.resolve("tombstones");
    byte[] value = new byte[100];
    int live = 0;
    try (DiskTier<Object> disk = DiskTier.openWithoutCompactor(tierDir, 256L * (4 << 10), 4 << 10, SERIALIZER,
        getClass().getClassLoader(), Object.class, Object.class)) {
      while (disk.segmentCount() < 2) { // a first segment of live entries, which stay
        disk.put("live-" + live++, value, StoredEntry.ETERNAL);
      }
      for (int i = 0; i < 2_000; i++) {
        disk.put("gone-" + i, value, StoredEntry.ETERNAL);
      }
      for (int i = 0; i < 2_000; i++) {
        disk.remove("gone-" + i);
      }
      disk.remove("live-0"); // its put stays in the first segment: this tombstone must survive compaction
      int rounds = 0;
      while (rounds < 10_000 && disk.compactOnce()) {
        rounds++;
      }
      assertThat(rounds).as("compactions until none is due (10,000: it never settles); %s segments of 4 KiB left"
          + " for %s live entries", disk.segmentCount(), disk.size()).isLessThan(10_000);
      assertThat(disk.size()).isEqualTo(live - 1);
    }
    try (DiskTier<Object> disk = DiskTier.openWithoutCompactor(tierDir, 256L * (4 << 10), 4 << 10, SERIALIZER,
        getClass().getClassLoader(), Object.class, Object.class)) {
      assertThat(disk.get("live-0")).as("a removed key whose put is in the oldest segment, after a reopen").isNull();
      assertThat(disk.get("gone-7")).as("a removed key, after a reopen").isNull();
      assertThat(disk.size()).isEqualTo(live - 1);
    }
  }

  /** The same with the background compactor: once the removals are done it must park, not rewrite forever. */
  @Test
  void theBackgroundCompactorParksOnceRemovedKeysShadowNothingOlder() throws InterruptedException {
    Path tierDir = dir.resolve("spin");
    byte[] value = new byte[100];
    try (DiskTier<Object> disk = DiskTier.open(tierDir, 256L * (4 << 10), 4 << 10, SERIALIZER,
        getClass().getClassLoader(), Object.class, Object.class, OnIncompatible.FAIL)) {
      int live = 0;
      while (disk.segmentCount() < 2) {
        disk.put("live-" + live++, value, StoredEntry.ETERNAL);
      }
      for (int i = 0; i < 2_000; i++) {
        disk.put("gone-" + i, value, StoredEntry.ETERNAL);
      }
      for (int i = 0; i < 2_000; i++) {
        disk.remove("gone-" + i);
      }
      Thread.sleep(2_000); // the compactor catches up
      long before = disk.compactions();
      Thread.sleep(1_000); // no write meanwhile
      assertThat(disk.compactions() - before).as("compactions in a second without any write (%s segments for %s"
          + " live entries)", disk.segmentCount(), disk.size()).isZero();
    }
  }

  /**
   * The disk tier's remove takes the key out of its keydir before it appends the tombstone. When that append fails
   * (the log must roll and the next segment cannot be created: a full disk, a limit on files), the remove throws,
   * but the entry is gone from the running tier all the same, while its put record stays in the log: a key that
   * reads as absent now and comes back at the next open. In a tiered store the remove is the lower half of a
   * promotion: a write to a key on disk that fails this way loses the key's current value (a miss, not the old
   * value), and a background promotion that fails loses it without any caller seeing an error.
   */
  @Test
  void aPromotionWhoseTombstoneCannotBeWrittenLeavesTheEntryOnDisk() throws Exception {
    Path tierDir = dir.resolve("full");
    DiskTier<Integer> disk = DiskTier.open(tierDir, 4L * (64 << 10), 64 << 10, SERIALIZER,
        getClass().getClassLoader(), Integer.class, Object.class, OnIncompatible.FAIL);
    TieredTier<Integer> tier = new TieredTier<>("full", 1, List.of(disk), SERIALIZER, false);
    try {
      for (int k = 1; k <= 40; k++) { // past the heap's hard limit: writers demote to disk themselves
        int key = k;
        tier.compute(key, (kk, old) -> new StoredEntry("v" + key, StoredEntry.ETERNAL));
      }
      Integer onDisk = null;
      for (int k = 1; k <= 40 && onDisk == null; k++) {
        onDisk = disk.containsKey(k) ? k : null;
      }
      assertThat(onDisk).isNotNull();
      int key = onDisk;
      for (int i = 0; i < 5; i++) {
        assertThat(decode(tier.get(key))).isEqualTo("v" + key); // a key in use: a write promotes it
      }
      assertThat(disk.segmentCount()).isEqualTo(1);
      // Fill the active segment to its last byte, and make the next segment impossible to create.
      int filler = 1_000_000;
      long room = disk.segmentBytes() - disk.bytesUsed();
      int fillerValue = (int) (room - DiskTier.HEADER - DiskTier.FIXED_BODY - SERIALIZER.serialize(filler).length);
      disk.put(filler, new byte[fillerValue], StoredEntry.ETERNAL);
      assertThat(disk.bytesUsed()).isEqualTo(disk.segmentBytes());
      long active = DiskSegment.id(DiskTier.listSegments(tierDir).get(0));
      java.nio.file.Files.createDirectory(DiskSegment.path(tierDir, active + 1)); // stands for ENOSPC / EMFILE
      Throwable failed = null;
      try {
        tier.compute(key, (k, old) -> new StoredEntry("new", StoredEntry.ETERNAL));
      } catch (RuntimeException e) {
        failed = e;
      }
      assertThat(failed).as("the write that needed a tombstone").isNotNull();
      assertThat(decode(tier.get(key))).as("key %s after a write that failed", key).isEqualTo("v" + key);
    } finally {
      tier.close();
    }
  }

  private static void insertFresh(TieredTier<Integer> tier, int[] fresh) {
    int key = fresh[0];
    fresh[0] += 2;
    tier.compute(key, (k, old) -> new StoredEntry("c", StoredEntry.ETERNAL));
  }

  private static void settle(TieredTier<Integer> tier) throws InterruptedException {
    for (int i = 0; i < 1000 && (tier.heapSize() > tier.maxHeapEntries() || tier.transitBacklog() > 0); i++) {
      Thread.sleep(1);
    }
  }

  /** A real lower tier that can hold one thread for a moment after one put of one key returned. */
  static final class PausingTier<K> implements LowerTier<K> {
    private final LowerTier<K> delegate;
    private volatile Object pauseKey;
    private volatile CountDownLatch putDone;
    private volatile CountDownLatch resume;

    PausingTier(LowerTier<K> delegate) {
      this.delegate = delegate;
    }

    void pauseAfterPut(Object key, CountDownLatch putDone, CountDownLatch resume) {
      this.putDone = putDone;
      this.resume = resume;
      this.pauseKey = key;
    }

    @Override
    public PutResult put(K key, byte[] value, long expireAtMillis) {
      PutResult result = delegate.put(key, value, expireAtMillis);
      if (key.equals(pauseKey) && Thread.currentThread().getName().equals("writer")) {
        pauseKey = null;
        putDone.countDown();
        try {
          resume.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return result;
    }

    @Override
    public void evictionSink(EvictionSink<K> sink) {
      delegate.evictionSink(sink);
    }

    @Override
    public StoredBytes get(K key) {
      return delegate.get(key);
    }

    @Override
    public boolean remove(K key) {
      return delegate.remove(key);
    }

    @Override
    public boolean containsKey(K key) {
      return delegate.containsKey(key);
    }

    @Override
    public long size() {
      return delegate.size();
    }

    @Override
    public long bytesUsed() {
      return delegate.bytesUsed();
    }

    @Override
    public long capacityBytes() {
      return delegate.capacityBytes();
    }

    @Override
    public long rejectedOversize() {
      return delegate.rejectedOversize();
    }

    @Override
    public long evictions() {
      return delegate.evictions();
    }

    @Override
    public Iterator<K> keys() {
      return delegate.keys();
    }

    @Override
    public void clear() {
      delegate.clear();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}

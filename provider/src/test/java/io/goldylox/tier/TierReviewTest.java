package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.SerializedBytes;
import io.goldylox.serialization.Serializer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review findings on the transit queues, the writers' backpressure and the disk tier's rolls. */
class TierReviewTest {

  static final Serializer SERIALIZER = new JavaSerializer();

  @TempDir
  Path dir;

  /**
   * A disk tier reopened with a smaller size has smaller segments, but its old segments keep records that may be
   * larger than a new segment. Compacting such a segment must not fail (before the fix: the copy's makeRoom rolled
   * twice, evicting the oldest segment on the way, then threw "does not fit in a fresh segment") and must not pick
   * the same segment again and again.
   */
  @Test
  void compactingARecordLargerThanTheSegmentsOfATierReopenedSmallerNeitherFailsNorLosesIt() {
    Path tierDir = dir.resolve("disk");
    byte[] big = filled(1, 20_000);
    Map<Object, byte[]> expected = new HashMap<>();
    try (DiskTier<Object> tier = DiskTier.openWithoutCompactor(tierDir, 4L * (64 << 10), 64 << 10, SERIALIZER,
        getClass().getClassLoader(), Object.class, Object.class)) {
      tier.put("big", big, StoredEntry.ETERNAL);
      int round = 0;
      while (tier.segmentCount() < 2) { // the first segment: big, then garbage (less than half live)
        tier.put("hot", filled(round++, 200), StoredEntry.ETERNAL);
      }
      expected.put("hot", filled(round - 1, 200));
      for (int i = 0; i < 10; i++) { // the second segment: all live
        expected.put("cold-" + i, filled(i, 100));
        tier.put("cold-" + i, filled(i, 100), StoredEntry.ETERNAL);
      }
      expected.put("big", big);
    }
    try (DiskTier<Object> tier = DiskTier.openWithoutCompactor(tierDir, 4L * (16 << 10), 16 << 10, SERIALIZER,
        getClass().getClassLoader(), Object.class, Object.class)) {
      assertThatCode(tier::compactOnce).as("compacting the old first segment").doesNotThrowAnyException();
      assertThat(tier.compactOnce()).as("the segment that cannot be compacted is not picked again").isFalse();
      assertThat(tier.evictions()).isZero();
      for (Map.Entry<Object, byte[]> entry : expected.entrySet()) {
        StoredBytes read = tier.get(entry.getKey());
        assertThat(read).as("%s", entry.getKey()).isNotNull();
        assertThat(read.bytes()).as("%s", entry.getKey()).isEqualTo(entry.getValue());
      }
    }
  }

  /**
   * The transit backlog is bounded by writers paying for demotions. A write to a cold key found below a full heap
   * is stored below instead of being promoted (no demotion), yet its put can make the off-heap tier evict into the
   * transit map just as a demotion does. Without a mover those writers must drain the transit map too, or it
   * grows with every such write (entries that left off-heap memory piling up on the Java heap).
   */
  @Test
  void writesStoredBelowAFullHeapKeepTheTransitBacklogBoundedWithoutAMover() {
    DiskTier<Integer> disk = DiskTier.open(dir.resolve("tiers"), 16 << 20, 1 << 20, SERIALIZER,
        getClass().getClassLoader(), Object.class, Object.class, OnIncompatible.FAIL);
    OffHeapTier<Integer> offHeap = new OffHeapTier<>(1 << 20, 8 << 10); // 4,096 blocks of 256 bytes
    // A large heap bound makes a wide sketch, so that almost every key written once counts as cold.
    int maxHeap = 16_000;
    TieredTier<Integer> tier = new TieredTier<>("review", maxHeap, List.of(offHeap, disk), SERIALIZER, false);
    try {
      int keys = maxHeap + maxHeap / 32 + 4_000; // the heap at its hard limit, the rest demoted off-heap
      Map<Integer, byte[]> expected = new HashMap<>();
      for (int key = 0; key < keys; key++) {
        put(tier, key, filled(key, 200));
        expected.put(key, filled(key, 200));
      }
      List<Integer> offHeapKeys = new ArrayList<>();
      for (Iterator<Integer> it = offHeap.keys(); it.hasNext(); ) {
        offHeapKeys.add(it.next());
      }
      assertThat(offHeapKeys).hasSizeGreaterThan(3_000);
      long highestBacklog = 0;
      for (Integer key : offHeapKeys) {
        // A value of another size class: its put below evicts a block of that class into the transit map.
        put(tier, key, filled(key, 1_000));
        expected.put(key, filled(key, 1_000));
        highestBacklog = Math.max(highestBacklog, tier.transitBacklog());
      }
      assertThat(tier.writtenBelow()).as("writes stored below instead of promoted").isGreaterThan(2_000);
      assertThat(highestBacklog).as("transit backlog, limit %s", tier.transitBacklogLimit())
          .isLessThanOrEqualTo(tier.transitBacklogLimit() + 32L);
      assertThat(tier.evictions()).as("the disk tier has room for every key").isZero();
      for (Map.Entry<Integer, byte[]> entry : expected.entrySet()) {
        assertThat((byte[]) decode(tier.get(entry.getKey()))).as("key %s", entry.getKey())
            .isEqualTo(entry.getValue());
      }
    } finally {
      tier.close();
    }
  }

  private static void put(Tier<Integer> tier, Integer key, Object value) {
    tier.compute(key, (k, old) -> new StoredEntry(value, StoredEntry.ETERNAL));
  }

  private static Object decode(StoredEntry entry) {
    if (entry == null) {
      return null;
    }
    Object value = entry.value();
    return value instanceof SerializedBytes
        ? SERIALIZER.deserialize(((SerializedBytes) value).bytes(), TierReviewTest.class.getClassLoader())
        : value;
  }

  private static byte[] filled(int seed, int length) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) seed);
    b[0] = (byte) (seed >>> 8);
    return b;
  }
}

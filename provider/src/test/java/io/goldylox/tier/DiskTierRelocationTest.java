package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.Serializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full log whose oldest segment is mostly garbage: the writer that rolls relocates its live records instead of
 * evicting them. Most tests open the tier without its background compactor, so that only the rolling writer can
 * reclaim space and every count is deterministic.
 */
class DiskTierRelocationTest {

  static final int SEGMENT = 4 << 10;
  static final long FAR = System.currentTimeMillis() + 3_600_000;
  static final Serializer SERIALIZER = new JavaSerializer();

  @TempDir
  Path dir;

  DiskTier<Object> openWithoutCompactor(int segments) {
    return DiskTier.openWithoutCompactor(tierDir(), (long) segments * SEGMENT, SEGMENT, SERIALIZER,
        getClass().getClassLoader(), Object.class, String.class);
  }

  Path tierDir() {
    return dir.resolve("tier");
  }

  static byte[] value(int i, int length) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) i);
    b[0] = (byte) (i >> 8);
    return b;
  }

  /** The size of the record a put of {@code key} with a value of {@code valueLength} bytes appends. */
  static int recordLength(Object key, int valueLength) {
    return DiskTier.HEADER + DiskTier.FIXED_BODY + SERIALIZER.serialize(key).length + valueLength;
  }

  /**
   * Cold keys interleaved with rewrites of a hot key (so that no segment is half live), then a long stream of hot
   * rewrites: without relocation, every roll at the cap would evict the cold keys of the oldest segment.
   */
  static Map<Object, byte[]> coldAndHot(DiskTier<Object> tier, int cold, int hotRewrites) {
    return coldAndHot(tier, "cold-", cold, hotRewrites, () -> { });
  }

  static Map<Object, byte[]> coldAndHot(DiskTier<Object> tier, String prefix, int cold, int hotRewrites,
      Runnable afterEachPut) {
    Map<Object, byte[]> expected = new HashMap<>();
    int round = 0;
    for (int i = 0; i < cold; i++) {
      expected.put(prefix + i, value(i, 100));
      tier.put(prefix + i, value(i, 100), StoredEntry.ETERNAL);
      afterEachPut.run();
      for (int r = 0; r < 4; r++) {
        tier.put("hot", value(round++, 100), StoredEntry.ETERNAL);
        afterEachPut.run();
      }
    }
    for (int r = 0; r < hotRewrites; r++) {
      tier.put("hot", value(round++, 100), StoredEntry.ETERNAL);
      afterEachPut.run();
    }
    expected.put("hot", value(round - 1, 100));
    return expected;
  }

  static void assertHolds(DiskTier<Object> tier, Map<Object, byte[]> expected) {
    assertThat(tier.size()).isEqualTo(expected.size());
    for (Map.Entry<Object, byte[]> entry : expected.entrySet()) {
      StoredBytes read = tier.get(entry.getKey());
      assertThat(read).as("%s", entry.getKey()).isNotNull();
      assertThat(read.bytes()).as("%s", entry.getKey()).isEqualTo(entry.getValue());
    }
  }

  static long liveBytesOf(Map<Object, byte[]> entries) {
    long live = 0;
    for (Map.Entry<Object, byte[]> entry : entries.entrySet()) {
      live += recordLength(entry.getKey(), entry.getValue().length);
    }
    return live;
  }

  @Test
  void aWriterRollingPastTheCapRelocatesAMostlyGarbageOldestSegmentInsteadOfEvictingIt() {
    List<Object> evicted = new ArrayList<>();
    try (DiskTier<Object> tier = openWithoutCompactor(8)) {
      tier.evictionSink((key, bytes, expireAt) -> evicted.add(key));
      Map<Object, byte[]> expected = coldAndHot(tier, 40, 2_000); // about 70 segments' worth of records

      assertThat(tier.compactions()).as("no compactor ran").isZero();
      assertThat(tier.relocations()).isGreaterThan(50);
      assertThat(tier.evictions()).isZero();
      assertThat(evicted).isEmpty();
      assertThat(tier.segmentCount()).isLessThanOrEqualTo(8);
      assertHolds(tier, expected);
      assertThat(tier.liveBytes()).as("live-byte accounting").isEqualTo(liveBytesOf(expected));
    }
  }

  @Test
  void aTierWhoseDataIsAllLiveStillEvictsTheOldestSegment() {
    Map<Object, Object> evicted = new ConcurrentHashMap<>();
    try (DiskTier<Object> tier = openWithoutCompactor(8)) {
      tier.evictionSink((key, bytes, expireAt) -> evicted.put(key, bytes));
      for (int i = 0; i < 1000; i++) {
        tier.put(i, value(i, 100), StoredEntry.ETERNAL);
      }
      assertThat(tier.relocations()).isZero();
      assertThat(tier.evictions()).isPositive();
      assertThat(tier.size() + tier.evictions()).isEqualTo(1000);
      assertThat(evicted).hasSize((int) tier.evictions());
      for (int i = 0; i < 1000; i++) {
        assertThat(tier.containsKey(i)).as("key %s", i).isNotEqualTo(evicted.containsKey(i));
      }
      assertThat(tier.get(0)).isNull(); // the first segment went first
      assertThat(tier.get(999)).isNotNull();
    }
  }

  @Test
  void eachRollDecidesByTheOldestSegmentAMostlyLiveOneIsEvictedAMostlyGarbageOneRelocated() {
    Map<Object, Object> evicted = new ConcurrentHashMap<>();
    try (DiskTier<Object> tier = openWithoutCompactor(8)) {
      tier.evictionSink((key, bytes, expireAt) -> evicted.put(key, bytes));
      // Two segments of distinct keys, all live; the third starts with one more (whose put rolled to it).
      int distinct = 0;
      while (tier.segmentCount() < 3) {
        tier.put(distinct, value(distinct, 100), StoredEntry.ETERNAL);
        distinct++;
      }
      // Then the cold/hot mix of the first test: less than half live from the third segment on.
      Map<Object, byte[]> expected = coldAndHot(tier, 25, 2_000);

      assertThat(tier.relocations()).isGreaterThan(50);
      assertThat(tier.evictions()).as("exactly the first two segments were evicted").isEqualTo(distinct - 1);
      for (int i = 0; i < distinct - 1; i++) {
        assertThat(evicted).containsKey(i);
        assertThat(tier.containsKey(i)).isFalse();
      }
      expected.put(distinct - 1, value(distinct - 1, 100)); // relocated with the third segment
      assertHolds(tier, expected);
      assertThat(tier.liveBytes()).isEqualTo(liveBytesOf(expected));
    }
  }

  /**
   * Reopening after relocations, in two ways: as written (the relocated segments are gone), and with every deleted
   * segment put back, as if no deletion had reached the disk before a crash. Both rebuilds must give the entries
   * that were current, since every relocated copy is its key's latest record and lands after everything older.
   */
  @Test
  void reopeningAfterRelocationsGivesTheSameEntriesEvenWithTheRelocatedSegmentsStillOnDisk() throws IOException {
    Path saved = Files.createDirectories(dir.resolve("saved"));
    Runnable save = () -> saveSealedSegments(saved);
    Map<Object, byte[]> expected = new HashMap<>();
    try (DiskTier<Object> tier = openWithoutCompactor(8)) {
      tier.put("removed-in-first-segment", value(1, 50), StoredEntry.ETERNAL);
      tier.remove("removed-in-first-segment"); // its tombstone is dropped with the first segment
      tier.put("removed-early", value(2, 50), StoredEntry.ETERNAL);
      tier.put("removed-after-moving", value(3, 50), FAR);
      tier.put("put-again-after-moving", value(4, 50), FAR);
      tier.put("long-expired", value(5, 50), 1L); // relocation drops it
      tier.put("kept", value(6, 50), FAR + 6);
      expected.putAll(coldAndHot(tier, "first-", 5, 20, save));
      tier.remove("removed-early"); // a tombstone in a later segment
      expected.putAll(coldAndHot(tier, "cold-", 30, 1_000, save));
      assertThat(tier.relocations()).isGreaterThan(20);
      assertThat(tier.expiredDropped()).isEqualTo(1);
      // By now each key of the first segment has been relocated many times; these write after its copy.
      tier.remove("removed-after-moving");
      tier.put("put-again-after-moving", value(40, 60), FAR + 40);
      for (int r = 0; r < 200; r++) {
        tier.put("hot", value(r, 100), StoredEntry.ETERNAL);
        save.run();
      }
      expected.put("hot", value(199, 100));
      expected.put("put-again-after-moving", value(40, 60));
      expected.put("kept", value(6, 50));
      assertThat(tier.evictions()).isZero();
      assertHolds(tier, expected);
    }
    try (DiskTier<Object> tier = openWithoutCompactor(8)) {
      assertThat(tier.corruptRecords()).isZero();
      assertHolds(tier, expected);
      assertThat(tier.get("kept").expireAtMillis()).isEqualTo(FAR + 6);
      assertThat(tier.get("put-again-after-moving").expireAtMillis()).isEqualTo(FAR + 40);
      assertThat(tier.liveBytes()).isEqualTo(liveBytesOf(expected));
    }

    // Put every deleted segment back; open with a cap large enough to keep them all.
    int restored = 0;
    try (Stream<Path> files = Files.list(saved)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path target = tierDir().resolve(file.getFileName());
        if (!Files.exists(target)) {
          Files.copy(file, target);
          restored++;
        }
      }
    }
    assertThat(restored).isGreaterThan(20);
    try (DiskTier<Object> tier = DiskTier.openWithoutCompactor(tierDir(), 1L << 30, SEGMENT, SERIALIZER,
        getClass().getClassLoader(), Object.class, String.class)) {
      assertThat(tier.corruptRecords()).isZero();
      // The dropped expired entry may come back from the restored first segment, but only as expired.
      StoredBytes expired = tier.get("long-expired");
      assertThat(expired == null || expired.expireAtMillis() == 1L).isTrue();
      if (expired != null) {
        tier.remove("long-expired");
      }
      assertHolds(tier, expected);
    }
  }

  /** Copies every sealed segment (never written again) not copied yet; the active one is the newest. */
  private void saveSealedSegments(Path saved) {
    try {
      List<Path> segments = new ArrayList<>();
      try (Stream<Path> files = Files.list(tierDir())) {
        files.filter(p -> DiskTier.segmentId(p) >= 0).sorted().forEach(segments::add);
      }
      for (Path file : segments.subList(0, Math.max(0, segments.size() - 1))) {
        Path target = saved.resolve(file.getFileName());
        if (!Files.exists(target)) {
          Files.copy(file, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A record larger than the room the relocated records leave rolls the log a second time; that roll relocates
   * the next oldest segment only if the record still fits beside its copies, and the record is always written.
   */
  @Test
  void aRecordLargerThanTheRoomLeftAfterARelocationRollsOnceMoreAndIsWritten() {
    int a = recordLength("A", 1000);
    int hot = recordLength("hot", 200);
    int big = recordLength("B", 3100);
    assertThat(a + big).as("B does not fit beside A").isGreaterThan(SEGMENT);
    assertThat(hot + big).as("B fits beside the hot key").isLessThanOrEqualTo(SEGMENT);
    List<Object> evicted = new ArrayList<>();
    try (DiskTier<Object> tier = openWithoutCompactor(2)) {
      tier.evictionSink((key, bytes, expireAt) -> evicted.add(key));
      tier.put("A", value(1, 1000), StoredEntry.ETERNAL);
      int round = 0;
      while (tier.segmentCount() < 2) { // the first segment: A, then garbage
        tier.put("hot", value(round++, 200), StoredEntry.ETERNAL);
      }
      for (int i = 0; i < 4; i++) { // the second segment: garbage and the live hot record, too full for B
        tier.put("hot", value(round++, 200), StoredEntry.ETERNAL);
      }
      assertThat(tier.bytesUsed() - (SEGMENT - hot)).as("second segment cannot take B").isGreaterThan(
          SEGMENT - big);

      tier.put("B", value(2, 3100), StoredEntry.ETERNAL);

      // Roll 1 relocated A from the first segment; B did not fit beside it; roll 2 relocated the hot key.
      assertThat(tier.relocations()).isEqualTo(2);
      assertThat(tier.evictions()).isZero();
      assertThat(evicted).isEmpty();
      assertThat(tier.segmentCount()).isEqualTo(2);
      assertThat(tier.bytesUsed()).isEqualTo(a + hot + big);
      Map<Object, byte[]> expected = Map.of("A", value(1, 1000), "hot", value(round - 1, 200), "B",
          value(2, 3100));
      assertHolds(tier, expected);
      assertThat(tier.liveBytes()).isEqualTo(a + hot + big);
    }
    try (DiskTier<Object> tier = openWithoutCompactor(2)) {
      assertThat(tier.get("A").bytes()).isEqualTo(value(1, 1000));
      assertThat(tier.get("B").bytes()).isEqualTo(value(2, 3100));
    }
  }

  @Test
  void theSecondRollEvictsWhenTheRecordWouldNotFitBesideTheRelocatedOnes() {
    int c = recordLength("C", 1000);
    int hot = recordLength("hot", 200);
    int big = recordLength("B", 3100);
    assertThat(c + hot + big).as("B does not fit beside C and the hot key").isGreaterThan(SEGMENT);
    List<Object> evicted = new ArrayList<>();
    try (DiskTier<Object> tier = openWithoutCompactor(2)) {
      tier.evictionSink((key, bytes, expireAt) -> evicted.add(key));
      tier.put("A", value(1, 1000), StoredEntry.ETERNAL);
      int round = 0;
      while (tier.segmentCount() < 2) {
        tier.put("hot", value(round++, 200), StoredEntry.ETERNAL);
      }
      // The second segment: C, the live hot record and enough garbage to make it less than half live.
      tier.put("C", value(3, 1000), StoredEntry.ETERNAL);
      for (int i = 0; i < 8; i++) {
        tier.put("hot", value(round++, 200), StoredEntry.ETERNAL);
      }
      assertThat(tier.segmentCount()).isEqualTo(2);

      tier.put("B", value(2, 3100), StoredEntry.ETERNAL);

      assertThat(tier.relocations()).as("roll 1 relocated A").isEqualTo(1);
      assertThat(tier.evictions()).as("roll 2 evicted C and the hot key").isEqualTo(2);
      assertThat(evicted).containsExactlyInAnyOrder("C", "hot");
      assertThat(tier.segmentCount()).isEqualTo(2);
      assertHolds(tier, Map.of("A", value(1, 1000), "B", value(2, 3100)));
    }
  }

  /**
   * The compactor's own copy can roll the log, and that roll can relocate the very segment it is compacting (the
   * oldest). The compactor must then stop: a second copy of a record would be counted live twice, and a copy of an
   * evicted one would bring it back at open.
   */
  @Test
  void aCompactionWhoseCopyRollsTheLogStopsWhenThatRollRelocatesItsSegment() {
    int c = recordLength("C", 1000);
    int hot = recordLength("hot", 200);
    try (DiskTier<Object> tier = openWithoutCompactor(2)) {
      tier.put("C", value(1, 1000), StoredEntry.ETERNAL);
      int round = 0;
      while (tier.segmentCount() < 2) { // the first segment: C, then garbage
        tier.put("hot", value(round++, 200), StoredEntry.ETERNAL);
      }
      int secondEnd = hot;
      while (secondEnd + c <= SEGMENT) { // the second (active) segment: too full to take a copy of C
        tier.put("hot", value(round++, 200), StoredEntry.ETERNAL);
        secondEnd += hot;
      }
      assertThat(tier.segmentCount()).isEqualTo(2);

      assertThat(tier.compactOnce()).isTrue(); // the first segment, less than half live

      assertThat(tier.relocations()).as("the copy's roll relocated the first segment").isEqualTo(1);
      assertThat(tier.compactions()).as("so the compaction had nothing left to reclaim").isZero();
      assertThat(tier.evictions()).isZero();
      assertThat(tier.segmentCount()).isEqualTo(2);
      Map<Object, byte[]> expected = Map.of("C", value(1, 1000), "hot", value(round - 1, 200));
      assertHolds(tier, expected);
      assertThat(tier.liveBytes()).as("C counted live once").isEqualTo(c + hot);
      assertThat(tier.bytesUsed()).as("C copied once").isEqualTo(secondEnd + c);
    }
  }

  /**
   * The compactor and rolling writers reclaim the same segments concurrently (the compactor may be copying out of
   * the oldest segment when a writer relocates or evicts it). Whichever gets there first: every cold key is either
   * present with its value or was handed to the sink and counted, and after a reopen the present ones are the same
   * and no evicted one comes back. (Evictions can happen here: compaction packs cold keys into segments that become
   * mostly live, and those are evicted when they are the oldest.)
   */
  @Test
  void relocationAndTheBackgroundCompactorTogetherLoseNothingUncountedAndBringNothingBack() {
    for (int attempt = 0; attempt < 5; attempt++) {
      Path sub = dir.resolve("run-" + attempt);
      Map<Object, Object> evicted = new ConcurrentHashMap<>();
      Map<Object, byte[]> present = new HashMap<>();
      try (DiskTier<Object> tier = DiskTier.open(sub, 8L * SEGMENT, SEGMENT, SERIALIZER,
          getClass().getClassLoader(), Object.class, String.class, OnIncompatible.FAIL)) {
        tier.evictionSink((key, bytes, expireAt) -> evicted.put(key, bytes));
        Map<Object, byte[]> written = coldAndHot(tier, 40, 5_000);
        assertThat(evicted).doesNotContainKey("hot");
        for (Map.Entry<Object, byte[]> entry : written.entrySet()) {
          StoredBytes read = tier.get(entry.getKey());
          if (read == null) {
            assertThat(evicted).as("%s is gone without an eviction", entry.getKey()).containsKey(entry.getKey());
            assertThat((byte[]) evicted.get(entry.getKey())).isEqualTo(entry.getValue());
          } else {
            assertThat(read.bytes()).isEqualTo(entry.getValue());
            present.put(entry.getKey(), entry.getValue());
          }
        }
        assertThat(tier.evictions()).isEqualTo(evicted.size());
      }
      try (DiskTier<Object> tier = DiskTier.open(sub, 8L * SEGMENT, SEGMENT, SERIALIZER,
          getClass().getClassLoader(), Object.class, String.class, OnIncompatible.FAIL)) {
        assertHolds(tier, present);
      }
    }
  }
}

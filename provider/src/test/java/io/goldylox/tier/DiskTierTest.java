package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.serialization.JavaSerializer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.cache.CacheException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk tier's own promises: restart, damage detection, locking, compatibility, compaction. */
class DiskTierTest {

  static final int SEGMENT = 4 << 10;
  static final long FAR = System.currentTimeMillis() + 3_600_000;

  @TempDir
  Path dir;

  DiskTier<Object> open() {
    return open(OnIncompatible.FAIL, String.class);
  }

  DiskTier<Object> open(OnIncompatible onIncompatible, Class<?> valueType) {
    return DiskTier.open(dir, 1 << 20, SEGMENT, new JavaSerializer(), getClass().getClassLoader(),
        Object.class, valueType, onIncompatible);
  }

  static byte[] value(int i, int length) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) i);
    b[0] = (byte) (i >> 8);
    return b;
  }

  /** A lowered size is not silently accepted (new-user trial: 20 MiB of entries under a 4 MiB size, no word). */
  @Test
  void aTierReopenedSmallerThanItsSegmentsSaysSo() {
    try (DiskTier<Object> tier = open()) {
      for (int i = 0; i < 2_000; i++) {
        tier.put("key-" + i, value(i, 200), StoredEntry.ETERNAL);
      }
    }
    try (io.goldylox.testing.LogCapture log = new io.goldylox.testing.LogCapture(DiskTier.class);
        DiskTier<Object> tier = DiskTier.open(dir, 2L * SEGMENT, SEGMENT, new JavaSerializer(),
            getClass().getClassLoader(), Object.class, String.class, OnIncompatible.FAIL)) {
      assertThat(tier.size()).isEqualTo(2_000);
      assertThat(log.records).singleElement().satisfies(record -> assertThat(record.getMessage())
          .contains("Disk tier " + dir.toAbsolutePath().normalize()).contains("more than its size of "
              + 2L * SEGMENT + " bytes (was disk.size lowered?)"));
    }
  }

  @Test
  void afterACleanCloseEveryEntryComesBackWithItsDeadline() {
    long base = System.currentTimeMillis() + 3_600_000;
    try (DiskTier<Object> tier = open()) {
      for (int i = 0; i < 500; i++) {
        tier.put("key-" + i, value(i, 50 + i % 40), i % 3 == 0 ? StoredEntry.ETERNAL : base + i);
      }
      tier.put("key-7", value(7000, 10), base); // overwritten
      tier.remove("key-8"); // removed
      assertThat(tier.segmentCount()).isGreaterThan(2);
    }
    try (DiskTier<Object> tier = open()) {
      assertThat(tier.size()).isEqualTo(499);
      assertThat(tier.corruptRecords()).isZero();
      for (int i = 0; i < 500; i++) {
        StoredBytes read = tier.get("key-" + i);
        if (i == 8) {
          assertThat(read).isNull();
        } else if (i == 7) {
          assertThat(read.bytes()).isEqualTo(value(7000, 10));
          assertThat(read.expireAtMillis()).isEqualTo(base);
        } else {
          assertThat(read.bytes()).as("key-%s", i).isEqualTo(value(i, 50 + i % 40));
          assertThat(read.expireAtMillis()).isEqualTo(i % 3 == 0 ? StoredEntry.ETERNAL : base + i);
        }
      }
    }
  }

  @Test
  void aDamagedRecordIsSkippedCountedAndTheScanGoesOnWithTheNextSegment() throws IOException {
    try (DiskTier<Object> tier = open()) {
      for (int i = 0; i < 300; i++) {
        tier.put(i, value(i, 100), StoredEntry.ETERNAL);
      }
    }
    List<Path> segments = segmentFiles();
    assertThat(segments.size()).isGreaterThan(3);
    Path victim = segments.get(1);
    // Flip bytes in the middle of the second segment: inside some record's value.
    try (FileChannel channel = FileChannel.open(victim, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(4);
      channel.read(b, 1000);
      b.flip();
      int x = b.getInt();
      channel.write(ByteBuffer.allocate(4).putInt(0, ~x), 1000);
    }
    try (DiskTier<Object> tier = open()) {
      assertThat(tier.corruptRecords()).isEqualTo(1);
      int present = 0;
      for (int i = 0; i < 300; i++) {
        StoredBytes read = tier.get(i);
        if (read != null) {
          assertThat(read.bytes()).isEqualTo(value(i, 100));
          present++;
        }
      }
      // Only the damaged record and the rest of its segment are lost; the later segments were read.
      assertThat(present).isBetween(300 - SEGMENT / 100, 299);
      assertThat(tier.get(299)).isNotNull();
      assertThat(tier.get(0)).isNotNull();
    }
  }

  @Test
  void aTornTailIsTruncatedAndTheTierOpensWithEverythingBeforeIt() throws IOException {
    try (DiskTier<Object> tier = open()) {
      for (int i = 0; i < 20; i++) {
        tier.put(i, value(i, 100), StoredEntry.ETERNAL);
      }
    }
    // Reopening truncates segments to their written length; cut the last record short, as a crash mid-write.
    open().close();
    Path last = segmentFiles().stream().filter(DiskTierTest::hasData).reduce((a, b) -> b).orElseThrow();
    long size = size(last);
    try (FileChannel channel = FileChannel.open(last, StandardOpenOption.WRITE)) {
      channel.truncate(size - 30);
    }
    try (DiskTier<Object> tier = open()) {
      assertThat(tier.corruptRecords()).isEqualTo(1);
      assertThat(tier.size()).isEqualTo(19);
      assertThat(tier.get(19)).isNull();
      assertThat(tier.get(18).bytes()).isEqualTo(value(18, 100));
      tier.put(19, value(19, 100), 5L);
    }
    assertThat(!Files.exists(last) || size(last) < size - 30).as("torn tail truncated").isTrue();
    try (DiskTier<Object> tier = open()) {
      assertThat(tier.corruptRecords()).isZero();
      assertThat(tier.get(19).bytes()).isEqualTo(value(19, 100));
    }
  }

  @Test
  void twoManagersCannotOpenOnePathButAReopenAfterCloseWorks() {
    DiskTier<Object> first = open();
    first.put("a", value(1, 3), 1L);
    assertThatThrownBy(this::open).isInstanceOf(CacheException.class)
        .hasMessageContaining(dir.toAbsolutePath().normalize().toString())
        .hasMessageContaining("already in use by another cache in this JVM");
    first.close();
    try (DiskTier<Object> again = open()) {
      assertThat(again.get("a").bytes()).isEqualTo(value(1, 3));
    }
  }

  @Test
  void changedValueClassFailsByDefaultAndNamesBothClasses() {
    try (DiskTier<Object> tier = open()) {
      tier.put("a", value(1, 3), 1L);
    }
    assertThatThrownBy(() -> open(OnIncompatible.FAIL, Integer.class)).isInstanceOf(CacheException.class)
        .hasMessageContaining("java.lang.String").hasMessageContaining("java.lang.Integer")
        .hasMessageContaining("on-incompatible = fail");
    // Failing left the data and the lock alone.
    try (DiskTier<Object> tier = open()) {
      assertThat(tier.get("a")).isNotNull();
    }
  }

  @Test
  void changedValueClassWithWipeStartsEmpty() {
    try (DiskTier<Object> tier = open()) {
      tier.put("a", value(1, 3), 1L);
    }
    try (DiskTier<Object> tier = open(OnIncompatible.WIPE, Integer.class)) {
      assertThat(tier.size()).isZero();
      tier.put("b", value(2, 3), 1L);
    }
    try (DiskTier<Object> tier = open(OnIncompatible.FAIL, Integer.class)) {
      assertThat(tier.get("a")).isNull();
      assertThat(tier.get("b")).isNotNull();
    }
  }

  @Test
  void compactionReclaimsGarbageAndKeepsLatestValuesAndRemovals() throws InterruptedException {
    try (DiskTier<Object> tier = open()) {
      for (int i = 0; i < 40; i++) {
        tier.put("stable-" + i, value(i, 80), StoredEntry.ETERNAL);
      }
      tier.remove("stable-3");
      tier.put("expired", value(1, 80), 1L); // long expired: compaction may drop it
      for (int round = 0; round < 60; round++) {
        for (int k = 0; k < 10; k++) {
          tier.put("hot-" + k, value(round, 120), FAR + round);
        }
      }
      long deadline = System.currentTimeMillis() + 10_000;
      while (tier.compactions() == 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      assertThat(tier.compactions()).isPositive();
      assertThat(tier.evictions()).isZero();
      verifyLatest(tier);
      deadline = System.currentTimeMillis() + 10_000;
      while (tier.containsKey("expired") && System.currentTimeMillis() < deadline) {
        tier.put("churn", value(1, 2000), StoredEntry.ETERNAL); // more garbage: compaction reaches every segment
        Thread.sleep(1);
      }
      assertThat(tier.containsKey("expired")).as("compaction drops expired entries").isFalse();
      assertThat(tier.expiredDropped()).isEqualTo(1);
    }
    try (DiskTier<Object> tier = open()) {
      verifyLatest(tier);
    }
  }

  private static void verifyLatest(DiskTier<Object> tier) {
    for (int k = 0; k < 10; k++) {
      StoredBytes read = tier.get("hot-" + k);
      assertThat(read.bytes()).isEqualTo(value(59, 120));
      assertThat(read.expireAtMillis()).isEqualTo(FAR + 59);
    }
    for (int i = 0; i < 40; i++) {
      if (i == 3) {
        assertThat(tier.get("stable-3")).isNull();
      } else {
        assertThat(tier.get("stable-" + i).bytes()).isEqualTo(value(i, 80));
      }
    }
  }

  @Test
  void theSizeCapEvictsTheOldestSegmentsEntriesAsCountedEvictions() {
    try (DiskTier<Object> tier = DiskTier.open(dir, 8 * SEGMENT, SEGMENT, new JavaSerializer(),
        getClass().getClassLoader(), Object.class, String.class, OnIncompatible.FAIL)) {
      for (int i = 0; i < 1000; i++) {
        tier.put(i, value(i, 100), StoredEntry.ETERNAL);
      }
      assertThat(tier.segmentCount()).isLessThanOrEqualTo(8);
      assertThat(tier.evictions()).isPositive();
      assertThat(tier.size() + tier.evictions()).isEqualTo(1000);
      assertThat(tier.get(0)).isNull();
      assertThat(tier.get(999)).isNotNull();
    }
  }

  private List<Path> segmentFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> DiskTier.segmentId(p) >= 0).sorted().collect(Collectors.toList());
    }
  }

  private static boolean hasData(Path p) {
    try {
      byte[] head = Files.readAllBytes(p);
      return head.length >= 8 && (head[0] | head[1] | head[2] | head[3] | head[4] | head[5] | head[6] | head[7]) != 0;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}

package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.SerializedBytes;
import io.goldylox.serialization.Serializer;
import io.goldylox.testing.Parallel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiered store's rules: always findable, exclusive, demotion is not eviction, restart after close. */
class TieredTierTest {

  static final Serializer SERIALIZER = new JavaSerializer();
  static final String PAD = "x".repeat(400);

  @TempDir
  Path dir;

  private final List<TieredTier<?>> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(TieredTier::close);
  }

  <K> TieredTier<K> tiered(long heap, boolean offHeap, boolean disk) {
    List<LowerTier<K>> lowers = new ArrayList<>();
    if (offHeap) {
      lowers.add(new OffHeapTier<>(64 << 10, 8 << 10));
    }
    if (disk) {
      lowers.add(openDisk());
    }
    TieredTier<K> tier = new TieredTier<>("test", heap, lowers, SERIALIZER);
    opened.add(tier);
    return tier;
  }

  <K> DiskTier<K> openDisk() {
    return DiskTier.open(dir, 4 << 20, 64 << 10, SERIALIZER, getClass().getClassLoader(), Object.class,
        Object.class, OnIncompatible.FAIL);
  }

  @Test
  void withoutAMoverWritersKeepTheHeapAndTheTransitMapBoundedAndLoseNothing() throws Exception {
    // The mover never runs: every move is a writer's own backpressure. A small off-heap tier evicts almost every
    // entry it takes into its transit map; only writers past the backlog limit move them on to disk.
    List<LowerTier<Integer>> lowers = List.of(new OffHeapTier<>(64 << 10, 8 << 10), openDisk());
    TieredTier<Integer> tier = new TieredTier<>("no-mover", 100, lowers, SERIALIZER, false);
    opened.add(tier);
    int threads = 2;
    int keys = 6_000;
    AtomicLong highestHeap = new AtomicLong();
    AtomicLong highestBacklog = new AtomicLong();
    Parallel.run(threads, Duration.ofSeconds(60), index -> {
      for (int key = index; key < keys; key += threads) {
        put(tier, key, value(key), StoredEntry.ETERNAL);
        highestHeap.accumulateAndGet(Math.min(tier.heapSize(), tier.heapSize()), Math::max);
        highestBacklog.accumulateAndGet(tier.transitBacklog(), Math::max);
      }
    });
    // Slack max(16, 100/32) = 16 over the bound; one more per writer in flight.
    assertThat(highestHeap.get()).isLessThanOrEqualTo(100 + 16 + threads);
    // One demotion can make the off-heap tier empty a whole slab (8 KiB: 32 of these values) into the transit map
    // before its writer drains it back to the limit.
    assertThat(highestBacklog.get()).as("transit backlog, limit %s", tier.transitBacklogLimit())
        .isGreaterThan(tier.transitBacklogLimit() / 2)
        .isLessThanOrEqualTo(tier.transitBacklogLimit() + threads * 32L);
    assertThat(tier.evictions()).as("the disk tier has room for every key").isZero();
    for (int key = 0; key < keys; key++) {
      assertThat((byte[]) decode(tier.get(key))).as("key %s", key).isEqualTo(value(key));
    }
  }

  private static byte[] value(int key) {
    byte[] value = new byte[200];
    Arrays.fill(value, (byte) key);
    value[0] = (byte) (key >>> 8);
    return value;
  }

  static Object decode(StoredEntry entry) {
    if (entry == null) {
      return null;
    }
    Object value = entry.value();
    return value instanceof SerializedBytes
        ? SERIALIZER.deserialize(((SerializedBytes) value).bytes(), TieredTierTest.class.getClassLoader())
        : value;
  }

  static <K> void put(Tier<K> tier, K key, Object value, long deadline) {
    tier.compute(key, (k, old) -> new StoredEntry(value, deadline));
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void demotedEntriesStayFindableWithTheirDeadlinesAndAreNotEvictions() throws InterruptedException {
    TieredTier<Integer> tier = tiered(4, true, true);
    long deadline = System.currentTimeMillis() + 3_600_000;
    for (int i = 0; i < 300; i++) {
      put(tier, i, "value-" + i + PAD, i % 2 == 0 ? StoredEntry.ETERNAL : deadline + i);
    }
    await(() -> tier.heapSize() <= 4, "the heap is back within its bound");
    assertThat(tier.demotions()).isGreaterThanOrEqualTo(296);
    assertThat(tier.evictions()).isZero();
    assertThat(tier.size()).isEqualTo(300);
    assertThat(tier.lowerTiers().get(1).size()).as("the off-heap tier overflowed to disk").isPositive();
    for (int i = 0; i < 300; i++) {
      StoredEntry entry = tier.get(i);
      assertThat(decode(entry)).isEqualTo("value-" + i + PAD);
      assertThat(entry.expireAtMillis()).isEqualTo(i % 2 == 0 ? StoredEntry.ETERNAL : deadline + i);
    }
  }

  @Test
  void aLowerHitIsPromotedInTheBackgroundAndKeepsTheObjectReadersGot() throws InterruptedException {
    TieredTier<String> tier = tiered(2, true, false);
    for (int i = 0; i < 10; i++) {
      put(tier, "k" + i, "v" + i, StoredEntry.ETERNAL);
    }
    await(() -> tier.heapSize() <= 2, "demoted");
    String cold = null;
    for (int i = 0; i < 10 && cold == null; i++) {
      if (tier.lowerTiers().get(0).containsKey("k" + i)) {
        cold = "k" + i;
      }
    }
    assertThat(cold).isNotNull();
    StoredEntry first = tier.get(cold);
    first.setExpireAtMillis(4242L); // an access-expiry update made by the cache on the object it got
    String key = cold;
    await(() -> tier.promotions() > 0 && !tier.lowerTiers().get(0).containsKey(key), "promoted");
    StoredEntry again = tier.get(cold);
    assertThat(decode(again)).isEqualTo("v" + cold.substring(1));
    assertThat(again.expireAtMillis()).isEqualTo(4242L);
  }

  @Test
  void aWriteBelowAFullHeapStaysBelowForAColdKeyAndPromotesAKeyInUse() throws InterruptedException {
    TieredTier<String> tier = tiered(1, true, true);
    put(tier, "a", 1L, 77L);
    put(tier, "b", 2L, StoredEntry.ETERNAL);
    put(tier, "c", 3L, StoredEntry.ETERNAL);
    await(() -> tier.heapSize() <= 1, "demoted");
    String low = tier.lowerTiers().get(0).containsKey("a") || tier.lowerTiers().get(1).containsKey("a") ? "a" : "b";
    Object[] seen = new Object[1];
    // Cold (written once before): the new value replaces the old in the tier that holds it; no promotion.
    int home = tier.lowerTiers().get(0).containsKey(low) ? 0 : 1;
    tier.compute(low, (k, current) -> {
      seen[0] = decode(current);
      return new StoredEntry(100L, StoredEntry.ETERNAL);
    });
    assertThat(seen[0]).isEqualTo(low.equals("a") ? 1L : 2L);
    assertThat(tier.writtenBelow()).isEqualTo(1);
    assertThat(tier.lowerTiers().get(home).containsKey(low)).isTrue();
    assertThat(tier.lowerTiers().get(1 - home).containsKey(low)).isFalse();
    assertThat(decode(tier.get(low))).isEqualTo(100L);
    assertThat(decode(tier.get("c"))).isEqualTo(3L);
    // In use (the sketch has now seen it more than once): a write promotes it; it then lives in the heap only.
    tier.compute(low, (k, current) -> new StoredEntry(101L, StoredEntry.ETERNAL));
    tier.compute(low, (k, current) -> new StoredEntry(102L, StoredEntry.ETERNAL));
    for (LowerTier<String> lower : tier.lowerTiers()) {
      assertThat(lower.containsKey(low)).isFalse();
    }
    assertThat(decode(tier.get(low))).isEqualTo(102L);
    assertThat(decode(tier.get("c"))).isEqualTo(3L);
  }

  @Test
  void withADecoderAPromotionInstallsTheObjectSoHeapHitsDoNotDeserialize() throws InterruptedException {
    TieredTier<String> tier = tiered(2, true, false);
    tier.decodeOnPromotion(bytes -> SERIALIZER.deserialize(bytes, getClass().getClassLoader()));
    for (int i = 0; i < 20; i++) {
      put(tier, "k" + i, "value-" + i, StoredEntry.ETERNAL);
    }
    await(() -> tier.heapSize() <= 2, "demoted");
    String low = IntStream.range(0, 20).mapToObj(i -> "k" + i)
        .filter(k -> tier.lowerTiers().get(0).containsKey(k)).findFirst().orElseThrow();
    assertThat(tier.get(low).value()).as("a lower hit hands out bytes").isInstanceOf(SerializedBytes.class);
    for (int read = 0; read < 4; read++) {
      tier.get(low); // popular: admission keeps it in the heap once promoted
    }
    await(() -> tier.promotions() > 0 && !tier.lowerTiers().get(0).containsKey(low), "promoted");
    assertThat(tier.get(low).value()).as("promoted: the object itself").isEqualTo("value-" + low.substring(1));
  }

  @Test
  void aRemovedEntryIsGoneFromEveryTierAndNeverComesBack() throws InterruptedException {
    TieredTier<Integer> tier = tiered(4, true, true);
    for (int i = 0; i < 200; i++) {
      put(tier, i, "v" + i, StoredEntry.ETERNAL);
    }
    await(() -> tier.heapSize() <= 4, "demoted");
    for (int i = 0; i < 200; i += 3) {
      tier.compute(i, (k, current) -> null);
    }
    for (int i = 200; i < 400; i++) { // more churn: evictions and flushes while removed keys stay removed
      put(tier, i, "v" + i, StoredEntry.ETERNAL);
      tier.get(i - 150);
    }
    await(() -> tier.heapSize() <= 4, "demoted again");
    for (int i = 0; i < 200; i++) {
      assertThat(decode(tier.get(i))).as("key %s", i).isEqualTo(i % 3 == 0 ? null : "v" + i);
    }
  }

  @Test
  void iterationSeesEveryEntryOnceWhileEntriesMove() throws InterruptedException {
    TieredTier<Integer> tier = tiered(8, true, true);
    for (int i = 0; i < 500; i++) {
      put(tier, i, "v" + i, StoredEntry.ETERNAL);
    }
    Thread churn = new Thread(() -> {
      for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 500; i += 7) {
          tier.get(i); // promotions
        }
      }
    });
    churn.start();
    Set<Integer> seen = new HashSet<>();
    for (Iterator<Map.Entry<Integer, StoredEntry>> it = tier.iterator(); it.hasNext(); ) {
      Map.Entry<Integer, StoredEntry> entry = it.next();
      assertThat(seen.add(entry.getKey())).as("returned once: %s", entry.getKey()).isTrue();
      assertThat(decode(entry.getValue())).isEqualTo("v" + entry.getKey());
    }
    churn.join();
    assertThat(seen).hasSize(500);
  }

  @Test
  void leavingTheLastTierIsACountedEviction() throws InterruptedException {
    TieredTier<Integer> tier = tiered(4, true, false);
    byte[] payload = new byte[900];
    for (int i = 0; i < 400; i++) {
      put(tier, i, payload.clone(), StoredEntry.ETERNAL);
    }
    await(() -> tier.heapSize() <= 4, "demoted");
    assertThat(tier.evictions()).isPositive();
    assertThat(tier.size() + tier.evictions()).isEqualTo(400);
  }

  @Test
  void anEntryTooLargeForEveryLowerTierIsEvictedNotLost() throws InterruptedException {
    TieredTier<Integer> tier = tiered(1, true, false);
    put(tier, 1, new byte[100 << 10], StoredEntry.ETERNAL);
    put(tier, 2, "small", StoredEntry.ETERNAL);
    put(tier, 3, "small", StoredEntry.ETERNAL);
    await(() -> tier.heapSize() <= 1, "demoted");
    assertThat(tier.lowerTiers().get(0).rejectedOversize()).isGreaterThanOrEqualTo(tier.get(1) == null ? 1 : 0);
    assertThat(tier.size() + tier.evictions()).isEqualTo(3);
  }

  @Test
  void clearEmptiesEveryTier() throws InterruptedException {
    TieredTier<Integer> tier = tiered(4, true, true);
    for (int i = 0; i < 100; i++) {
      put(tier, i, "v" + i, StoredEntry.ETERNAL);
    }
    tier.clear();
    // The guarantee: nothing written before the clear is readable after it, in any tier.
    for (int i = 0; i < 100; i++) {
      assertThat(tier.get(i)).isNull();
    }
    // The count is an estimate while the mover runs (a ConcurrentHashMap counts a removal after unlocking its
    // bin, so a demotion that finished just before the clear may still be counted for an instant): it settles at
    // zero, and no racing move brings an entry back past the clear.
    await(() -> tier.size() == 0, "the count settled after the clear");
    Thread.sleep(50); // give a racing background move the chance to misbehave
    assertThat(tier.size()).isZero();
    for (int i = 0; i < 100; i++) {
      assertThat(tier.get(i)).isNull();
    }
  }

  @Test
  void afterACleanCloseEveryEntryComesBackFromDisk() throws InterruptedException {
    long deadline = System.currentTimeMillis() + 3_600_000;
    TieredTier<Integer> tier = tiered(8, true, true);
    for (int i = 0; i < 300; i++) {
      put(tier, i, "v" + i, deadline + i);
    }
    tier.close();
    TieredTier<Integer> reopened = tiered(8, true, true);
    assertThat(reopened.size()).isEqualTo(300);
    for (int i = 0; i < 300; i++) {
      StoredEntry entry = reopened.get(i);
      assertThat(decode(entry)).isEqualTo("v" + i);
      assertThat(entry.expireAtMillis()).isEqualTo(deadline + i);
    }
  }

  @Test
  void expiredEntriesAreDroppedOnTheWayDown() throws InterruptedException {
    TieredTier<Integer> tier = tiered(2, true, false);
    for (int i = 0; i < 20; i++) {
      put(tier, i, "v" + i, i < 10 ? 1L : StoredEntry.ETERNAL);
    }
    await(() -> tier.heapSize() <= 2, "demoted");
    assertThat(tier.expiredDropped()).isPositive();
    assertThat(tier.evictions()).isZero();
    Map<Integer, Object> left = new HashMap<>();
    tier.iterator().forEachRemaining(e -> left.put(e.getKey(), decode(e.getValue())));
    for (int i = 10; i < 20; i++) {
      assertThat(left).containsEntry(i, "v" + i);
    }
  }
}

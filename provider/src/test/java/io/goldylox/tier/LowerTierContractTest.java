package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every {@link LowerTier} must keep, run against each implementation (the idea of Ehcache's
 * {@code StoreSPITest}). Tiers are small (256 KiB) so eviction is exercised.
 */
class LowerTierContractTest {

  static final long CAPACITY = 256 << 10;

  @TempDir
  Path dir;

  private final List<LowerTier<?>> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(LowerTier::close);
  }

  <K> LowerTier<K> create(String kind) {
    LowerTier<K> tier;
    switch (kind) {
      case "offheap":
        tier = new OffHeapTier<>(CAPACITY, 64 << 10);
        break;
      case "disk":
        tier = DiskTier.open(dir.resolve("disk"), CAPACITY, 64 << 10, new JavaSerializer(),
            getClass().getClassLoader(), Object.class, Object.class, OnIncompatible.FAIL);
        break;
      default:
        throw new IllegalArgumentException(kind);
    }
    opened.add(tier);
    return tier;
  }

  static byte[] bytes(int length, int fill) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) fill);
    return b;
  }

  @ParameterizedTest
  @ValueSource(strings = {"offheap", "disk"})
  void putThenGetReturnsBytesAndDeadline(String kind) {
    LowerTier<String> tier = create(kind);
    assertThat(tier.get("a")).isNull();
    assertThat(tier.put("a", new byte[] {1, 2, 3}, 1234L)).isEqualTo(PutResult.STORED);
    StoredBytes read = tier.get("a");
    assertThat(read.bytes()).containsExactly(1, 2, 3);
    assertThat(read.expireAtMillis()).isEqualTo(1234L);
    assertThat(tier.containsKey("a")).isTrue();
    assertThat(tier.size()).isEqualTo(1);
    assertThat(tier.put("empty", new byte[0], StoredEntry.ETERNAL)).isEqualTo(PutResult.STORED);
    assertThat(tier.get("empty").bytes()).isEmpty();
    assertThat(tier.get("empty").expireAtMillis()).isEqualTo(StoredEntry.ETERNAL);
  }

  @ParameterizedTest
  @ValueSource(strings = {"offheap", "disk"})
  void putReplacesAndRemoveRemoves(String kind) {
    LowerTier<Integer> tier = create(kind);
    tier.put(1, bytes(10, 1), 5L);
    tier.put(1, bytes(200, 2), 6L);
    assertThat(tier.get(1).bytes()).isEqualTo(bytes(200, 2));
    assertThat(tier.get(1).expireAtMillis()).isEqualTo(6L);
    assertThat(tier.size()).isEqualTo(1);
    assertThat(tier.remove(1)).isTrue();
    assertThat(tier.remove(1)).isFalse();
    assertThat(tier.get(1)).isNull();
    assertThat(tier.containsKey(1)).isFalse();
    assertThat(tier.size()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"offheap", "disk"})
  void keysListEveryMappingAndClearEmpties(String kind) {
    LowerTier<Integer> tier = create(kind);
    for (int i = 0; i < 50; i++) {
      tier.put(i, bytes(20, i), StoredEntry.ETERNAL);
    }
    Set<Integer> keys = new HashSet<>();
    for (Iterator<Integer> it = tier.keys(); it.hasNext(); ) {
      keys.add(it.next());
    }
    assertThat(keys).hasSize(50).contains(0, 49);
    assertThat(tier.bytesUsed()).isPositive();
    tier.clear();
    assertThat(tier.size()).isZero();
    assertThat(tier.get(3)).isNull();
    assertThat(tier.keys().hasNext()).isFalse();
    tier.put(7, bytes(5, 7), 1L);
    assertThat(tier.get(7).bytes()).isEqualTo(bytes(5, 7));
  }

  @ParameterizedTest
  @ValueSource(strings = {"offheap", "disk"})
  void aValueLargerThanTheTierCanHoldIsRejectedAndCounted(String kind) {
    LowerTier<String> tier = create(kind);
    tier.put("k", bytes(10, 1), 1L);
    assertThat(tier.put("k", bytes(100 << 10, 9), 2L)).isEqualTo(PutResult.REJECTED_TOO_LARGE);
    assertThat(tier.rejectedOversize()).isEqualTo(1);
    assertThat(tier.get("k").bytes()).isEqualTo(bytes(10, 1)); // the older value is untouched
    assertThat(tier.put("huge", bytes((int) CAPACITY * 2, 9), 2L)).isEqualTo(PutResult.REJECTED_TOO_LARGE);
    assertThat(tier.rejectedOversize()).isEqualTo(2);
    assertThat(tier.containsKey("huge")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"offheap", "disk"})
  void whenFullEveryEntryIsEitherStillHereOrHandedToTheSink(String kind) {
    LowerTier<Integer> tier = create(kind);
    Map<Integer, StoredBytes> sunk = new ConcurrentHashMap<>();
    tier.evictionSink((key, value, expireAt) -> {
      assertThat(tier.containsKey(key)).as("handed over while still listed").isTrue();
      sunk.put(key, new StoredBytes(value, expireAt));
    });
    int n = 3000;
    for (int i = 0; i < n; i++) {
      tier.put(i, bytes(300 + i % 7, i), i);
    }
    assertThat(tier.size()).isLessThan(n);
    assertThat(tier.evictions()).isPositive();
    assertThat(tier.bytesUsed()).isLessThanOrEqualTo(tier.capacityBytes());
    for (int i = 0; i < n; i++) {
      StoredBytes here = tier.get(i);
      StoredBytes there = sunk.get(i);
      assertThat(here != null || there != null).as("key %s is somewhere", i).isTrue();
      StoredBytes found = here != null ? here : there;
      assertThat(found.bytes()).isEqualTo(bytes(300 + i % 7, i));
      assertThat(found.expireAtMillis()).isEqualTo(i);
    }
    assertThat(tier.get(n - 1)).as("the newest entry stays").isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"offheap", "disk"})
  void concurrentReadersSeeWholeValuesOnlyWhileWritersChurn(String kind) throws Exception {
    LowerTier<Integer> tier = create(kind);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int keys = 400;
    Runnable writer = () -> {
      int round = 0;
      while (!stop.get()) {
        for (int k = 0; k < keys; k++) {
          int fill = (k + round) & 0x7f;
          tier.put(k, bytes(100 + (fill % 5) * 150, fill), fill);
          if ((k + round) % 11 == 0) {
            tier.remove(k);
          }
        }
        round++;
      }
    };
    Runnable reader = () -> {
      while (!stop.get()) {
        for (int k = 0; k < keys; k++) {
          StoredBytes read = tier.get(k);
          if (read == null) {
            continue;
          }
          byte[] b = read.bytes();
          int fill = (int) read.expireAtMillis();
          if (b.length != 100 + (fill % 5) * 150) {
            failure.compareAndSet(null, new AssertionError("length " + b.length + " for fill " + fill));
          }
          for (byte x : b) {
            if (x != (byte) fill) {
              failure.compareAndSet(null, new AssertionError("torn value for key " + k));
              break;
            }
          }
        }
      }
    };
    List<Thread> threads = new ArrayList<>();
    threads.add(new Thread(writer));
    threads.add(new Thread(writer));
    threads.add(new Thread(reader));
    threads.add(new Thread(reader));
    threads.forEach(Thread::start);
    Thread.sleep(700);
    stop.set(true);
    for (Thread t : threads) {
      t.join(10_000);
    }
    assertThat(failure.get()).isNull();
  }
}

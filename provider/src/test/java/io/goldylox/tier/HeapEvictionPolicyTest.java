package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The heap's bound and its choice of what leaves, on a heap-only {@link TieredTier} (leaving the heap is
 * eviction): the bound holds under a writer that outruns the mover, and admission keeps a frequently used working
 * set through a scan that pure CLOCK would let flush it.
 */
class HeapEvictionPolicyTest {

  private static final int MAX = 1_000;
  private static final long SLACK = 16 + MAX / 32; // the documented slack: max(16, max/32)

  private final List<TieredTier<?>> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(TieredTier::close);
  }

  private TieredTier<Integer> heapOnly() {
    TieredTier<Integer> tier = new TieredTier<>("policy", MAX, List.of(), new JavaSerializer());
    opened.add(tier);
    return tier;
  }

  private static void touch(TieredTier<Integer> tier, int key) {
    if (tier.get(key) == null) {
      tier.compute(key, (k, old) -> new StoredEntry("v" + k, StoredEntry.ETERNAL)); // cache-aside
    }
  }

  @Test
  void oneWriterCannotPushTheHeapPastTheBoundPlusSlack() {
    {
      TieredTier<Integer> tier = heapOnly();
      long highest = 0;
      for (int key = 0; key < 200_000; key++) {
        tier.compute(key, (k, old) -> new StoredEntry(k, StoredEntry.ETERNAL));
        highest = Math.max(highest, tier.heapSize());
      }
      // One writer: after its own insert and its own demotion the heap is at most hardLimit (+1 for the insert
      // of the moment, seen before the mover's demotion).
      assertThat(highest).isLessThanOrEqualTo(MAX + SLACK + 1);
      assertThat(tier.evictions()).isGreaterThanOrEqualTo(200_000 - MAX - SLACK - 1);
    }
  }

  @Test
  void concurrentWritersAreBoundedTooWithOneExtraEntryEach() throws InterruptedException {
    int threads = 4;
    {
      TieredTier<Integer> tier = heapOnly();
      AtomicLong highest = new AtomicLong();
      CountDownLatch start = new CountDownLatch(1);
      Thread[] writers = new Thread[threads];
      for (int t = 0; t < threads; t++) {
        int base = t * 1_000_000;
        writers[t] = new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < 50_000; i++) {
            tier.compute(base + i, (k, old) -> new StoredEntry(k, StoredEntry.ETERNAL));
            // ConcurrentHashMap.mappingCount sums its counter cells without a snapshot: a reader preempted in the
            // middle of the sum (this machine is shared) can add increments made after it read the base count to a
            // base that misses the matching decrements, and report hundreds too many. The smaller of two reads
            // drops such a one-off; a real overshoot shows in both.
            highest.accumulateAndGet(Math.min(tier.heapSize(), tier.heapSize()), Math::max);
          }
        });
        writers[t].start();
      }
      start.countDown();
      for (Thread writer : writers) {
        writer.join();
      }
      assertThat(highest.get()).isLessThanOrEqualTo(MAX + SLACK + 2L * threads);
    }
  }

  @Test
  void aFrequentlyUsedWorkingSetSurvivesAScanOfOneTimeKeys() throws InterruptedException {
    int hot = 800; // most of the heap
    {
      TieredTier<Integer> tier = heapOnly();
      for (int round = 0; round < 20; round++) {
        for (int key = 0; key < hot; key++) {
          touch(tier, key);
        }
      }
      // A scan of one-time keys, five times the heap: recency alone (CLOCK) would replace the working set by it.
      for (int scanned = 0; scanned < 5 * MAX; scanned++) {
        touch(tier, 1_000_000 + scanned);
      }
      TieredTierTest.await(() -> tier.heapSize() <= MAX, "the heap is within its bound");
      Set<Integer> cached = new HashSet<>(); // read by iteration: a get would count as a use
      tier.iterator().forEachRemaining(entry -> cached.add(entry.getKey()));
      long survivors = IntStream.range(0, hot).filter(cached::contains).count();
      assertThat(survivors).as("hot keys still in the heap after the scan").isGreaterThanOrEqualTo(hot * 9 / 10);
    }
  }
}

package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.Serializer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expired entries that a tier's own work meets (the mover demoting, the disk tier compacting) expire as a sweep
 * would when a listener wants their EXPIRED events: the mover reports them from inside the key's step, the disk
 * keeps them for the sweep. Otherwise they are dropped and counted, as before.
 */
class ExpiredRemovalsTest {

  static final Serializer SERIALIZER = new JavaSerializer();

  @TempDir
  Path dir;

  /** Records what a tier reports; its deliveries count when run (after the key's step). */
  static final class Recording implements ExpiredRemovals<Object> {
    final Map<Object, Object> removed = new ConcurrentHashMap<>();
    final AtomicInteger delivered = new AtomicInteger();
    final AtomicInteger sweepsPlanned = new AtomicInteger();
    volatile boolean wanted = true;

    @Override
    public boolean wanted() {
      return wanted;
    }

    @Override
    public Runnable removed(Object key, Object storedValue) {
      removed.put(key, storedValue);
      return delivered::incrementAndGet;
    }

    @Override
    public void sweepSoon() {
      sweepsPlanned.incrementAndGet();
    }
  }

  /**
   * A full heap over an off-heap tier, one of whose entries has expired: new, often read entries keep coming, so
   * the mover demotes victim after victim until it meets the expired one (nothing else removes it: a bare tier has
   * no sweep), and it reports it (its EXPIRED event) instead of dropping it.
   */
  @Test
  void theMoverReportsAnExpiredVictimWhenEventsAreWanted() throws Exception {
    Recording removals = new Recording();
    TieredTier<Object> tier = new TieredTier<>("expired-victim", 4, List.of(new OffHeapTier<>(1 << 20)),
        SERIALIZER);
    try {
      tier.attachExpiredRemovals(removals);
      tier.compute("expired", (k, old) -> new StoredEntry("gone", System.currentTimeMillis() - 1));
      for (int i = 0; i < 10_000 && removals.delivered.get() == 0; i++) {
        String key = "hot-" + i;
        tier.compute(key, (k, old) -> new StoredEntry("v", StoredEntry.ETERNAL));
        for (int reads = 0; reads < 5; reads++) {
          tier.get(key); // more popular than the expired entry, which nobody reads
        }
        if (i % 64 == 63) {
          Thread.sleep(1); // let the mover catch up
        }
      }
      for (int i = 0; i < 2000 && removals.delivered.get() == 0; i++) {
        Thread.sleep(5);
      }
      assertThat(removals.removed).as("expired entries the mover reported").containsOnlyKeys("expired");
      assertThat(removals.removed.get("expired")).isEqualTo("gone");
      assertThat(removals.delivered.get()).as("deliveries run after the step").isEqualTo(1);
      assertThat(tier.expiredDropped()).as("dropped without an event").isZero();
      assertThat(tier.get("expired")).isNull();
    } finally {
      tier.close();
    }
  }

  /** Compaction carries an expired record for the sweep (and plans one) while events are wanted, else drops it. */
  @Test
  void compactionKeepsExpiredRecordsForTheSweepWhileEventsAreWanted() {
    for (boolean wanted : new boolean[] {true, false}) {
      Recording removals = new Recording();
      removals.wanted = wanted;
      byte[] value = new byte[100];
      try (DiskTier<Object> disk = DiskTier.openWithoutCompactor(dir.resolve("compact-" + wanted),
          256L * (4 << 10), 4 << 10, SERIALIZER, getClass().getClassLoader(), Object.class, Object.class)) {
        disk.expiredRemovals(removals);
        long past = System.currentTimeMillis() - 1;
        int expired = 0;
        int gone = 0;
        while (disk.segmentCount() < 2) { // a first segment of expired records and (mostly) removed ones
          disk.put("expired-" + expired++, value, past);
          for (int i = 0; i < 3; i++) {
            disk.put("gone-" + gone++, value, StoredEntry.ETERNAL);
          }
        }
        for (int i = 0; i < 2_000; i++) {
          disk.put("filler-" + i, value, StoredEntry.ETERNAL);
          disk.remove("filler-" + i);
        }
        for (int i = 0; i < gone; i++) {
          disk.remove("gone-" + i);
        }
        for (int rounds = 0; rounds < 10_000 && disk.compactOnce(); rounds++) {
          // until no segment is due
        }
        if (wanted) {
          assertThat(disk.expiredDropped()).as("expired records dropped while events are wanted").isZero();
          assertThat(disk.get("expired-0")).as("an expired record, kept for the sweep").isNotNull();
          assertThat(removals.sweepsPlanned.get()).as("sweeps planned for the kept records").isPositive();
        } else {
          assertThat(disk.expiredDropped()).as("expired records dropped while no event is wanted")
              .isEqualTo(expired);
          assertThat(disk.get("expired-0")).isNull();
          assertThat(removals.sweepsPlanned.get()).isZero();
        }
      }
    }
  }
}

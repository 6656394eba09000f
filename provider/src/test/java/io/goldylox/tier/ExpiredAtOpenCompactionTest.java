package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import io.goldylox.serialization.Serializer;
import io.goldylox.serialization.Serializers;
import io.goldylox.testing.TestManagers;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk tier whose recovered segment is less than half live, its live records expired: the compactor must not
 * compact it before the cache told the tier what to do with expired records (it would drop them without their
 * EXPIRED events, although a listener is configured). Every one fires its event and none is dropped.
 */
class ExpiredAtOpenCompactionTest {

  static final Set<Integer> EXPIRED = ConcurrentHashMap.newKeySet();
  private final TestManagers managers = new TestManagers();

  @TempDir
  Path dir;

  @AfterEach
  void close() {
    managers.close();
    EXPIRED.clear();
  }

  public static final class ExpiredKeys implements CacheEntryExpiredListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends String> event : events) {
        EXPIRED.add(event.getKey());
      }
    }
  }

  @Test
  @Timeout(60)
  void recoveredExpiredRecordsOfALowLiveSegmentFireTheirEvents() throws Exception {
    Path disk = dir.resolve("disk");
    long capacity = 64 << 10; // segments of 16 KiB, as the cache computes them (capacity / 4)
    Serializer serializer = Serializers.create(null, "goldylox.serializer", null, getClass().getClassLoader());
    int expired = 0;
    try (DiskTier<Integer> tier = DiskTier.openWithoutCompactor(disk, capacity, 16 << 10, serializer,
        getClass().getClassLoader(), Integer.class, String.class)) {
      long soon = System.currentTimeMillis() + 300;
      int filler = 100_000;
      // First segment: one soon-expired record per three records that are removed afterwards: about 25% live.
      while (tier.segmentCount() < 2) {
        tier.put(expired, serializer.serialize("x".repeat(50) + expired), soon);
        expired++;
        for (int i = 0; i < 3; i++) {
          tier.put(filler++, serializer.serialize("y".repeat(50)), StoredEntry.ETERNAL);
        }
      }
      for (int key = 100_000; key < filler; key++) {
        tier.remove(key);
      }
    }
    Thread.sleep(400); // every record still in the directory has expired

    Cache<Integer, String> cache = managers.newManager("expired-at-open").createCache("c",
        GoldyloxConfiguration.builder(Integer.class, String.class)
            .heapMaxEntries(50)
            .disk(disk, 64, MemoryUnit.KB)
            .expireAfterWrite(Duration.ofSeconds(1))
            .listener(new MutableCacheEntryListenerConfiguration<>(
                FactoryBuilder.factoryOf(ExpiredKeys.class), null, false, true))
            .build());
    @SuppressWarnings("unchecked")
    TieredTier<Integer> tiers = (TieredTier<Integer>) cache.unwrap(GoldyloxCache.class).tier();
    DiskTier<Integer> diskTier = (DiskTier<Integer>) tiers.lowerTiers().get(0);
    long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    while ((tiers.size() > 0 || EXPIRED.size() < expired) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(diskTier.expiredDropped()).as("expired records the disk dropped without an event").isZero();
    assertThat(EXPIRED).as("keys whose EXPIRED event came, of " + expired).hasSize(expired);
  }
}

package io.goldylox.expiry;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import io.goldylox.testing.TestManagers;
import io.goldylox.tier.DiskTier;
import io.goldylox.tier.LowerTier;
import io.goldylox.tier.TieredTier;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Entries a disk tier holds when its cache opens expire on their deadlines without a read or a write to plan a
 * sweep (the tiers review: recovered deadlines were never told to the sweep, so nothing expired until read). Each
 * fires EXPIRED, also when the mover or the disk compactor meets it expired first: with an EXPIRED listener they
 * expire it with its event (the mover) or keep it for the sweep (the disk), and drop nothing (README, Expiry).
 */
class RecoveredDeadlinesTest {

  private static final int ENTRIES = 200;
  /** Keys the listener heard expire, across the test's caches (a listener instance per cache, one set). */
  static final Set<Integer> EXPIRED = ConcurrentHashMap.newKeySet();

  private final TestManagers managers = new TestManagers();

  @TempDir
  Path dir;

  @AfterEach
  void closeManagers() {
    managers.close();
    EXPIRED.clear();
  }

  /** Notes the keys of EXPIRED events. */
  public static final class ExpiredKeys implements CacheEntryExpiredListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends String> event : events) {
        EXPIRED.add(event.getKey());
      }
    }
  }

  private GoldyloxConfiguration<Integer, String> configuration(boolean withListener) {
    GoldyloxConfiguration.Builder<Integer, String> builder = GoldyloxConfiguration.builder(Integer.class, String.class)
        .heapMaxEntries(50)
        .offHeap(1, MemoryUnit.MB)
        .disk(dir.resolve("disk"), 16, MemoryUnit.MB)
        .expireAfterWrite(Duration.ofSeconds(2));
    if (withListener) {
      builder.listener(new MutableCacheEntryListenerConfiguration<>(
          FactoryBuilder.factoryOf(ExpiredKeys.class), null, false, true));
    }
    return builder.build();
  }

  @Test
  void entriesFoundOnDiskAtOpenExpireWithTheirEventsWithoutARead() throws Exception {
    CacheManager first = managers.newManager("recovered-deadlines-1");
    Cache<Integer, String> writer = first.createCache("c", configuration(false));
    for (int i = 0; i < ENTRIES; i++) {
      writer.put(i, "v" + i);
    }
    first.close(); // a clean close writes every tier down to disk

    CacheManager second = managers.newManager("recovered-deadlines-2");
    Cache<Integer, String> reopened = second.createCache("c", configuration(true)); // then left alone
    @SuppressWarnings("unchecked")
    TieredTier<Integer> tiers = (TieredTier<Integer>) reopened.unwrap(GoldyloxCache.class).tier();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while ((tiers.size() > 0 || EXPIRED.size() < ENTRIES) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(tiers.size()).as("entries left in the reopened cache, which nobody touched").isZero();
    assertThat(dropped(tiers)).as("expired entries dropped without an event by the mover or the compactor")
        .isZero();
    assertThat(EXPIRED).as("keys whose EXPIRED event came").hasSize(ENTRIES);
  }

  private static long dropped(TieredTier<Integer> tiers) {
    long dropped = tiers.expiredDropped();
    for (LowerTier<Integer> lower : tiers.lowerTiers()) {
      if (lower instanceof DiskTier) {
        dropped += ((DiskTier<Integer>) lower).expiredDropped();
      }
    }
    return dropped;
  }
}

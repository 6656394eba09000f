package io.goldylox.expiry;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import io.goldylox.testing.TestManagers;
import io.goldylox.tier.TieredTier;
import java.io.Serializable;
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

/**
 * A tiered cache whose small heap is filled faster than its entries live: the mover meets expired victims all the
 * time, before the sweep does. With an EXPIRED listener, every entry still expires with its event (the mover
 * expires it there and then), none is dropped silently, and none is heard of twice.
 */
class TierExpiryEventsTest {

  private static final int ENTRIES = 600;
  static final Set<Integer> EXPIRED = ConcurrentHashMap.newKeySet();
  static final Set<Integer> TWICE = ConcurrentHashMap.newKeySet();

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
    EXPIRED.clear();
    TWICE.clear();
  }

  /** Notes the keys of EXPIRED events, and the keys heard of more than once. */
  public static final class ExpiredKeys implements CacheEntryExpiredListener<Integer, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends String> event : events) {
        if (!EXPIRED.add(event.getKey())) {
          TWICE.add(event.getKey());
        }
      }
    }
  }

  @Test
  void everyEntryTheMoverMeetsExpiredFiresItsEvent() throws Exception {
    Cache<Integer, String> cache = managers.newManager("tier-expiry-events").createCache("c",
        GoldyloxConfiguration.builder(Integer.class, String.class)
            .heapMaxEntries(16)
            .offHeap(64, MemoryUnit.MB) // room for every entry: nothing is evicted
            .expireAfterWrite(Duration.ofMillis(50))
            .listener(new MutableCacheEntryListenerConfiguration<>(
                FactoryBuilder.factoryOf(ExpiredKeys.class), null, false, true))
            .build());
    for (int i = 0; i < ENTRIES; i++) {
      cache.put(i, "v" + i);
      Thread.sleep(5); // 16 entries span 80 ms, longer than they live: the heap's victims have expired
    }
    @SuppressWarnings("unchecked")
    TieredTier<Integer> tiers = (TieredTier<Integer>) cache.unwrap(GoldyloxCache.class).tier();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while ((tiers.size() > 0 || EXPIRED.size() < ENTRIES) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(tiers.expiredDropped()).as("expired entries the mover dropped without an event").isZero();
    assertThat(tiers.evictions()).as("evictions (none expected: the off-heap tier has room)").isZero();
    assertThat(EXPIRED).as("keys whose EXPIRED event came").hasSize(ENTRIES);
    assertThat(TWICE).as("keys whose EXPIRED event came twice").isEmpty();
  }
}

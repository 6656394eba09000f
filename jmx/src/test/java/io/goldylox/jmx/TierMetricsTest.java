package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import io.goldylox.tier.DiskTier;
import io.goldylox.tier.TieredTier;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tier meters and the Tiers bean on real tiered caches: a heap of 10 over 1 MiB off-heap over a disk directory. */
class TierMetricsTest {

  private static final int HEAP = 10;
  private static final int ENTRIES = 2_000;
  private static final String VALUE = "v".repeat(1_000);

  @TempDir
  Path dir;

  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CacheManager manager = TestCaches.newManager();

  @AfterEach
  void closeManager() {
    manager.close();
  }

  private Cache<String, String> threeTierCache(String name) {
    return manager.createCache(name, GoldyloxConfiguration.builder(String.class, String.class)
        .statistics(true)
        .heapMaxEntries(HEAP)
        .offHeap(1, MemoryUnit.MB)
        .disk(dir.resolve(name), 16, MemoryUnit.MB) // segments of 4 MiB: the big value below fits
        .build());
  }

  private double gauge(String meter, String tier) {
    return registry.get(meter).tag("tier", tier).gauge().value();
  }

  private double counter(String meter, String tier) {
    return registry.get(meter).tag("tier", tier).functionCounter().count();
  }

  private double counter(String meter) {
    return registry.get(meter).functionCounter().count();
  }

  /** Tier entries as the meters see them, once the mover has settled (transit empty, heap within its bound). */
  private void awaitSettled(GoldyloxCache<?, ?> cache) throws InterruptedException {
    TestCaches.await("the tiers have settled", () -> {
      double tiers = gauge("goldylox.tier.entries", "heap") + gauge("goldylox.tier.entries", "off-heap")
          + gauge("goldylox.tier.entries", "disk");
      return gauge("goldylox.tier.entries", "heap") <= HEAP && tiers == cache.size();
    }, Duration.ofSeconds(20));
  }

  @Test
  void entriesPerTierAddUpToTheCacheSizeAndEveryMoveIsCounted() throws Exception {
    Cache<String, String> cache = threeTierCache("tiered");
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());
    GoldyloxCache<?, ?> goldylox = cache.unwrap(GoldyloxCache.class);
    // Larger than an off-heap slab (1 MiB), smaller than a disk segment: the off-heap tier must refuse it.
    String big = "b".repeat(1_500_000);
    cache.put("big", big);
    for (int i = 0; i < ENTRIES; i++) {
      cache.put("k" + i, VALUE);
    }
    awaitSettled(goldylox);

    double heap = gauge("goldylox.tier.entries", "heap");
    double offHeap = gauge("goldylox.tier.entries", "off-heap");
    double disk = gauge("goldylox.tier.entries", "disk");
    assertThat(heap + offHeap + disk).isEqualTo(ENTRIES + 1).isEqualTo(registry.get("cache.size").gauge().value());
    assertThat(heap).isBetween(1.0, (double) HEAP);
    assertThat(offHeap).isPositive();
    assertThat(disk).isPositive();
    // Every entry but those still in the heap was demoted once; the off-heap tier pushed its overflow down to disk,
    // where it stayed, along with the one value it refused.
    assertThat(counter("goldylox.tier.demotions")).isEqualTo(ENTRIES + 1 - heap);
    assertThat(counter("goldylox.tier.evictions", "off-heap")).isEqualTo(disk - 1);
    assertThat(counter("goldylox.tier.rejected.oversize", "off-heap")).isEqualTo(1);
    assertThat(counter("goldylox.tier.rejected.oversize", "disk")).isZero();
    assertThat(counter("goldylox.tier.evictions", "disk")).isZero();
    assertThat(registry.get("cache.evictions").functionCounter().count()).isZero();
    assertThat(counter("goldylox.tier.promotions")).isZero();
    assertThat(counter("goldylox.tier.demotion.failures")).isZero();
    assertThat(gauge("goldylox.tier.entries.max", "heap")).isEqualTo(HEAP);
    assertThat(gauge("goldylox.tier.bytes.capacity", "off-heap")).isEqualTo(1 << 20);
    assertThat(gauge("goldylox.tier.bytes.used", "off-heap")).isBetween(offHeap * VALUE.length(), 1.0 * (1 << 20));
    assertThat(gauge("goldylox.tier.bytes.capacity", "disk")).isEqualTo(16 << 20);
    assertThat(gauge("goldylox.tier.bytes.used", "disk")).isGreaterThan(big.length() + (disk - 1) * VALUE.length());

    // The bean reports the same.
    ObjectName name = GoldyloxMBeans.objectName(cache, "Tiers");
    TiersMXBean bean = JMX.newMXBeanProxy(server, name, TiersMXBean.class);
    assertThat(bean.getTiers()).containsExactly("heap", "off-heap", "disk");
    assertThat(bean.getHeapEntries() + bean.getOffHeapEntries() + bean.getDiskEntries())
        .isEqualTo(ENTRIES + 1).isEqualTo(server.getAttribute(GoldyloxMBeans.objectName(cache, "Cache"), "Size"));
    assertThat(bean.getHeapEntries()).isEqualTo((long) heap);
    assertThat(bean.getDiskEntries()).isEqualTo((long) disk);
    assertThat(bean.getHeapMaxEntries()).isEqualTo(HEAP);
    assertThat(bean.getDemotions()).isEqualTo(ENTRIES + 1 - bean.getHeapEntries());
    assertThat(bean.getOffHeapEvictions()).isEqualTo(bean.getDiskEntries() - 1);
    assertThat(bean.getOffHeapRejectedOversize()).isEqualTo(1);
    assertThat(bean.getOffHeapCapacityBytes()).isEqualTo(1 << 20);
    assertThat(bean.getOffHeapBytesUsed()).isEqualTo((long) gauge("goldylox.tier.bytes.used", "off-heap"));
    assertThat(bean.getDiskCapacityBytes()).isEqualTo(16 << 20);
    assertThat(bean.getDiskBytesUsed()).isEqualTo((long) gauge("goldylox.tier.bytes.used", "disk"));
    assertThat(bean.getDiskRejectedOversize()).isZero();
    assertThat(bean.getDiskCorruptRecords()).isZero();
    assertThat(bean.getDiskRelocations()).as("a disk with room relocates nothing").isZero();
    assertThat(bean.getEvictions()).isZero();
    assertThat(bean.getPromotions()).isZero();

    // A hit on disk is promoted by the mover, which then demotes another entry to keep the heap's bound.
    String onDisk = diskKey(goldylox);
    assertThat(cache.get(onDisk)).isNotNull();
    TestCaches.await("the disk hit has been promoted", () -> counter("goldylox.tier.promotions") == 1,
        Duration.ofSeconds(20));
    awaitSettled(goldylox);
    assertThat(bean.getPromotions()).isEqualTo(1);
    TestCaches.await("the mover's queues are empty",
        () -> bean.getPendingPromotions() == 0 && bean.getTransitBacklog() == 0
            && registry.get("goldylox.tier.promotions.pending").gauge().value() == 0
            && registry.get("goldylox.tier.transit.backlog").gauge().value() == 0,
        Duration.ofSeconds(20));
    assertThat(gauge("goldylox.tier.entries", "heap") + gauge("goldylox.tier.entries", "off-heap")
        + gauge("goldylox.tier.entries", "disk")).isEqualTo(ENTRIES + 1);
    assertThat(counter("goldylox.tier.demotions")).isEqualTo(ENTRIES + 2 - gauge("goldylox.tier.entries", "heap"));

    cache.close();
    assertThat(server.isRegistered(name)).isFalse();
  }

  private static String diskKey(GoldyloxCache<?, ?> cache) {
    TieredTier<?> tiers = (TieredTier<?>) cache.tier();
    DiskTier<?> disk = (DiskTier<?>) tiers.lowerTiers().get(1);
    return (String) disk.keys().next();
  }

  @Test
  void bindsOneSetOfMetersPerTierWithItsTag() {
    Cache<String, String> cache = threeTierCache("tags");
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());

    Set<String> tiered = registry.getMeters().stream().map(Meter::getId)
        .filter(id -> id.getName().startsWith("goldylox.tier."))
        .map(id -> id.getName() + (id.getTag("tier") == null ? "" : "{" + id.getTag("tier") + "}"))
        .collect(Collectors.toSet());
    assertThat(tiered).containsExactlyInAnyOrder(
        "goldylox.tier.entries{heap}", "goldylox.tier.entries.max{heap}",
        "goldylox.tier.entries{off-heap}", "goldylox.tier.bytes.used{off-heap}",
        "goldylox.tier.bytes.capacity{off-heap}", "goldylox.tier.evictions{off-heap}",
        "goldylox.tier.rejected.oversize{off-heap}",
        "goldylox.tier.entries{disk}", "goldylox.tier.bytes.used{disk}", "goldylox.tier.bytes.capacity{disk}",
        "goldylox.tier.evictions{disk}", "goldylox.tier.rejected.oversize{disk}",
        "goldylox.tier.corrupt.records{disk}", "goldylox.tier.rejected.records{disk}",
        "goldylox.tier.compactions{disk}",
        "goldylox.tier.relocations{disk}", "goldylox.tier.compaction.expired{disk}",
        "goldylox.tier.demotions", "goldylox.tier.demotion.failures", "goldylox.tier.promotions",
        "goldylox.tier.promotions.dropped", "goldylox.tier.written.below", "goldylox.tier.expired.dropped",
        "goldylox.tier.promotions.pending", "goldylox.tier.transit.backlog",
        "goldylox.tier.gets{heap}", "goldylox.tier.gets{off-heap}", "goldylox.tier.gets{disk}",
        "goldylox.tier.gets");
  }

  @Test
  void everyLookupIsAnsweredByExactlyOneTierOrIsAMiss() throws Exception {
    Cache<String, String> cache = threeTierCache("lookups");
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());
    for (int i = 0; i < 300; i++) {
      cache.put("k" + i, "v" + i);
    }
    awaitSettled(cache.unwrap(GoldyloxCache.class));
    for (int i = 0; i < 300; i++) {
      assertThat(cache.get("k" + i)).isEqualTo("v" + i);
    }
    for (int i = 0; i < 7; i++) {
      assertThat(cache.get("absent" + i)).isNull();
    }
    double heapHits = counter("goldylox.tier.gets", "heap");
    double offHeapHits = counter("goldylox.tier.gets", "off-heap");
    double diskHits = counter("goldylox.tier.gets", "disk");
    assertThat(heapHits + offHeapHits + diskHits).isEqualTo(300.0);
    assertThat(offHeapHits + diskHits).as("most of 300 entries live below a heap of 10").isGreaterThan(250.0);
    assertThat(registry.get("goldylox.tier.gets").tag("result", "miss").functionCounter().count()).isEqualTo(7.0);
    ObjectName bean = GoldyloxMBeans.objectName(cache, "Tiers");
    assertThat((Long) server.getAttribute(bean, "HeapHits") + (Long) server.getAttribute(bean, "OffHeapHits")
        + (Long) server.getAttribute(bean, "DiskHits")).isEqualTo(300L);
    assertThat(server.getAttribute(bean, "Misses")).isEqualTo(7L);
  }

  @Test
  void aBoundedHeapAloneEvictsAndReportsNoLowerTier() throws Exception {
    Cache<String, String> cache = manager.createCache("heap-only",
        GoldyloxConfiguration.builder(String.class, String.class).statistics(true).heapMaxEntries(HEAP).build());
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());
    for (int i = 0; i < 100; i++) {
      cache.put("k" + i, "v");
    }
    TestCaches.await("the heap is back within its bound", () -> gauge("goldylox.tier.entries", "heap") <= HEAP,
        Duration.ofSeconds(20));

    TiersMXBean bean = JMX.newMXBeanProxy(server, GoldyloxMBeans.objectName(cache, "Tiers"), TiersMXBean.class);
    assertThat(bean.getTiers()).containsExactly("heap");
    assertThat(bean.getHeapEntries()).isEqualTo(cache.unwrap(GoldyloxCache.class).size());
    assertThat(bean.getEvictions()).isEqualTo(100 - bean.getHeapEntries());
    assertThat(registry.get("cache.evictions").functionCounter().count()).isEqualTo(bean.getEvictions());
    assertThat(bean.getOffHeapEntries()).isEqualTo(-1);
    assertThat(bean.getOffHeapBytesUsed()).isEqualTo(-1);
    assertThat(bean.getDiskEntries()).isEqualTo(-1);
    assertThat(bean.getDiskCapacityBytes()).isEqualTo(-1);
    assertThat(registry.find("goldylox.tier.entries").meters()).hasSize(1);
    assertThat(registry.find("goldylox.tier.bytes.used").meters()).isEmpty();
  }

  @Test
  void aPlainHeapCacheHasNoTierBeanNorMeters() {
    Cache<String, String> cache = manager.createCache("plain",
        new MutableConfiguration<String, String>().setTypes(String.class, String.class));
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());
    assertThat(server.isRegistered(GoldyloxMBeans.objectName(cache, "Cache"))).isTrue();
    assertThat(server.isRegistered(GoldyloxMBeans.objectName(cache, "Tiers"))).isFalse();
    assertThat(registry.getMeters()).noneMatch(m -> m.getId().getName().startsWith("goldylox.tier."));
  }
}

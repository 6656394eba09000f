package io.goldylox.jmx;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.tier.DiskTier;
import io.goldylox.tier.LowerTier;
import io.goldylox.tier.OffHeapTier;
import io.goldylox.tier.Tier;
import io.goldylox.tier.TieredTier;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The storage tiers of a tiered cache (one whose tier is a {@link TieredTier}: a bounded heap over off-heap and/or
 * disk): the {@code io.goldylox:type=Tiers} bean ({@link TiersMXBean}) and these meters, each tagged
 * {@code tier=heap|off-heap|disk} where it is about one tier:
 * <ul>
 *   <li>gauges {@code goldylox.tier.entries{tier}}, {@code goldylox.tier.entries.max{tier=heap}} (only if the heap
 *       is bounded), {@code goldylox.tier.bytes.used{tier}} and {@code goldylox.tier.bytes.capacity{tier}} (lower
 *       tiers);</li>
 *   <li>function counters {@code goldylox.tier.evictions{tier}} and {@code goldylox.tier.rejected.oversize{tier}}
 *       (lower tiers), {@code goldylox.tier.corrupt.records{tier=disk}},
 *       {@code goldylox.tier.rejected.records{tier=disk}},
 *       {@code goldylox.tier.compactions{tier=disk}}, {@code goldylox.tier.relocations{tier=disk}},
 *       {@code goldylox.tier.compaction.expired{tier=disk}}, and for the stack as a whole (no {@code tier} tag)
 *       {@code goldylox.tier.demotions}, {@code goldylox.tier.demotion.failures}, {@code goldylox.tier.promotions},
 *       {@code goldylox.tier.promotions.dropped}, {@code goldylox.tier.written.below},
 *       {@code goldylox.tier.expired.dropped};</li>
 *   <li>gauges for the mover's queues (no {@code tier} tag): {@code goldylox.tier.promotions.pending} and
 *       {@code goldylox.tier.transit.backlog}.</li>
 * </ul>
 * A plain heap cache gets neither bean nor meters. Entries that leave the cache altogether are counted by
 * {@code cache.evictions} (and the bean's {@code Evictions}); {@code goldylox.tier.evictions{tier=off-heap}} of a
 * cache with a disk tier counts moves down to disk, not losses.
 *
 * <p>Reads: {@code LongAdder} sums, volatile fields and {@code ConcurrentHashMap} counts of the tiers; the disk
 * tier's bytes used walk its segment map (a {@code ConcurrentSkipListMap}, lock-free). None takes a tier's lock or
 * a key's. Meters hold the cache weakly (the functions capture at most a tier's position in the stack, which never
 * changes); the bean holds the {@code TieredTier} for as long as it is registered.
 */
enum TierMetricSource implements MetricSource {
  INSTANCE;

  static final String TIER_TAG = "tier";
  static final String HEAP = "heap";
  static final String OFF_HEAP = "off-heap";
  static final String DISK = "disk";

  @Override
  public void bindTo(GoldyloxCache<?, ?> cache, MeterRegistry registry, Iterable<Tag> tags) {
    TieredTier<?> tiered = tiered(cache);
    if (tiered == null) {
      return;
    }
    Tags heap = Tags.concat(tags, TIER_TAG, HEAP);
    Gauge.builder("goldylox.tier.entries", cache, c -> tiers(c).heapSize())
        .tags(heap).baseUnit("entries").description("Entries in this tier")
        .register(registry);
    FunctionCounter.builder("goldylox.tier.gets", cache, c -> tiers(c).heapHits())
        .tags(Tags.concat(heap, "result", "hit")).description("Lookups this tier answered")
        .register(registry);
    FunctionCounter.builder("goldylox.tier.gets", cache, c -> tiers(c).misses())
        .tags(Tags.concat(tags, "result", "miss")).description("Lookups no tier could answer")
        .register(registry);
    if (tiered.maxHeapEntries() != Long.MAX_VALUE) {
      Gauge.builder("goldylox.tier.entries.max", cache, c -> tiers(c).maxHeapEntries())
          .tags(heap).baseUnit("entries").description("The heap's bound (heap.max-entries)")
          .register(registry);
    }

    List<? extends LowerTier<?>> lowers = tiered.lowerTiers();
    List<String> names = lowerTierNames(lowers);
    for (int i = 0; i < lowers.size(); i++) {
      int index = i; // the functions capture the position only, never the tier or the cache
      Tags tier = Tags.concat(tags, TIER_TAG, names.get(i));
      Gauge.builder("goldylox.tier.entries", cache, c -> lower(c, index).size())
          .tags(tier).baseUnit("entries").description("Entries in this tier")
          .register(registry);
      FunctionCounter.builder("goldylox.tier.gets", cache, c -> tiers(c).lowerHits(index))
          .tags(Tags.concat(tier, "result", "hit")).description("Lookups this tier answered")
          .register(registry);
      Gauge.builder("goldylox.tier.bytes.used", cache, c -> lower(c, index).bytesUsed())
          .tags(tier).baseUnit("bytes").description("Bytes this tier uses for entries")
          .register(registry);
      Gauge.builder("goldylox.tier.bytes.capacity", cache, c -> lower(c, index).capacityBytes())
          .tags(tier).baseUnit("bytes").description("The most bytes this tier may use")
          .register(registry);
      counter(registry, "goldylox.tier.evictions", cache, c -> lower(c, index).evictions(), tier,
          "Entries this tier evicted to make room: to the next tier down, or out of the cache from the last");
      counter(registry, "goldylox.tier.rejected.oversize", cache, c -> lower(c, index).rejectedOversize(), tier,
          "Entries too large for this tier ever to hold");
      if (lowers.get(i) instanceof DiskTier) {
        counter(registry, "goldylox.tier.corrupt.records", cache, c -> disk(c, index).corruptRecords(), tier,
            "Records skipped at open because they were torn or damaged");
        counter(registry, "goldylox.tier.rejected.records", cache, c -> disk(c, index).rejectedRecords(), tier,
            "Records found at open that were misses: a class the cache's policy refuses, or a value not readable");
        counter(registry, "goldylox.tier.compactions", cache, c -> disk(c, index).compactions(), tier,
            "Segment files reclaimed by compaction");
        counter(registry, "goldylox.tier.relocations", cache, c -> disk(c, index).relocations(), tier,
            "Oldest segments of a full log whose live records a rolling writer copied forward instead of evicting");
        counter(registry, "goldylox.tier.compaction.expired", cache, c -> disk(c, index).expiredDropped(), tier,
            "Expired entries dropped by compaction");
      }
    }

    Tags stack = Tags.of(tags);
    counter(registry, "goldylox.tier.demotions", cache, c -> tiers(c).demotions(), stack,
        "Entries moved out of the heap to keep it within its bound (to a lower tier, or out of the cache if none fits)");
    counter(registry, "goldylox.tier.demotion.failures", cache, c -> tiers(c).demotionFailures(), stack,
        "Demotions that failed because a value could not be serialized");
    counter(registry, "goldylox.tier.promotions", cache, c -> tiers(c).promotions(), stack,
        "Entries moved back up into the heap after a hit below it");
    counter(registry, "goldylox.tier.promotions.dropped", cache, c -> tiers(c).promotionsDropped(), stack,
        "Promotions skipped because too many were waiting");
    counter(registry, "goldylox.tier.written.below", cache, c -> tiers(c).writtenBelow(), stack,
        "Writes to cold keys below a full heap stored where the key lives instead of promoting it");
    Gauge.builder("goldylox.tier.promotions.pending", cache, c -> tiers(c).pendingPromotions())
        .tags(stack).baseUnit("entries").description("Keys queued for promotion that the mover has not taken yet")
        .register(registry);
    Gauge.builder("goldylox.tier.transit.backlog", cache, c -> tiers(c).transitBacklog())
        .tags(stack).baseUnit("entries")
        .description("Entries evicted by one lower tier that wait for the mover to write them into the next")
        .register(registry);
    counter(registry, "goldylox.tier.expired.dropped", cache, c -> tiers(c).expiredDropped(), stack,
        "Expired entries dropped while moving down (no EXPIRED event)");
  }

  private static void counter(MeterRegistry registry, String name, GoldyloxCache<?, ?> cache,
      ToDoubleFunction<GoldyloxCache<?, ?>> count, Tags tags, String description) {
    FunctionCounter.builder(name, cache, count).tags(tags).description(description).register(registry);
  }

  @Override
  public List<NamedBean> mxBeans(GoldyloxCache<?, ?> cache) {
    TieredTier<?> tiered = tiered(cache);
    return tiered == null ? List.of() : List.of(new NamedBean("Tiers", new Bean(tiered)));
  }

  /** The tiers in this process: under a near cache, its local tiers. */
  private static Tier<?> localTier(GoldyloxCache<?, ?> cache) {
    return cache.tier() instanceof NearCacheTier<?> near ? near.local() : cache.tier();
  }

  /** The cache's tiers, or {@code null} for a plain heap cache. */
  private static TieredTier<?> tiered(GoldyloxCache<?, ?> cache) {
    return localTier(cache) instanceof TieredTier<?> tiered ? tiered : null;
  }

  /** The tiers of a cache {@link #bindTo} found tiered (a cache's tier never changes). */
  private static TieredTier<?> tiers(GoldyloxCache<?, ?> cache) {
    return (TieredTier<?>) localTier(cache);
  }

  private static LowerTier<?> lower(GoldyloxCache<?, ?> cache, int index) {
    return tiers(cache).lowerTiers().get(index);
  }

  private static DiskTier<?> disk(GoldyloxCache<?, ?> cache, int index) {
    return (DiskTier<?>) lower(cache, index);
  }

  /**
   * The {@code tier} tag of each lower tier: {@code off-heap}, {@code disk}, or for a kind the provider does not
   * build today {@code lower-<position>}; a second tier of a kind gets its position appended, so tags stay unique.
   */
  static List<String> lowerTierNames(List<? extends LowerTier<?>> lowers) {
    List<String> names = new ArrayList<>(lowers.size());
    for (int i = 0; i < lowers.size(); i++) {
      LowerTier<?> lower = lowers.get(i);
      String name = lower instanceof OffHeapTier ? OFF_HEAP : lower instanceof DiskTier ? DISK : "lower-" + i;
      names.add(names.contains(name) ? name + "-" + i : name);
    }
    return names;
  }

  /** The MXBean: holds the cache's {@code TieredTier} and its first off-heap and first disk tier. */
  static final class Bean implements TiersMXBean {
    private final TieredTier<?> tiers;
    private final String[] names;
    private final OffHeapTier<?> offHeap;
    private final DiskTier<?> disk;
    private final int offHeapIndex;
    private final int diskIndex;

    Bean(TieredTier<?> tiers) {
      this.tiers = tiers;
      List<? extends LowerTier<?>> lowers = tiers.lowerTiers();
      List<String> all = new ArrayList<>();
      all.add(HEAP);
      all.addAll(lowerTierNames(lowers));
      this.names = all.toArray(String[]::new);
      this.offHeap = first(lowers, OffHeapTier.class);
      this.disk = first(lowers, DiskTier.class);
      this.offHeapIndex = offHeap == null ? -1 : lowers.indexOf(offHeap);
      this.diskIndex = disk == null ? -1 : lowers.indexOf(disk);
    }

    @Override
    public long getHeapHits() {
      return tiers.heapHits();
    }

    @Override
    public long getOffHeapHits() {
      return offHeapIndex < 0 ? -1 : tiers.lowerHits(offHeapIndex);
    }

    @Override
    public long getDiskHits() {
      return diskIndex < 0 ? -1 : tiers.lowerHits(diskIndex);
    }

    @Override
    public long getMisses() {
      return tiers.misses();
    }

    private static <T> T first(List<? extends LowerTier<?>> lowers, Class<T> kind) {
      for (LowerTier<?> lower : lowers) {
        if (kind.isInstance(lower)) {
          return kind.cast(lower);
        }
      }
      return null;
    }

    @Override
    public String[] getTiers() {
      return names.clone();
    }

    @Override
    public long getHeapEntries() {
      return tiers.heapSize();
    }

    @Override
    public long getHeapMaxEntries() {
      return tiers.maxHeapEntries() == Long.MAX_VALUE ? -1 : tiers.maxHeapEntries();
    }

    @Override
    public long getOffHeapEntries() {
      return offHeap == null ? -1 : offHeap.size();
    }

    @Override
    public long getOffHeapBytesUsed() {
      return offHeap == null ? -1 : offHeap.bytesUsed();
    }

    @Override
    public long getOffHeapCapacityBytes() {
      return offHeap == null ? -1 : offHeap.capacityBytes();
    }

    @Override
    public long getOffHeapEvictions() {
      return offHeap == null ? -1 : offHeap.evictions();
    }

    @Override
    public long getOffHeapRejectedOversize() {
      return offHeap == null ? -1 : offHeap.rejectedOversize();
    }

    @Override
    public long getDiskEntries() {
      return disk == null ? -1 : disk.size();
    }

    @Override
    public long getDiskBytesUsed() {
      return disk == null ? -1 : disk.bytesUsed();
    }

    @Override
    public long getDiskCapacityBytes() {
      return disk == null ? -1 : disk.capacityBytes();
    }

    @Override
    public long getDiskEvictions() {
      return disk == null ? -1 : disk.evictions();
    }

    @Override
    public long getDiskRejectedOversize() {
      return disk == null ? -1 : disk.rejectedOversize();
    }

    @Override
    public long getDiskCorruptRecords() {
      return disk == null ? -1 : disk.corruptRecords();
    }

    @Override
    public long getDiskCompactions() {
      return disk == null ? -1 : disk.compactions();
    }

    @Override
    public long getDiskRelocations() {
      return disk == null ? -1 : disk.relocations();
    }

    @Override
    public long getDiskExpiredDropped() {
      return disk == null ? -1 : disk.expiredDropped();
    }

    @Override
    public long getDemotions() {
      return tiers.demotions();
    }

    @Override
    public long getDemotionFailures() {
      return tiers.demotionFailures();
    }

    @Override
    public long getPromotions() {
      return tiers.promotions();
    }

    @Override
    public long getPromotionsDropped() {
      return tiers.promotionsDropped();
    }

    @Override
    public long getPendingPromotions() {
      return tiers.pendingPromotions();
    }

    @Override
    public long getTransitBacklog() {
      return tiers.transitBacklog();
    }

    @Override
    public long getWrittenBelow() {
      return tiers.writtenBelow();
    }

    @Override
    public long getExpiredDropped() {
      return tiers.expiredDropped();
    }

    @Override
    public long getEvictions() {
      return tiers.evictions();
    }
  }
}

package io.goldylox.jmx;

/**
 * Goldylox's tier MXBean of one tiered cache, {@code io.goldylox:type=Tiers,CacheManager=<uri>,Cache=<name>}:
 * where the entries live (heap, off-heap, disk), how full each tier is, and how entries move between them.
 * Registered only for a cache configured with tiers (a heap bound, an off-heap size or a disk path); a plain heap
 * cache has no such bean (its {@code io.goldylox:type=Cache} bean's {@code Size} is all there is).
 *
 * <p>An attribute of a tier the cache does not have reads {@code -1}; {@link #getTiers()} names the tiers present.
 * Counters count from the cache's creation, whether statistics are enabled or not. Every getter sums striped
 * counters or reads a volatile field or a concurrent map's count: none locks or waits on the cache or a tier.
 * Readings of different attributes are not one snapshot: an entry in the middle of a move may be counted in two
 * tiers, or (on its way from off-heap to disk) in none, for an instant.
 */
public interface TiersMXBean {

  /** The tiers of this cache, highest first: {@code heap}, then {@code off-heap} and/or {@code disk}. */
  String[] getTiers();

  /** Entries in the heap. */
  long getHeapEntries();

  /** Lookups the heap answered. */
  long getHeapHits();

  /** Lookups the off-heap tier answered (the heap did not have the key); {@code -1}: no off-heap tier. */
  long getOffHeapHits();

  /** Lookups the disk tier answered (no tier above had the key); {@code -1}: no disk tier. */
  long getDiskHits();

  /** Lookups no tier could answer. */
  long getMisses();

  /** The heap's bound ({@code heap.max-entries}); {@code -1} if the heap is unbounded. */
  long getHeapMaxEntries();

  /** Entries in the off-heap tier; {@code -1}: no off-heap tier. */
  long getOffHeapEntries();

  /** Bytes the off-heap tier uses for values (rounded up to its block sizes); {@code -1}: no off-heap tier. */
  long getOffHeapBytesUsed();

  /** The off-heap tier's size in bytes; {@code -1}: no off-heap tier. */
  long getOffHeapCapacityBytes();

  /** Entries the off-heap tier evicted to make room (to the disk tier if any, else out of the cache). */
  long getOffHeapEvictions();

  /** Values larger than an off-heap slab, refused by the off-heap tier (stored below it, or evicted). */
  long getOffHeapRejectedOversize();

  /** Entries in the disk tier; {@code -1}: no disk tier. */
  long getDiskEntries();

  /** Bytes written to the disk tier's segment files (live and dead records); {@code -1}: no disk tier. */
  long getDiskBytesUsed();

  /** The most bytes the disk tier's segment files may take; {@code -1}: no disk tier. */
  long getDiskCapacityBytes();

  /** Entries the disk tier evicted to make room (out of the cache). */
  long getDiskEvictions();

  /** Values larger than a disk segment, refused by the disk tier. */
  long getDiskRejectedOversize();

  /** Records skipped when the disk tier was opened because they were torn or damaged. */
  long getDiskCorruptRecords();

  /** Segment files reclaimed by the disk tier's compactor. */
  long getDiskCompactions();

  /** Expired entries the disk tier's compactor dropped. */
  long getDiskExpiredDropped();

  /**
   * Oldest segments of a full disk tier whose live records the writer that rolled the log copied forward
   * instead of evicting them (the compactor was behind). A steadily rising count means the tier is sized tight.
   */
  long getDiskRelocations();

  /**
   * Entries moved out of the heap to keep it within its bound. An entry that fits in no lower tier (or a heap with
   * none below it) is counted here and in {@link #getEvictions()}.
   */
  long getDemotions();

  /** Demotions that failed because a value could not be serialized (the entry stayed in the heap). */
  long getDemotionFailures();

  /** Entries moved back up into the heap after a hit below it. */
  long getPromotions();

  /** Promotions skipped because too many were already waiting (promotion is an optimisation only). */
  long getPromotionsDropped();

  /** Keys queued for promotion that the mover has not taken yet (bounded by the hint map; the rest are dropped). */
  long getPendingPromotions();

  /**
   * Entries the off-heap tier evicted that wait for the mover to write them to disk. Bounded: past
   * max(1,024, heap slack) writers move them on themselves. A value that stays high means the mover gets too
   * little CPU.
   */
  long getTransitBacklog();

  /** Writes to cold keys below a full heap stored where the key lives instead of promoting it. */
  long getWrittenBelow();

  /** Expired entries dropped while moving down, without an EXPIRED event. */
  long getExpiredDropped();

  /** Entries that left the cache: evicted by the last tier, or fitting in no tier below the heap. */
  long getEvictions();
}

package io.goldylox.jmx;

/**
 * Goldylox's per-cache MXBean, {@code io.goldylox:type=Cache,CacheManager=<uri>,Cache=<name>}: the real size and
 * the JCache counters, present whether statistics are enabled or not (the standard
 * {@code javax.cache:type=CacheStatistics} bean disappears when they are turned off, and reports no size).
 *
 * <p>The counters advance only while statistics are enabled ({@link #isStatisticsEnabled()}); the size is
 * always live. Every getter sums striped counters or reads a concurrent map's count: none locks or waits on the
 * cache.
 */
public interface GoldyloxCacheMXBean {

  /** Mappings held (expired ones not yet reclaimed included). */
  long getSize();

  /** Whether the JCache statistics are being recorded right now. */
  boolean isStatisticsEnabled();

  long getHits();

  long getMisses();

  /** Hits plus misses. */
  long getGets();

  long getPuts();

  long getRemovals();

  long getEvictions();
}

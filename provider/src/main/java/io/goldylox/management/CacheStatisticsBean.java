package io.goldylox.management;

import io.goldylox.stats.CacheStatistics;
import javax.cache.management.CacheStatisticsMXBean;

/**
 * The standard {@link CacheStatisticsMXBean} of one cache: a read-only view of its {@link CacheStatistics}.
 * Read by JMX threads; every getter sums striped counters and never blocks the cache.
 */
public final class CacheStatisticsBean implements CacheStatisticsMXBean {

  private final CacheStatistics statistics;

  public CacheStatisticsBean(CacheStatistics statistics) {
    this.statistics = statistics;
  }

  @Override
  public void clear() {
    statistics.clear();
  }

  @Override
  public long getCacheHits() {
    return statistics.hits();
  }

  @Override
  public float getCacheHitPercentage() {
    long hits = statistics.hits();
    long gets = hits + statistics.misses();
    return gets == 0 ? 0f : (float) hits / gets * 100f;
  }

  @Override
  public long getCacheMisses() {
    return statistics.misses();
  }

  @Override
  public float getCacheMissPercentage() {
    long misses = statistics.misses();
    long gets = misses + statistics.hits();
    return gets == 0 ? 0f : (float) misses / gets * 100f;
  }

  @Override
  public long getCacheGets() {
    return statistics.gets();
  }

  @Override
  public long getCachePuts() {
    return statistics.puts();
  }

  @Override
  public long getCacheRemovals() {
    return statistics.removals();
  }

  @Override
  public long getCacheEvictions() {
    return statistics.evictions();
  }

  @Override
  public float getAverageGetTime() {
    return averageMicros(statistics.getTimeNanos(), statistics.gets());
  }

  @Override
  public float getAveragePutTime() {
    return averageMicros(statistics.putTimeNanos(), statistics.puts());
  }

  @Override
  public float getAverageRemoveTime() {
    return averageMicros(statistics.removeTimeNanos(), statistics.removals());
  }

  private static float averageMicros(long totalNanos, long count) {
    return count == 0 ? 0f : (float) totalNanos / count / 1_000f;
  }
}

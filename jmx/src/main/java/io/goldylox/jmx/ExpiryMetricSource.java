package io.goldylox.jmx;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.expiry.ExpirySweeper;
import io.goldylox.tier.StoredEntry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Expiry of one cache: the {@code io.goldylox:type=Expiry} bean and the meters {@code goldylox.expiry.expired},
 * {@code goldylox.expiry.sweeps} (counters) and {@code goldylox.expiry.sweep.overdue} (how far the planned sweep
 * is behind its time: the timer's backlog, 0 when on time). Every read is a {@code LongAdder} sum or a volatile
 * field of the sweeper; none touches the cache's entries.
 */
enum ExpiryMetricSource implements MetricSource {
  INSTANCE;

  @Override
  public void bindTo(GoldyloxCache<?, ?> cache, MeterRegistry registry, Iterable<Tag> tags) {
    FunctionCounter.builder("goldylox.expiry.expired", cache, GoldyloxCache::expiredEntries)
        .tags(tags)
        .description("Entries removed because they expired (by a read, a write or a background sweep)")
        .register(registry);
    FunctionCounter.builder("goldylox.expiry.sweeps", cache, c -> c.expirySweeper().sweeps())
        .tags(tags)
        .description("Background expiry sweeps run")
        .register(registry);
    TimeGauge.builder("goldylox.expiry.sweep.overdue", cache, TimeUnit.MILLISECONDS,
            c -> Math.max(0, -nextSweepInMillis(c.expirySweeper())))
        .tags(tags)
        .description("How far the planned expiry sweep is behind its time (0 when on time)")
        .register(registry);
  }

  @Override
  public List<NamedBean> mxBeans(GoldyloxCache<?, ?> cache) {
    return List.of(new NamedBean("Expiry", new Bean(cache)));
  }

  /** Milliseconds until the planned sweep (negative when overdue), or -1 when none is planned. */
  static long nextSweepInMillis(ExpirySweeper sweeper) {
    long planned = sweeper.plannedAtMillis();
    return planned == StoredEntry.ETERNAL ? -1 : planned - System.currentTimeMillis();
  }

  /** The MXBean; holds the cache only. */
  static final class Bean implements ExpiryMXBean {
    private final GoldyloxCache<?, ?> cache;

    Bean(GoldyloxCache<?, ?> cache) {
      this.cache = cache;
    }

    @Override
    public long getExpired() {
      return cache.expiredEntries();
    }

    @Override
    public long getSweeps() {
      return cache.expirySweeper().sweeps();
    }

    @Override
    public long getLastSweepMillis() {
      return cache.expirySweeper().lastSweepMillis();
    }

    @Override
    public long getNextSweepInMillis() {
      return nextSweepInMillis(cache.expirySweeper());
    }
  }
}

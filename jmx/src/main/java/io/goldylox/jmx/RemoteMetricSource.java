package io.goldylox.jmx;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.remote.RemoteMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The remote store of a cache that has one: the {@code io.goldylox:type=Remote} bean and the meters
 * {@code goldylox.remote.hits}, {@code .misses}, {@code .invalidations.sent}, {@code .invalidations.received},
 * {@code .near.drops}, {@code .disconnects}, {@code .failures}, {@code .foreign.records} (counters),
 * {@code goldylox.remote.round.trip} (a function timer: round trips and their total time) and
 * {@code goldylox.remote.coherent} (1 or 0). Reads are {@code LongAdder} sums and volatile fields.
 */
enum RemoteMetricSource implements MetricSource {
  INSTANCE;

  @Override
  public void bindTo(GoldyloxCache<?, ?> cache, MeterRegistry registry, Iterable<Tag> tags) {
    if (near(cache) == null) {
      return;
    }
    counter(registry, tags, cache, "goldylox.remote.hits", m -> m.remoteHits(), "Local misses the store answered");
    counter(registry, tags, cache, "goldylox.remote.misses", m -> m.remoteMisses(),
        "Local misses the store did not have either");
    // A function timer, not a mean gauge: a registry turns its count and total into a mean per step (Prometheus:
    // rate of _sum over rate of _count), so a slow minute shows as one instead of vanishing in a mean since start.
    FunctionTimer.builder("goldylox.remote.round.trip", cache, c -> metrics(c).roundTrips(),
        c -> metrics(c).roundTripNanos(), TimeUnit.NANOSECONDS)
        .tags(tags).description("Round trips to the store, and their total time").register(registry);
    counter(registry, tags, cache, "goldylox.remote.invalidations.sent", m -> m.invalidationsSent(),
        "Changes made here, each invalidating the other nodes' near copies");
    counter(registry, tags, cache, "goldylox.remote.invalidations.received", m -> m.invalidationsReceived(),
        "Changes of other nodes received");
    counter(registry, tags, cache, "goldylox.remote.near.drops", m -> m.nearCacheDrops(),
        "Times the whole near cache was dropped");
    counter(registry, tags, cache, "goldylox.remote.disconnects", m -> m.disconnects(),
        "Times the invalidation stream was lost");
    counter(registry, tags, cache, "goldylox.remote.failures", m -> m.failures(),
        "Operations failed because the store failed or did not answer in time");
    counter(registry, tags, cache, "goldylox.remote.local.fallbacks", m -> m.localFallbacks(),
        "Operations served or written by the near cache alone because the store failed (on-failure = local)");
    counter(registry, tags, cache, "goldylox.remote.foreign.records", m -> m.foreignRecords(),
        "Records in the store this cache could not read");
    Gauge.builder("goldylox.remote.coherent", cache, c -> near(c).coherent() ? 1 : 0)
        .tags(tags).description("1 while the near cache is served, 0 while the invalidation stream is down")
        .register(registry);
  }

  private static void counter(MeterRegistry registry, Iterable<Tag> tags, GoldyloxCache<?, ?> cache, String name,
      ToDoubleFunction<RemoteMetrics> read, String description) {
    FunctionCounter.builder(name, cache, c -> read.applyAsDouble(metrics(c))).tags(tags).description(description)
        .register(registry);
  }

  @Override
  public List<NamedBean> mxBeans(GoldyloxCache<?, ?> cache) {
    NearCacheTier<?> near = near(cache);
    return near == null ? List.of() : List.of(new NamedBean("Remote", new Bean(near)));
  }

  private static NearCacheTier<?> near(GoldyloxCache<?, ?> cache) {
    return cache.tier() instanceof NearCacheTier<?> near ? near : null;
  }

  private static RemoteMetrics metrics(GoldyloxCache<?, ?> cache) {
    return near(cache).metrics();
  }

  /** The MXBean; holds the near-cache tier only. */
  static final class Bean implements RemoteMXBean {
    private final NearCacheTier<?> near;

    Bean(NearCacheTier<?> near) {
      this.near = near;
    }

    @Override
    public String getStore() {
      return near.remoteDescription();
    }

    @Override
    public boolean isCoherent() {
      return near.coherent();
    }

    @Override
    public long getRemoteHits() {
      return near.metrics().remoteHits();
    }

    @Override
    public long getRemoteMisses() {
      return near.metrics().remoteMisses();
    }

    @Override
    public long getRoundTrips() {
      return near.metrics().roundTrips();
    }

    @Override
    public double getMeanRoundTripMicros() {
      return near.metrics().meanRoundTripMicros();
    }

    @Override
    public long getInvalidationsSent() {
      return near.metrics().invalidationsSent();
    }

    @Override
    public long getInvalidationsReceived() {
      return near.metrics().invalidationsReceived();
    }

    @Override
    public long getNearCacheDrops() {
      return near.metrics().nearCacheDrops();
    }

    @Override
    public long getDisconnects() {
      return near.metrics().disconnects();
    }

    @Override
    public long getFailures() {
      return near.metrics().failures();
    }

    @Override
    public long getLocalFallbacks() {
      return near.metrics().localFallbacks();
    }

    @Override
    public long getForeignRecords() {
      return near.metrics().foreignRecords();
    }
  }
}

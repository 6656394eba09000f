package io.goldylox.jmx;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.event.EventDispatcher;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.List;

/**
 * The cache's asynchronous entry listeners: the {@code io.goldylox:type=Listeners} bean and the meters
 * {@code goldylox.listener.events.pending} (gauge), {@code .dropped} and {@code .failed} (counters).
 *
 * <p>The dispatcher sums its registrations' counters on each read (a volatile array load and, per listener, an
 * {@code AtomicLong} read and two {@code LongAdder} sums). Known limit, owned by the provider: the sums cover the
 * listeners registered now, so deregistering a listener that dropped or failed events takes its counts away and the
 * "counters" step backwards; after {@code close()} all three read 0.
 */
enum ListenerMetricSource implements MetricSource {
  INSTANCE;

  @Override
  public void bindTo(GoldyloxCache<?, ?> cache, MeterRegistry registry, Iterable<Tag> tags) {
    Gauge.builder("goldylox.listener.events.pending", cache, c -> c.events().pendingAsyncEvents())
        .tags(tags)
        .description("Events queued for asynchronous listeners and not yet delivered")
        .register(registry);
    FunctionCounter.builder("goldylox.listener.events.dropped", cache, c -> c.events().droppedAsyncEvents())
        .tags(tags)
        .description("Events dropped because an asynchronous listener was too far behind")
        .register(registry);
    FunctionCounter.builder("goldylox.listener.events.failed", cache, c -> c.events().failedAsyncDeliveries())
        .tags(tags)
        .description("Asynchronous event deliveries whose listener threw")
        .register(registry);
  }

  @Override
  public List<NamedBean> mxBeans(GoldyloxCache<?, ?> cache) {
    return List.of(new NamedBean("Listeners", new Bean(cache.events())));
  }

  /** The MXBean; holds the dispatcher only. */
  static final class Bean implements ListenersMXBean {
    private final EventDispatcher<?, ?> events;

    Bean(EventDispatcher<?, ?> events) {
      this.events = events;
    }

    @Override
    public long getPendingAsyncEvents() {
      return events.pendingAsyncEvents();
    }

    @Override
    public long getDroppedAsyncEvents() {
      return events.droppedAsyncEvents();
    }

    @Override
    public long getFailedAsyncDeliveries() {
      return events.failedAsyncDeliveries();
    }
  }
}

package io.goldylox.jmx;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.writebehind.WriteBehindJournal;
import io.goldylox.writebehind.WriteBehindMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The write-behind journal of a cache that has one: the {@code io.goldylox:type=WriteBehind} bean
 * ({@link WriteBehindMXBean}) and these meters:
 * <ul>
 *   <li>gauges {@code goldylox.writebehind.lag} (operations journaled, not yet acknowledged),
 *       {@code goldylox.writebehind.lag.age} (a time gauge: age of the oldest of them),
 *       {@code goldylox.writebehind.pending.keys}, {@code goldylox.writebehind.flusher.failed} (1 once the
 *       flusher thread has died, else 0);</li>
 *   <li>function counters {@code goldylox.writebehind.appended}, {@code .replayed}, {@code .delivered},
 *       {@code .batches}, {@code .batched.operations}, {@code .retries}, {@code .failures},
 *       {@code .dead.letters};</li>
 *   <li>gauges {@code goldylox.writebehind.delivery.rate} (operations acknowledged per second, over the last one
 *       to two seconds) and {@code goldylox.writebehind.over.max.lag} (1 during a max-lag episode);</li>
 *   <li>function counters {@code goldylox.writebehind.writer.entries}, {@code .coalesced}, {@code .rejected},
 *       {@code .lag.episodes};</li>
 *   <li>function timers {@code goldylox.writebehind.writer.latency} (writer calls and the time spent in them)
 *       and {@code goldylox.writebehind.batch.writer.time} (batches and the writer's time for them).</li>
 * </ul>
 * A cache without write-behind gets neither bean nor meters.
 *
 * <p>Reads: {@link WriteBehindMetrics} getters ({@code LongAdder} sums and atomics, written by callers and the
 * flusher thread), the pending index's count and a volatile failure field. None waits on the flusher, so a writer
 * that hangs shows up as a growing lag instead of a hanging scrape. Meters hold the cache weakly; the bean holds
 * the journal for as long as it is registered.
 */
enum WriteBehindMetricSource implements MetricSource {
  INSTANCE;

  @Override
  public void bindTo(GoldyloxCache<?, ?> cache, MeterRegistry registry, Iterable<Tag> tags) {
    if (cache.writeBehind() == null) {
      return;
    }
    Gauge.builder("goldylox.writebehind.lag", cache, c -> metrics(c).journalLag())
        .tags(tags).baseUnit("operations")
        .description("Operations journaled and not yet acknowledged by the writer")
        .register(registry);
    TimeGauge.builder("goldylox.writebehind.lag.age", cache, TimeUnit.MILLISECONDS,
            c -> metrics(c).oldestUnacknowledgedAgeMillis())
        .tags(tags).description("Age of the oldest operation not yet acknowledged by the writer (0: none)")
        .register(registry);
    Gauge.builder("goldylox.writebehind.pending.keys", cache, c -> c.writeBehind().pendingKeys())
        .tags(tags).baseUnit("keys").description("Keys with an operation not yet acknowledged by the writer")
        .register(registry);
    Gauge.builder("goldylox.writebehind.flusher.failed", cache,
            c -> c.writeBehind().flusherFailure() == null ? 0 : 1)
        .tags(tags).description("1 once the flusher thread has stopped on an error (nothing is delivered), else 0")
        .register(registry);

    counter(registry, "goldylox.writebehind.appended", cache, c -> metrics(c).appended(), tags,
        "Operations journaled by puts and removes");
    counter(registry, "goldylox.writebehind.replayed", cache, c -> metrics(c).replayed(), tags,
        "Operations found unacknowledged in the journal at open");
    counter(registry, "goldylox.writebehind.delivered", cache, c -> metrics(c).delivered(), tags,
        "Operations the writer acknowledged");
    counter(registry, "goldylox.writebehind.batches", cache, c -> metrics(c).batches(), tags,
        "Batches handed to the writer");
    counter(registry, "goldylox.writebehind.batched.operations", cache, c -> metrics(c).batchedOperations(), tags,
        "Operations in all batches, before coalescing");
    counter(registry, "goldylox.writebehind.retries", cache, c -> metrics(c).retries(), tags,
        "Retries scheduled after a failed attempt");
    counter(registry, "goldylox.writebehind.failures", cache, c -> metrics(c).failures(), tags,
        "Failed attempts (an operation the writer left undone, or a call that threw)");
    counter(registry, "goldylox.writebehind.dead.letters", cache, c -> metrics(c).deadLetters(), tags,
        "Operations moved to the dead-letter journal after their last attempt");

    Gauge.builder("goldylox.writebehind.delivery.rate", cache, c -> metrics(c).deliveryRate())
        .tags(tags).baseUnit("operations/s")
        .description("Operations per second the writer acknowledged, over the last one to two seconds")
        .register(registry);
    Gauge.builder("goldylox.writebehind.over.max.lag", cache, c -> metrics(c).overMaxLag() ? 1 : 0)
        .tags(tags).description("1 while the lag is at or past max-lag, else 0")
        .register(registry);
    counter(registry, "goldylox.writebehind.writer.entries", cache, c -> metrics(c).writerEntries(), tags,
        "Entries handed to writeAll/deleteAll (with coalescing, fewer than the operations delivered)");
    counter(registry, "goldylox.writebehind.coalesced", cache, c -> metrics(c).coalesced(), tags,
        "Operations replaced by a later operation of their key before they reached the writer");
    counter(registry, "goldylox.writebehind.rejected", cache, c -> metrics(c).rejected(), tags,
        "Puts and removes refused at max-lag (on-max-lag = reject)");
    counter(registry, "goldylox.writebehind.lag.episodes", cache, c -> metrics(c).lagEpisodes(), tags,
        "Times the lag reached max-lag");
    FunctionTimer.builder("goldylox.writebehind.batch.writer.time", cache,
            c -> metrics(c).batches(), c -> metrics(c).writerNanosTotal(), TimeUnit.NANOSECONDS)
        .tags(tags).description("Batches and the time the writer spent on them (writeAll and deleteAll together)")
        .register(registry);

    // Seconds, not nanoseconds: Micrometer's base unit of time. Its rate over a minute is the share of that minute
    // the flusher worked; beside batch.writer.time's total, whether the writer is what holds delivery back.
    FunctionCounter.builder("goldylox.writebehind.flusher.busy", cache, c -> metrics(c).flusherBusyNanos() / 1e9)
        .tags(tags).baseUnit("seconds")
        .description("Time delivery had work in hand (the flusher's wall time less its idle parks)")
        .register(registry);

    FunctionTimer.builder("goldylox.writebehind.writer.latency", cache,
            c -> metrics(c).writerCalls(), c -> metrics(c).writerNanosTotal(), TimeUnit.NANOSECONDS)
        .tags(tags).description("Calls of the writer's writeAll/deleteAll and the time spent in them")
        .register(registry);
  }

  private static void counter(MeterRegistry registry, String name, GoldyloxCache<?, ?> cache,
      ToDoubleFunction<GoldyloxCache<?, ?>> count, Iterable<Tag> tags, String description) {
    FunctionCounter.builder(name, cache, count).tags(tags).description(description).register(registry);
  }

  /** The counters of a cache {@link #bindTo} found with write-behind (a cache's journal never changes). */
  private static WriteBehindMetrics metrics(GoldyloxCache<?, ?> cache) {
    return cache.writeBehind().metrics();
  }

  @Override
  public List<NamedBean> mxBeans(GoldyloxCache<?, ?> cache) {
    WriteBehindJournal<?, ?> journal = cache.writeBehind();
    return journal == null ? List.of() : List.of(new NamedBean("WriteBehind", new Bean(journal)));
  }

  /** The MXBean: holds the journal. */
  static final class Bean implements WriteBehindMXBean {
    private final WriteBehindJournal<?, ?> journal;
    private final WriteBehindMetrics metrics;

    Bean(WriteBehindJournal<?, ?> journal) {
      this.journal = journal;
      this.metrics = journal.metrics();
    }

    @Override
    public long getJournalLag() {
      return metrics.journalLag();
    }

    @Override
    public long getOldestUnacknowledgedAgeMillis() {
      return metrics.oldestUnacknowledgedAgeMillis();
    }

    @Override
    public long getPendingKeys() {
      return journal.pendingKeys();
    }

    @Override
    public long getAppended() {
      return metrics.appended();
    }

    @Override
    public long getReplayed() {
      return metrics.replayed();
    }

    @Override
    public long getDelivered() {
      return metrics.delivered();
    }

    @Override
    public long getBatches() {
      return metrics.batches();
    }

    @Override
    public long getBatchedOperations() {
      return metrics.batchedOperations();
    }

    @Override
    public long getLastBatchSize() {
      return metrics.lastBatchSize();
    }

    @Override
    public long getWriterCalls() {
      return metrics.writerCalls();
    }

    @Override
    public long getWriterTimeNanos() {
      return metrics.writerNanosTotal();
    }

    @Override
    public double getWriterMeanLatencyMillis() {
      // Two separate sums: a call finishing between them skews one reading slightly, never by more than a call.
      long calls = metrics.writerCalls();
      long nanos = metrics.writerNanosTotal();
      return calls == 0 ? 0 : nanos / 1e6 / calls;
    }

    @Override
    public long getRetries() {
      return metrics.retries();
    }

    @Override
    public double getDeliveryRate() {
      return metrics.deliveryRate();
    }

    @Override
    public long getWriterEntries() {
      return metrics.writerEntries();
    }

    @Override
    public long getCoalesced() {
      return metrics.coalesced();
    }

    @Override
    public double getLastBatchWriterMillis() {
      return metrics.lastBatchWriterNanos() / 1e6;
    }

    @Override
    public double getMeanBatchWriterMillis() {
      return metrics.meanBatchWriterNanos() / 1e6;
    }

    @Override
    public long getFlusherBusyMillis() {
      return TimeUnit.NANOSECONDS.toMillis(metrics.flusherBusyNanos());
    }

    @Override
    public long getMaxLag() {
      return journal.settings().maxLag();
    }

    @Override
    public boolean isOverMaxLag() {
      return metrics.overMaxLag();
    }

    @Override
    public long getLagEpisodes() {
      return metrics.lagEpisodes();
    }

    @Override
    public long getRejected() {
      return metrics.rejected();
    }

    @Override
    public long getFailures() {
      return metrics.failures();
    }

    @Override
    public long getDeadLetters() {
      return metrics.deadLetters();
    }

    @Override
    public String getFlusherFailure() {
      Throwable failure = journal.flusherFailure();
      return failure == null ? null : failure.toString();
    }

    @Override
    public String getJournal() {
      return journal.settings().journal().toString();
    }

    @Override
    public String getDeadLetterJournal() {
      return journal.settings().deadLetter().toString();
    }
  }
}

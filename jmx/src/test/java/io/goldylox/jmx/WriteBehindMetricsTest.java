package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.WriteBehindConfig;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write-behind meters and the WriteBehind bean on real caches journaling to Chronicle in a temporary directory. */
class WriteBehindMetricsTest {

  private static final int PUTS = 50;

  @TempDir
  Path dir;

  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CacheManager manager = TestCaches.newManager();

  @AfterEach
  void closeManager() {
    manager.close();
  }

  private Cache<String, String> writeBehindCache(String name, HeldWriter writer) {
    return manager.createCache(name, GoldyloxConfiguration.builder(String.class, String.class)
        .writeBehind(WriteBehindConfig.builder()
            .writer(FactoryBuilder.factoryOf(writer))
            .journal(dir.resolve(name))
            .batchSize(100)
            .maxDelay(Duration.ofMillis(20))
            .retry(Duration.ofMillis(10), Duration.ofMillis(50), 3)
            .closeTimeout(Duration.ofSeconds(5))
            .build())
        .build());
  }

  private double gauge(String meter) {
    return registry.get(meter).gauge().value();
  }

  private double counter(String meter) {
    return registry.get(meter).functionCounter().count();
  }

  @Test
  void lagEqualsThePutsWhileTheWriterIsHeldThenDrains() throws Exception {
    HeldWriter writer = HeldWriter.held();
    Cache<String, String> cache = writeBehindCache("orders", writer);
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());
    ObjectName name = GoldyloxMBeans.objectName(cache, "WriteBehind");
    WriteBehindMXBean bean = JMX.newMXBeanProxy(server, name, WriteBehindMXBean.class);
    try {
      for (int i = 0; i < PUTS; i++) {
        cache.put("k" + i, "v" + i);
      }
      assertThat(gauge("goldylox.writebehind.lag")).isEqualTo(PUTS);
      assertThat(gauge("goldylox.writebehind.pending.keys")).isEqualTo(PUTS);
      assertThat(counter("goldylox.writebehind.appended")).isEqualTo(PUTS);
      assertThat(counter("goldylox.writebehind.delivered")).isZero();
      assertThat(bean.getJournalLag()).isEqualTo(PUTS);
      assertThat(bean.getAppended()).isEqualTo(PUTS);
      assertThat(bean.getDelivered()).isZero();
      // The flusher has picked the operations up and is stuck in the writer: the oldest one ages.
      TestCaches.await("the oldest unwritten operation ages",
          () -> registry.get("goldylox.writebehind.lag.age").timeGauge().value(TimeUnit.MILLISECONDS) > 0,
          Duration.ofSeconds(10));
      assertThat(bean.getOldestUnacknowledgedAgeMillis()).isPositive();
      assertThat(gauge("goldylox.writebehind.flusher.failed")).isZero();
      assertThat(bean.getFlusherFailure()).isNull();
    } finally {
      writer.release();
    }

    TestCaches.await("the journal has drained", () -> gauge("goldylox.writebehind.lag") == 0, Duration.ofSeconds(20));
    assertThat(writer.rows()).hasSize(PUTS).containsEntry("k7", "v7");
    assertThat(counter("goldylox.writebehind.delivered")).isEqualTo(PUTS);
    assertThat(counter("goldylox.writebehind.batched.operations")).isEqualTo(PUTS);
    double batches = counter("goldylox.writebehind.batches");
    assertThat(batches).isBetween(1.0, (double) PUTS);
    FunctionTimer latency = registry.get("goldylox.writebehind.writer.latency").functionTimer();
    assertThat(latency.count()).isEqualTo(batches); // puts only: one writeAll per batch
    assertThat(latency.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    // The flusher worked at least as long as the writer's calls took, which it made.
    assertThat(counter("goldylox.writebehind.flusher.busy"))
        .isGreaterThanOrEqualTo(latency.totalTime(TimeUnit.SECONDS));
    assertThat(registry.get("goldylox.writebehind.lag.age").timeGauge().value(TimeUnit.MILLISECONDS)).isZero();
    assertThat(gauge("goldylox.writebehind.pending.keys")).isZero();
    assertThat(counter("goldylox.writebehind.retries")).isZero();
    assertThat(counter("goldylox.writebehind.failures")).isZero();
    assertThat(counter("goldylox.writebehind.dead.letters")).isZero();
    assertThat(counter("goldylox.writebehind.replayed")).isZero();

    assertThat(bean.getJournalLag()).isZero();
    assertThat(bean.getDelivered()).isEqualTo(PUTS);
    assertThat(bean.getBatches()).isEqualTo((long) batches);
    assertThat(bean.getBatchedOperations()).isEqualTo(PUTS);
    assertThat(bean.getLastBatchSize()).isBetween(1L, (long) PUTS);
    assertThat(bean.getWriterCalls()).isEqualTo((long) batches);
    // The timer converts through a double: round, as truncation can land one nanosecond short.
    assertThat(bean.getWriterTimeNanos()).isEqualTo(Math.round(latency.totalTime(TimeUnit.NANOSECONDS)));
    assertThat(bean.getWriterMeanLatencyMillis()).isPositive();
    assertThat(bean.getPendingKeys()).isZero();
    assertThat(bean.getWriterEntries()).isEqualTo(PUTS); // distinct keys: nothing to coalesce
    assertThat(bean.getCoalesced()).isZero();
    assertThat(counter("goldylox.writebehind.writer.entries")).isEqualTo(PUTS);
    assertThat(bean.getLastBatchWriterMillis()).isPositive();
    assertThat(bean.getMeanBatchWriterMillis()).isPositive();
    FunctionTimer perBatch = registry.get("goldylox.writebehind.batch.writer.time").functionTimer();
    assertThat(perBatch.count()).isEqualTo(batches);
    assertThat(bean.getDeliveryRate()).as("50 delivered within the last seconds").isPositive();
    assertThat(gauge("goldylox.writebehind.delivery.rate")).isPositive();
    assertThat(bean.getFlusherBusyMillis()).isNotNegative();
    assertThat(bean.getMaxLag()).isEqualTo(WriteBehindConfig.DEFAULT_MAX_LAG);
    assertThat(bean.isOverMaxLag()).isFalse();
    assertThat(gauge("goldylox.writebehind.over.max.lag")).isZero();
    assertThat(bean.getLagEpisodes()).isZero();
    assertThat(bean.getRejected()).isZero();
    assertThat(bean.getJournal()).isEqualTo(dir.resolve("orders").toAbsolutePath().normalize().toString());
    assertThat(bean.getDeadLetterJournal()).endsWith("orders-dead-letter");

    cache.close();
    assertThat(server.isRegistered(name)).isFalse();
  }

  @Test
  void aKeyTheWriterKeepsRefusingIsRetriedThenDeadLettered() throws Exception {
    HeldWriter writer = HeldWriter.open();
    Cache<String, String> cache = writeBehindCache("refused", writer);
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());
    cache.put("good1", "1");
    cache.put("bad", "x");
    cache.put("good2", "2");

    TestCaches.await("the refused key is dead-lettered and the journal drained",
        () -> counter("goldylox.writebehind.dead.letters") == 1 && gauge("goldylox.writebehind.lag") == 0,
        Duration.ofSeconds(20));
    // max-attempts 3: three failed attempts, two of them followed by a retry, then the dead-letter journal.
    assertThat(counter("goldylox.writebehind.failures")).isEqualTo(3);
    assertThat(counter("goldylox.writebehind.retries")).isEqualTo(2);
    assertThat(counter("goldylox.writebehind.delivered")).isEqualTo(2);
    assertThat(writer.rows()).containsOnlyKeys("good1", "good2");

    WriteBehindMXBean bean = JMX.newMXBeanProxy(server, GoldyloxMBeans.objectName(cache, "WriteBehind"),
        WriteBehindMXBean.class);
    assertThat(bean.getDeadLetters()).isEqualTo(1);
    assertThat(bean.getFailures()).isEqualTo(3);
    assertThat(bean.getRetries()).isEqualTo(2);
    assertThat(bean.getDelivered()).isEqualTo(2);
    assertThat(bean.getAppended()).isEqualTo(3);
    assertThat(bean.getJournalLag()).isZero();
  }

  @Test
  void bindsExactlyTheDocumentedMeters() {
    Cache<String, String> cache = writeBehindCache("named", HeldWriter.open());
    GoldyloxCacheMetrics.monitor(registry, cache, Tags.empty());
    Set<String> names = registry.getMeters().stream().map(Meter::getId).map(Meter.Id::getName)
        .filter(n -> n.startsWith("goldylox.writebehind.")).collect(Collectors.toSet());
    assertThat(names).containsExactlyInAnyOrder("goldylox.writebehind.lag", "goldylox.writebehind.lag.age",
        "goldylox.writebehind.pending.keys", "goldylox.writebehind.flusher.failed",
        "goldylox.writebehind.appended", "goldylox.writebehind.replayed", "goldylox.writebehind.delivered",
        "goldylox.writebehind.batches", "goldylox.writebehind.batched.operations", "goldylox.writebehind.retries",
        "goldylox.writebehind.failures", "goldylox.writebehind.dead.letters",
        "goldylox.writebehind.writer.latency", "goldylox.writebehind.delivery.rate",
        "goldylox.writebehind.over.max.lag", "goldylox.writebehind.writer.entries", "goldylox.writebehind.coalesced",
        "goldylox.writebehind.rejected", "goldylox.writebehind.lag.episodes",
        "goldylox.writebehind.batch.writer.time", "goldylox.writebehind.flusher.busy");
    assertThat(GoldyloxMBeans.objectNames(cache)).extracting(n -> n.getKeyProperty("type"))
        .containsExactly("Cache", "Listeners", "Expiry", "WriteBehind");
  }
}

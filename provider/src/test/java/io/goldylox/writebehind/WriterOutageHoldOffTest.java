package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.ForySerializer;
import io.goldylox.testing.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer that fails: the hold-off of a lane whose batch failed whole (the writer down) ends on time and is not
 * set off by one poisoned record, the counters add up in every path (coalescing on and off, dead letters, partial
 * failures, a replay), and the log says only true things. Real journals in temp dirs, real threads (from a review).
 */
class WriterOutageHoldOffTest {

  @TempDir
  Path dir;

  /** The first writeAll blocks until released, then fails whole; later calls record (keys "poison*" always fail). */
  static final class Writer implements CacheWriter<Object, Object> {
    final Map<Object, Object> written = new ConcurrentHashMap<>();
    final Map<Object, Long> writtenAtNanos = new ConcurrentHashMap<>();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger calls = new AtomicInteger();
    volatile boolean blockFirst;

    @Override
    public void write(Cache.Entry<?, ?> entry) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void writeAll(Collection<Cache.Entry<?, ?>> entries) {
      if (calls.getAndIncrement() == 0 && blockFirst) {
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new javax.cache.integration.CacheWriterException("down");
      }
      for (Cache.Entry<?, ?> entry : new ArrayList<>(entries)) {
        if (String.valueOf(entry.getKey()).startsWith("poison")) {
          continue;
        }
        written.put(entry.getKey(), entry.getValue());
        writtenAtNanos.put(entry.getKey(), System.nanoTime());
        entries.remove(entry);
      }
      if (!entries.isEmpty()) {
        throw new javax.cache.integration.CacheWriterException("constraint violated");
      }
    }

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(Collection<?> keys) {
      keys.clear();
    }
  }

  private WriteBehindJournal<Object, Object> open(WriteBehindConfig settings, Writer writer, String name) {
    ClassLoader loader = getClass().getClassLoader();
    return WriteBehindJournal.open(settings, writer, new ForySerializer(loader), loader, name,
        ChronicleJournal.DEFAULT_ROLL_CYCLE);
  }

  /**
   * Hot keys during a failed call: the failed slots are resolved as replaced and ready again (a full batch), and
   * the lane is held for the 50 ms backoff; the flusher wakes when the hold ends, not at max-delay (3 s), although
   * no retry waits and the held lane's fill wakes nobody.
   */
  @Test
  void aFullBatchGoesWhenTheHoldEndsNotAtMaxDelay() throws Exception {
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("full")).batchSize(10)
        .maxDelay(Duration.ofSeconds(3)).retry(Duration.ofMillis(50), Duration.ofMillis(50), 1_000).build();
    Writer writer = new Writer();
    writer.blockFirst = true;
    WriteBehindJournal<Object, Object> journal = open(settings, writer, "full");
    try {
      for (int k = 0; k < 10; k++) {
        journal.put("k" + k, "old");
      }
      assertThat(writer.entered.await(10, TimeUnit.SECONDS)).isTrue();
      for (int k = 0; k < 10; k++) {
        journal.put("k" + k, "new");
      }
      long released = System.nanoTime();
      writer.release.countDown();
      Await.until(() -> writer.written.size() == 10, Duration.ofSeconds(20), journal::toString);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(
          writer.writtenAtNanos.values().stream().mapToLong(Long::longValue).max().getAsLong() - released);
      // A full batch, held only for the 50 ms retry backoff (retry max-delay 50 ms).
      assertThat(tookMillis).as("ms from the failed call to the full batch's delivery").isLessThan(1_000);
    } finally {
      journal.close();
    }
  }

  /**
   * A poison key (its entry always fails) retried alone fails its one-entry batches whole, but as a retry: that is
   * no writer outage, and a good key written meanwhile does not wait for the poison key's backoff.
   */
  @Test
  void aLonePoisonKeyDoesNotHoldBackOtherKeys() {
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("poison")).batchSize(10)
        .maxDelay(Duration.ofMillis(1)).retry(Duration.ofMillis(100), Duration.ofSeconds(5), 1_000).build();
    Writer writer = new Writer();
    WriteBehindJournal<Object, Object> journal = open(settings, writer, "poison");
    try {
      journal.put("poison", "x");
      Await.until(() -> journal.metrics().failures() >= 5, Duration.ofSeconds(20), journal::toString);
      long put = System.nanoTime();
      journal.put("good", "y");
      Await.until(() -> writer.written.containsKey("good"), Duration.ofSeconds(20), journal::toString);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(writer.writtenAtNanos.get("good") - put);
      assertThat(tookMillis).as("ms a good key waited behind a poison key (max-delay 1 ms)").isLessThan(500);
    } finally {
      journal.close();
    }
  }

  /**
   * A slot standing for 3 operations fails while a 4th arrives: the 3 count as delivered with the 4th, and once
   * each in coalesced (a review found 5 coalesced of 4 appended).
   */
  @Test
  void anOperationReplacedAfterAFailedAttemptIsCountedOnceInCoalesced() throws Exception {
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("twice")).batchSize(100)
        .maxDelay(Duration.ofMillis(500)).retry(Duration.ofMillis(10), Duration.ofMillis(10), 1_000).build();
    Writer writer = new Writer();
    writer.blockFirst = true;
    WriteBehindJournal<Object, Object> journal = open(settings, writer, "twice");
    try {
      journal.put("k", "v1");
      journal.put("k", "v2");
      journal.put("k", "v3");
      assertThat(writer.entered.await(10, TimeUnit.SECONDS)).isTrue();
      journal.put("k", "v4");
      writer.release.countDown();
      Await.until(() -> journal.metrics().journalLag() == 0, Duration.ofSeconds(20), journal::toString);
      WriteBehindMetrics m = journal.metrics();
      assertThat(writer.written).containsEntry("k", "v4");
      assertThat(m.appended()).isEqualTo(4);
      assertThat(m.delivered() + m.deadLetters()).isEqualTo(4);
      // v1, v2 folded before the writer, v3 replaced after its failed attempt: 3 at most (the doc: 2).
      assertThat(m.coalesced()).as("coalesced, of 4 appended operations, 1 delivered as its own entry")
          .isLessThanOrEqualTo(3);
    } finally {
      journal.close();
    }
  }

  /**
   * A poison key failing while other keys (on the other writer lane) succeed: the writer was never down, so no INFO
   * says it "succeeds again" (a review found one after the poison key's first failed attempt).
   */
  @Test
  void aPoisonKeyAloneLogsNoRecoveryOfTheWriter() {
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("info")).batchSize(10).concurrency(2)
        .maxDelay(Duration.ofMillis(1)).retry(Duration.ofMillis(100), Duration.ofSeconds(5), 1_000).build();
    try (LogCapture lines = new LogCapture(Flusher.class, java.util.logging.Level.INFO)) {
      Writer writer = new Writer();
      WriteBehindJournal<Object, Object> journal = open(settings, writer, "info");
      try {
        journal.put("poison", "x");
        Await.until(() -> journal.metrics().failures() >= 1, Duration.ofSeconds(20), journal::toString);
        for (int i = 0; i < 20; i++) {
          journal.put("good" + i, "y");
        }
        Await.until(() -> writer.written.size() == 20, Duration.ofSeconds(20), journal::toString);
        assertThat(writer.written).doesNotContainKey("poison");
        assertThat(lines.containing("the writer failed")).isEqualTo(1);
        assertThat(lines.containing("the writer succeeds again"))
            .as("INFO lines claiming recovery while the poison key still fails: %s", lines.records.stream()
                .map(java.util.logging.LogRecord::getMessage).toList())
            .isZero();
      } finally {
        journal.close();
      }
    }
  }

  /** The invariant with coalescing on and off, poison keys dead-lettered, hot keys, and a replay after restart. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void countersAddUpWithDeadLettersPartialFailuresAndReplay(boolean coalesce) throws Exception {
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("inv")).batchSize(7).coalesce(coalesce)
        .concurrency(2).maxDelay(Duration.ofMillis(1)).retry(Duration.ofMillis(1), Duration.ofMillis(4), 4)
        .closeTimeout(Duration.ofSeconds(5)).build();
    Writer down = new Writer();
    down.blockFirst = true;
    down.release.countDown(); // the first call fails whole; the rest: poison keys fail
    WriteBehindJournal<Object, Object> first = open(settings, down, "inv");
    for (int i = 0; i < 3_000; i++) {
      first.put((i % 13 == 0 ? "poison" : "k") + (i % 17), "v" + i);
    }
    Await.until(() -> first.metrics().journalLag() == 0, Duration.ofSeconds(30), first::toString);
    WriteBehindMetrics m = first.metrics();
    assertThat(m.appended()).as("first run %s", first).isEqualTo(m.delivered() + m.deadLetters());
    // Leave a backlog for the replay: a writer that blocks at close.
    first.close();
    Writer blocked = new Writer();
    blocked.blockFirst = true;
    WriteBehindJournal<Object, Object> second = open(settings.toBuilder().closeTimeout(Duration.ofMillis(300))
        .build(), blocked, "inv");
    for (int i = 0; i < 500; i++) {
      second.put((i % 11 == 0 ? "poison" : "k") + (i % 19), "w" + i);
    }
    second.close(); // gives up on the blocked writer: everything stays in the journal
    blocked.release.countDown();
    Writer third = new Writer();
    WriteBehindJournal<Object, Object> reopened = open(settings, third, "inv");
    try {
      for (int i = 0; i < 300; i++) {
        reopened.put("k" + (i % 5), "z" + i);
      }
      Await.until(() -> reopened.metrics().journalLag() == 0, Duration.ofSeconds(30), reopened::toString);
      WriteBehindMetrics r = reopened.metrics();
      assertThat(r.replayed()).isPositive();
      assertThat(r.appended() + r.replayed()).as("after replay %s", reopened)
          .isEqualTo(r.delivered() + r.deadLetters());
    } finally {
      reopened.close();
    }
  }
}

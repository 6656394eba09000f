package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.ForySerializer;
import io.goldylox.testing.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer hold-off's edges (from a review): a batch that fills during the hold goes when it ends, the writer's
 * recovery is logged when a held lane has no keys left, and a lane in an outage has one batch at a time with the
 * writer. Real journals in temp dirs, real threads.
 */
class WriterHoldOffEdgesTest {

  @TempDir
  Path dir;

  private WriteBehindJournal<Object, Object> open(WriteBehindConfig settings, CacheWriter<Object, Object> writer,
      String name) {
    ClassLoader loader = getClass().getClassLoader();
    return WriteBehindJournal.open(settings, writer, new ForySerializer(loader), loader, name,
        ChronicleJournal.DEFAULT_ROLL_CYCLE);
  }

  /** Fails every call while down (after failMillis, as a database timing out), records otherwise. */
  static final class SwitchWriter implements CacheWriter<Object, Object> {
    volatile boolean down = true;
    volatile long failMillis;
    final AtomicInteger failedCalls = new AtomicInteger();
    final java.util.Queue<Long> callStartNanos = new java.util.concurrent.ConcurrentLinkedQueue<>();
    final Map<Object, Object> written = new ConcurrentHashMap<>();
    final Map<Object, Long> writtenAtNanos = new ConcurrentHashMap<>();

    @Override
    public void write(Cache.Entry<?, ?> entry) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void writeAll(Collection<Cache.Entry<?, ?>> entries) {
      if (down) {
        failedCalls.incrementAndGet();
        callStartNanos.add(System.nanoTime());
        if (failMillis > 0) {
          try {
            Thread.sleep(failMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        throw new javax.cache.integration.CacheWriterException("database down");
      }
      for (Cache.Entry<?, ?> e : new ArrayList<>(entries)) {
        written.put(e.getKey(), e.getValue());
        writtenAtNanos.put(e.getKey(), System.nanoTime());
      }
      entries.clear();
    }

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(Collection<?> keys) {
      keys.clear();
    }
  }

  /**
   * The lane is held (300 ms) with 3 keys ready (a partial batch); 7 new keys arrive during the hold and fill it.
   * The held lane's fill wakes nobody (it is not counted for the filling wake-up), so the flusher must look again
   * when the hold ends: the full batch goes then, not at max-delay (3 s), as it did before a review.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void aBatchThatFillsDuringTheHoldGoesWhenTheHoldEnds(boolean coalesce) throws Exception {
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("fill")).batchSize(10).coalesce(coalesce)
        .maxDelay(Duration.ofSeconds(3)).retry(Duration.ofMillis(300), Duration.ofMillis(300), 1).build();
    WriterOutageHoldOffTest.Writer writer = new WriterOutageHoldOffTest.Writer();
    writer.blockFirst = true;
    WriteBehindJournal<Object, Object> journal = open(settings, writer, "fill");
    try {
      for (int k = 0; k < 10; k++) {
        journal.put("k" + k, "old");
      }
      assertThat(writer.entered.await(10, TimeUnit.SECONDS)).isTrue();
      for (int k = 0; k < 3; k++) {
        journal.put("k" + k, "new"); // replace 3 of the failing batch: ready again after the failure
      }
      long released = System.nanoTime();
      writer.release.countDown(); // 10 first attempts fail whole: hold 300 ms; 7 become dead letters (max 1)
      Await.until(() -> journal.metrics().deadLetters() == 7, Duration.ofSeconds(10), journal::toString);
      Thread.sleep(50); // the flusher parks with 3 ready in the held lane
      for (int k = 0; k < 7; k++) {
        journal.put("n" + k, "new"); // the batch is full now (10 ready)
      }
      Await.until(() -> writer.written.size() == 10, Duration.ofSeconds(20), journal::toString);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(
          writer.writtenAtNanos.values().stream().mapToLong(Long::longValue).max().getAsLong() - released);
      assertThat(tookMillis).as("ms from the failed call to the full batch (hold 300 ms, max-delay 3 s)")
          .isLessThan(1_500);
    } finally {
      journal.close();
    }
  }

  /**
   * Two lanes held in an outage; lane 0's keys all become dead letters during it, so lane 0 has no batch again
   * soon: the writer's recovery is logged when lane 1 succeeds, not whenever lane 0 next gets a key (before a
   * review, with the whole period counted as the outage).
   */
  @Test
  void theRecoveryIsLoggedWhenAHeldLaneHasNoKeysLeft() throws Exception {
    Backlog<Object, Object> hash = new Backlog<>(true, new ConcurrentHashMap<>(), 2);
    List<String> lane0 = new ArrayList<>();
    List<String> lane1 = new ArrayList<>();
    for (int i = 0; lane0.size() < 4 || lane1.size() < 4; i++) {
      String key = "key" + i;
      (hash.laneOf(key) == 0 ? lane0 : lane1).add(key);
    }
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("info")).batchSize(10).concurrency(2)
        .maxDelay(Duration.ofMillis(20)).retry(Duration.ofMillis(20), Duration.ofMillis(20), 3).build();
    try (LogCapture lines = new LogCapture(Flusher.class, java.util.logging.Level.INFO)) {
      SwitchWriter writer = new SwitchWriter();
      WriteBehindJournal<Object, Object> journal = open(settings, writer, "info");
      try {
        for (int i = 0; i < 3; i++) { // several operations per lane: each lane's batch fails whole, held
          journal.put(lane0.get(i), "v");
          journal.put(lane1.get(i), "v");
        }
        Await.until(() -> journal.metrics().deadLetters() == 6, Duration.ofSeconds(10), journal::toString);
        writer.down = false; // the writer is back
        journal.put(lane1.get(3), "v");
        Await.until(() -> writer.written.containsKey(lane1.get(3)), Duration.ofSeconds(10), journal::toString);
        Thread.sleep(200);
        long infoAtRecovery = lines.containing("the writer succeeds again");
        Thread.sleep(1_000);
        journal.put(lane0.get(3), "v"); // lane 0's next key, a second later
        Await.until(() -> writer.written.containsKey(lane0.get(3)), Duration.ofSeconds(10), journal::toString);
        Thread.sleep(200);
        assertThat(infoAtRecovery)
            .as("INFO lines when the writer was back and lane 1 succeeded; all lines: %s", lines.records.stream()
                .map(java.util.logging.LogRecord::getMessage).toList())
            .isEqualTo(1L);
      } finally {
        journal.close();
      }
    }
  }

  /**
   * A writer that is down (failing after 30 ms, as a database timing out) and hot keys: README "a writer that is
   * down is called once per backoff". A lane in an outage has one batch at a time with the writer, so no second
   * batch is queued behind the first after the hold ends (PIPELINE_DEPTH 2 did that before a review).
   */
  @Test
  void aWriterThatIsDownIsCalledOncePerBackoffNotTwice() throws Exception {
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("twice")).batchSize(10)
        .maxDelay(Duration.ofMillis(1)).retry(Duration.ofMillis(200), Duration.ofMillis(200), 1_000_000).build();
    SwitchWriter writer = new SwitchWriter();
    writer.failMillis = 30;
    WriteBehindJournal<Object, Object> journal = open(settings, writer, "twice");
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      int i = 0;
      while (System.nanoTime() < end) {
        journal.put("k" + i % 200, "v" + i);
        i++;
        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
      }
      List<Long> starts = new ArrayList<>(writer.callStartNanos);
      List<Long> gapsMillis = new ArrayList<>();
      for (int n = 1; n < starts.size(); n++) {
        gapsMillis.add(TimeUnit.NANOSECONDS.toMillis(starts.get(n) - starts.get(n - 1)));
      }
      // After the first two calls (a lone first batch is not held), each call should follow the previous one by the
      // 200 ms backoff at least (the previous call takes 30 ms to fail, then the lane is held 200 ms).
      long quick = gapsMillis.stream().skip(2).filter(g -> g < 150).count();
      assertThat(quick).as("writer calls within 150 ms of the previous one (backoff 200 ms), %s calls, gaps %s ms",
          starts.size(), gapsMillis).isZero();
    } finally {
      writer.down = false;
      journal.close();
    }
  }
}

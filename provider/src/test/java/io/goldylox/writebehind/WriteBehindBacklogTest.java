package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.JavaSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.integration.CacheWriterException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-behind backlog of issue 12: coalescing across batches and across a replay, close() that drains, and
 * max-lag. Real Chronicle journals in a temporary directory, a real H2 database behind the writer.
 */
class WriteBehindBacklogTest {

  private static final AtomicInteger DATABASES = new AtomicInteger();

  @TempDir
  Path dir;

  private final String url = "jdbc:h2:mem:backlog" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private WriteBehindConfig.Builder settings() {
    return TestConfigs.config(dir.resolve("journal")).maxDelay(Duration.ofMillis(5)).batchSize(50);
  }

  private H2Writer writer() {
    H2Writer writer = new H2Writer(url);
    toClose.add(writer);
    return writer;
  }

  private WriteBehindJournal<String, String> open(WriteBehindConfig settings, H2Writer writer) {
    WriteBehindJournal<String, String> journal = WriteBehindJournal.open(settings, writer, new JavaSerializer(),
        getClass().getClassLoader(), "backlog", ChronicleJournal.DEFAULT_ROLL_CYCLE);
    toClose.add(journal);
    return journal;
  }

  /** Journals {@code operations} random puts (80%) and deletes over {@code keys} keys; returns the final state. */
  private static Map<String, String> stream(WriteBehindJournal<String, String> journal, int operations, int keys,
      long seed) {
    Random random = new Random(seed);
    Map<String, String> model = new TreeMap<>();
    for (int i = 0; i < operations; i++) {
      String key = "k" + random.nextInt(keys);
      if (random.nextInt(5) == 0) {
        journal.delete(key);
        model.put(key, null);
      } else {
        String value = "v" + i;
        journal.put(key, value);
        model.put(key, value);
      }
    }
    return model;
  }

  private static Map<String, String> live(Map<String, String> model) {
    Map<String, String> rows = new TreeMap<>(model);
    rows.values().removeIf(v -> v == null);
    return rows;
  }

  private static long entriesGiven(H2Writer writer) {
    return writer.snapshot().stream().mapToLong(call -> call.given.size()).sum();
  }

  @Test
  void aBacklogOfManyBatchesReachesTheWriterAsOneEntryPerKey() {
    H2Writer writer = writer().closeGate();
    WriteBehindJournal<String, String> journal = open(settings().build(), writer);
    journal.put("warm", "up"); // held at the gate while the backlog builds up behind it
    Await.until(() -> writer.gateReached.getCount() == 0, Duration.ofSeconds(10), journal::toString);
    Map<String, String> model = stream(journal, 20_000, 500, 1);
    model.put("warm", "up");
    writer.open();
    Await.drained(journal);

    // 20,000 operations, 400 batches' worth, over 500 keys: one entry per key, in batches of at most 50 keys.
    assertThat(entriesGiven(writer)).isLessThanOrEqualTo(1 + 500);
    assertThat(writer.snapshot()).allSatisfy(call -> assertThat(call.given.size()).isLessThanOrEqualTo(50));
    assertThat(journal.metrics().writerEntries()).isEqualTo(entriesGiven(writer));
    assertThat(journal.metrics().delivered()).isEqualTo(20_001);
    assertThat(journal.metrics().coalesced()).isEqualTo(20_001 - journal.metrics().writerEntries());
    assertThat(H2Writer.contents(url)).isEqualTo(live(model));
  }

  @Test
  void aReplayCoalescesTooAndReadsSeeThePendingStateMeanwhile() {
    H2Writer stuck = writer().closeGate();
    WriteBehindConfig bounded = settings().closeTimeout(Duration.ofMillis(100)).build();
    WriteBehindJournal<String, String> first = open(bounded, stuck);
    first.put("warm", "up");
    Await.until(() -> stuck.gateReached.getCount() == 0, Duration.ofSeconds(10), first::toString);
    Map<String, String> model = stream(first, 30_000, 1_000, 2);
    model.put("warm", "up");
    first.close(); // the writer is stuck: everything stays in the journal
    assertThat(first.metrics().leftAtClose()).isEqualTo(30_001);

    H2Writer second = writer().closeGate();
    WriteBehindJournal<String, String> reopened = open(settings().build(), second);
    assertThat(reopened.metrics().replayed()).isEqualTo(30_001);
    assertThat(reopened.pendingKeys()).isEqualTo(model.size());
    for (Map.Entry<String, String> e : model.entrySet()) {
      Pending<String> pending = reopened.pending(e.getKey());
      assertThat(pending).as(e.getKey()).isNotNull();
      assertThat(pending.value()).as(e.getKey()).isEqualTo(e.getValue());
    }
    second.open();
    reopened.close();
    assertThat(reopened.metrics().leftAtClose()).isZero();
    assertThat(entriesGiven(second)).isLessThanOrEqualTo(model.size());
    assertThat(H2Writer.contents(url)).isEqualTo(live(model));
    stuck.open(); // the abandoned first flusher returns from the writer and must touch nothing
  }

  @Test
  void closeDeliversEverythingByDefaultEvenWhenThatTakesManyBatches() {
    H2Writer writer = writer().closeGate();
    WriteBehindConfig s = settings().batchSize(7).maxDelay(Duration.ofSeconds(30)).build();
    assertThat(s.closeTimeoutBounded()).isFalse();
    WriteBehindJournal<String, String> journal = open(s, writer);
    Map<String, String> model = stream(journal, 5_000, 3_000, 3);
    Thread opener = new Thread(() -> {
      Await.until(() -> writer.gateReached.getCount() == 0, Duration.ofSeconds(10), journal::toString);
      writer.open();
    });
    opener.start();
    journal.close(); // about 2,500 keys in batches of 7: hundreds of writer calls, all inside close()
    assertThat(journal.metrics().journalLag()).isZero();
    assertThat(journal.metrics().leftAtClose()).isZero();
    assertThat(writer.snapshot().size()).isGreaterThan(300);
    assertThat(H2Writer.contents(url)).isEqualTo(live(model));

    H2Writer second = writer();
    WriteBehindJournal<String, String> reopened = open(s, second);
    assertThat(reopened.metrics().replayed()).isZero();
  }

  @Test
  void closeGivesAWaitingRetryOneLastAttemptAndLeavesWhatFailsThenInTheJournal() {
    H2Writer writer = writer();
    writer.failAlways.add("bad");
    writer.failFirst.put("flaky", new AtomicInteger(1));
    WriteBehindConfig s = settings().retry(Duration.ofSeconds(60), Duration.ofSeconds(60), 10).build();
    WriteBehindJournal<String, String> journal = open(s, writer);
    journal.put("flaky", "f");
    journal.put("good", "g");
    journal.put("bad", "b"); // last: the checkpoint can pass the others, which are delivered
    Await.until(() -> journal.metrics().failures() == 2, Duration.ofSeconds(10), journal::toString);
    journal.close(); // both retries are a minute away: close tries them now, once
    assertThat(writer.callsWith("flaky")).hasSize(2);
    assertThat(writer.callsWith("bad")).hasSize(2);
    assertThat(journal.metrics().leftAtClose()).isEqualTo(1);
    assertThat(H2Writer.contents(url)).containsOnlyKeys("flaky", "good");

    writer.failAlways.clear();
    H2Writer gated = writer().closeGate(); // holds the replay's delivery until the pending index is checked
    WriteBehindJournal<String, String> reopened = open(s, gated);
    assertThat(reopened.metrics().replayed()).isEqualTo(1);
    assertThat(reopened.pending("bad").value()).isEqualTo("b");
    gated.open();
    reopened.close();
    assertThat(H2Writer.contents(url)).containsOnlyKeys("bad", "flaky", "good");
  }

  @Test
  void pastMaxLagARejectingJournalRefusesOperationsUntilTheWriterCatchesUp() {
    H2Writer writer = writer().closeGate();
    WriteBehindConfig s = settings().maxLag(100).onMaxLag(WriteBehindConfig.OnMaxLag.REJECT).build();
    WriteBehindJournal<String, String> journal = open(s, writer);
    for (int i = 0; i < 100; i++) {
      journal.put("k" + (i % 10), "v" + i);
    }
    assertThatThrownBy(() -> journal.put("k0", "refused")).isInstanceOf(CacheWriterException.class)
        .hasMessageContaining("max-lag 100").hasMessageContaining("on-max-lag = reject")
        .hasMessageContaining(dir.resolve("journal").toString());
    assertThatThrownBy(() -> journal.delete("k1")).isInstanceOf(CacheWriterException.class);
    assertThat(journal.pending("k0").value()).as("a refused put changes nothing").isEqualTo("v90");
    assertThat(journal.metrics().rejected()).isEqualTo(2);
    assertThat(journal.metrics().lagEpisodes()).isEqualTo(1);
    assertThat(journal.metrics().overMaxLag()).isTrue();
    writer.open();
    Await.drained(journal);
    Await.until(() -> !journal.metrics().overMaxLag(), Duration.ofSeconds(10), journal::toString);
    journal.put("k0", "accepted");
    Await.drained(journal);
    assertThat(H2Writer.contents(url)).containsEntry("k0", "accepted").hasSize(10);
  }

  @Test
  void pastMaxLagAnAcceptingJournalTakesEverythingAndCountsOneEpisode() {
    H2Writer writer = writer().closeGate();
    WriteBehindConfig s = settings().maxLag(100).build();
    assertThat(s.onMaxLag()).isEqualTo(WriteBehindConfig.OnMaxLag.ACCEPT);
    WriteBehindJournal<String, String> journal = open(s, writer);
    Map<String, String> model = stream(journal, 1_000, 50, 4);
    assertThat(journal.metrics().journalLag()).isEqualTo(1_000);
    assertThat(journal.metrics().overMaxLag()).isTrue();
    assertThat(journal.metrics().lagEpisodes()).isEqualTo(1);
    assertThat(journal.metrics().rejected()).isZero();
    writer.open();
    Await.drained(journal);
    Await.until(() -> !journal.metrics().overMaxLag(), Duration.ofSeconds(10), journal::toString);
    assertThat(H2Writer.contents(url)).isEqualTo(live(model));
  }

  @Test
  void withoutCoalescingEveryOperationReachesTheWriterInPerKeyOrder() {
    H2Writer writer = writer().closeGate();
    WriteBehindJournal<String, String> journal = open(settings().coalesce(false).build(), writer);
    journal.put("warm", "up");
    Await.until(() -> writer.gateReached.getCount() == 0, Duration.ofSeconds(10), journal::toString);
    Map<String, String> model = stream(journal, 2_000, 20, 5);
    model.put("warm", "up");
    writer.open();
    Await.drained(journal);
    assertThat(entriesGiven(writer)).isEqualTo(2_001);
    // Per key, the values reach the writer in the order they were put.
    Map<String, Integer> lastSeen = new TreeMap<>();
    for (H2Writer.Call call : writer.snapshot()) {
      for (Map.Entry<String, String> e : call.given.entrySet()) {
        if (e.getValue() != null && !e.getKey().equals("warm")) {
          int n = Integer.parseInt(e.getValue().substring(1));
          Integer before = lastSeen.put(e.getKey(), n);
          assertThat(before == null || before < n).as(e.getKey() + " " + before + " then " + n).isTrue();
        }
      }
    }
    assertThat(H2Writer.contents(url)).isEqualTo(live(model));
  }
}

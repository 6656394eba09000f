package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.JavaSerializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.cache.CacheException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write-behind against real Chronicle journals in a temporary directory and a real H2 database. */
class WriteBehindJournalTest {

  private static final AtomicInteger DATABASES = new AtomicInteger();

  @TempDir
  Path dir;

  private final String url = "jdbc:h2:mem:wb" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private WriteBehindConfig.Builder settings() {
    return TestConfigs.config(dir.resolve("journal")).maxDelay(Duration.ofMillis(5))
        .closeTimeout(Duration.ofSeconds(5));
  }

  private H2Writer writer() {
    H2Writer writer = new H2Writer(url);
    toClose.add(writer);
    return writer;
  }

  private WriteBehindJournal<String, String> open(WriteBehindConfig settings, H2Writer writer) {
    return open(settings, writer, ChronicleJournal.DEFAULT_ROLL_CYCLE);
  }

  private WriteBehindJournal<String, String> open(WriteBehindConfig settings, H2Writer writer, String rollCycle) {
    WriteBehindJournal<String, String> journal = WriteBehindJournal.open(settings, writer, new JavaSerializer(),
        getClass().getClassLoader(), "test", rollCycle);
    toClose.add(journal);
    return journal;
  }

  private Map<String, String> database() {
    return H2Writer.contents(url);
  }

  @Test
  void putThenDeleteOfOneKeyReachTheWriterInThatOrder() {
    H2Writer writer = writer().closeGate();
    WriteBehindJournal<String, String> journal = open(settings().coalesce(false).build(), writer);
    journal.put("warm", "up"); // held at the gate, so that all below land in one batch
    Await.until(() -> writer.gateReached.getCount() == 0, Duration.ofSeconds(10), journal::toString);
    journal.put("k", "v1");
    journal.delete("k");
    journal.put("j", "v1");
    journal.put("j", "v2");
    writer.open();
    Await.drained(journal);

    List<Integer> kCalls = writer.callsWith("k");
    assertThat(kCalls).hasSize(2);
    List<H2Writer.Call> calls = writer.snapshot();
    assertThat(calls.get(kCalls.get(0)).kind).isEqualTo('W');
    assertThat(calls.get(kCalls.get(1)).kind).isEqualTo('D');
    // Without coalescing, every operation is delivered: j=v1 then j=v2, in two calls.
    List<Integer> jCalls = writer.callsWith("j");
    assertThat(jCalls).hasSize(2);
    assertThat(calls.get(jCalls.get(0)).given.get("j")).isEqualTo("v1");
    assertThat(calls.get(jCalls.get(1)).given.get("j")).isEqualTo("v2");
    assertThat(database()).containsExactly(Map.entry("j", "v2"), Map.entry("warm", "up"));
    assertThat(journal.metrics().delivered()).isEqualTo(5);
  }

  @Test
  void coalescingDeliversTheLastOperationPerKeyOnly() {
    H2Writer writer = writer().closeGate();
    WriteBehindJournal<String, String> journal = open(settings().coalesce(true).build(), writer);
    journal.put("warm", "up");
    Await.until(() -> writer.gateReached.getCount() == 0, Duration.ofSeconds(10), journal::toString);
    for (int i = 0; i < 100; i++) {
      journal.put("a", "a" + i);
    }
    journal.put("b", "b0");
    journal.delete("b");
    journal.delete("c");
    journal.put("c", "c1");
    writer.open();
    Await.drained(journal);

    List<H2Writer.Call> calls = writer.snapshot();
    assertThat(calls).hasSize(3); // warm-up, then one writeAll and one deleteAll for the coalesced batch
    assertThat(calls.get(1).kind).isEqualTo('W');
    assertThat(calls.get(1).given).containsExactly(Map.entry("a", "a99"), Map.entry("c", "c1"));
    assertThat(calls.get(2).kind).isEqualTo('D');
    assertThat(calls.get(2).given).containsOnlyKeys("b");
    assertThat(database()).containsExactly(Map.entry("a", "a99"), Map.entry("c", "c1"), Map.entry("warm", "up"));
    assertThat(journal.metrics().batches()).isEqualTo(2);
    assertThat(journal.metrics().batchedOperations()).isEqualTo(105);
    assertThat(journal.metrics().delivered()).isEqualTo(105); // coalesced operations are delivered by the last
    assertThat(journal.metrics().writerEntries()).isEqualTo(4);
    assertThat(journal.metrics().coalesced()).isEqualTo(101); // a0..a98, b0, the delete of c
  }

  @Test
  void batchesNeverExceedBatchSize() {
    H2Writer writer = writer().closeGate();
    WriteBehindJournal<String, String> journal = open(settings().batchSize(7).coalesce(false).build(), writer);
    journal.put("warm", "up");
    Await.until(() -> writer.gateReached.getCount() == 0, Duration.ofSeconds(10), journal::toString);
    Map<String, String> expected = new TreeMap<>();
    expected.put("warm", "up");
    for (int i = 0; i < 50; i++) {
      journal.put("k" + i, "v" + i);
      expected.put("k" + i, "v" + i);
    }
    writer.open();
    Await.drained(journal);

    List<H2Writer.Call> calls = writer.snapshot();
    assertThat(calls).allSatisfy(call -> assertThat(call.given.size()).isLessThanOrEqualTo(7));
    // All 50 were waiting when the gate opened: full batches of 7, then the remaining 1.
    assertThat(calls.subList(1, calls.size())).extracting(call -> call.given.size())
        .containsExactly(7, 7, 7, 7, 7, 7, 7, 1);
    assertThat(database()).isEqualTo(expected);
  }

  @Test
  void aFailingKeyIsRetriedThenDeadLetteredWithoutBlockingOthers() {
    H2Writer writer = writer();
    writer.failAlways.add("bad");
    writer.failFirst.put("flaky", new AtomicInteger(2));
    WriteBehindConfig s = settings().coalesce(true)
        .retry(Duration.ofMillis(300), Duration.ofSeconds(1), 3).build();
    H2Writer gated = writer.closeGate();
    WriteBehindJournal<String, String> journal = open(s, gated);
    journal.put("warm", "up"); // held at the gate, so that the keys below form one batch
    Await.until(() -> writer.gateReached.getCount() == 0, Duration.ofSeconds(10), journal::toString);
    journal.put("bad", "b");
    journal.put("flaky", "f");
    for (int i = 0; i < 5; i++) {
      journal.put("good" + i, "g" + i);
    }
    writer.open();
    // While "bad" waits for its retry, a new key is delivered at once.
    Await.until(() -> journal.metrics().failures() >= 1, Duration.ofSeconds(10), journal::toString);
    journal.put("late", "l");
    Await.until(() -> journal.metrics().deadLetters() == 1 && journal.metrics().journalLag() == 0,
        Duration.ofSeconds(20), journal::toString);

    assertThat(database()).containsOnlyKeys("warm", "flaky", "good0", "good1", "good2", "good3", "good4", "late");
    List<Integer> badCalls = writer.callsWith("bad");
    assertThat(badCalls).hasSize(3);
    // The first call that failed "bad" wrote the good keys (the partial-failure contract) ...
    assertThat(writer.snapshot().get(badCalls.get(0)).given).containsKeys("good0", "good4");
    // ... and "late" was written before "bad" had its last attempt.
    assertThat(writer.callsWith("late").get(0)).isLessThan(badCalls.get(2));
    assertThat(writer.callsWith("flaky")).hasSize(3);
    assertThat(journal.metrics().retries()).isEqualTo(4); // bad x2, flaky x2
    assertThat(journal.metrics().failures()).isEqualTo(5); // bad x3, flaky x2
    assertThat(journal.pending("bad")).isNull();

    List<DeadLetter<Object, Object>> dead =
        WriteBehindJournal.readDeadLetters(s.deadLetter(), new JavaSerializer(), getClass().getClassLoader());
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).key()).isEqualTo("bad");
    assertThat(dead.get(0).value()).isEqualTo("b");
    assertThat(dead.get(0).attempts()).isEqualTo(3);
    assertThat(dead.get(0).cacheName()).isEqualTo("test");
    assertThat(dead.get(0).error()).contains("test writer refused");
  }

  @Test
  void backoffDoublesUpToTheMaximum() {
    WriteBehindConfig.Retry retry = settings().retry(Duration.ofMillis(100), Duration.ofMillis(700), 10).build()
        .retry();
    assertThat(retry.backoffMillis(1)).isEqualTo(100);
    assertThat(retry.backoffMillis(2)).isEqualTo(200);
    assertThat(retry.backoffMillis(3)).isEqualTo(400);
    assertThat(retry.backoffMillis(4)).isEqualTo(700);
    assertThat(retry.backoffMillis(60)).isEqualTo(700);
  }

  @Test
  void unflushedOperationsAreReadBack() {
    H2Writer writer = writer().closeGate();
    WriteBehindJournal<String, String> journal = open(settings().build(), writer);
    journal.put("k", "v1");
    Await.until(() -> writer.gateReached.getCount() == 0, Duration.ofSeconds(10), journal::toString);
    journal.put("k", "v2");
    journal.put("j", "x");
    journal.delete("j");
    assertThat(journal.pending("k").value()).isEqualTo("v2");
    assertThat(journal.pending("k").isDelete()).isFalse();
    assertThat(journal.pending("j").isDelete()).isTrue();
    assertThat(journal.pending("j").value()).isNull();
    assertThat(journal.pending("never")).isNull();
    assertThat(journal.metrics().journalLag()).isEqualTo(4);
    Await.until(() -> journal.metrics().oldestUnacknowledgedAgeMillis() > 0, Duration.ofSeconds(5),
        journal::toString);
    writer.open();
    Await.drained(journal);
    assertThat(journal.pending("k")).isNull();
    assertThat(journal.pending("j")).isNull();
    assertThat(journal.metrics().oldestUnacknowledgedAgeMillis()).isZero();
    assertThat(database()).containsExactly(Map.entry("k", "v2"));
  }

  @Test
  void closeWithAStuckWriterLeavesTheRestForTheNextOpen() {
    H2Writer stuck = writer().closeGate();
    WriteBehindConfig s = settings().closeTimeout(Duration.ofMillis(200)).coalesce(false).build();
    WriteBehindJournal<String, String> first = open(s, stuck);
    Map<String, String> model = new TreeMap<>();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 300; i++) {
      String key = "k" + random.nextInt(20);
      if (random.nextInt(4) == 0) {
        first.delete(key);
        model.put(key, null);
      } else {
        first.put(key, "v" + i);
        model.put(key, "v" + i);
      }
    }
    Await.until(() -> stuck.gateReached.getCount() == 0, Duration.ofSeconds(10), first::toString);
    first.close();
    assertThat(first.isClosed()).isTrue();
    assertThatThrownBy(() -> first.put("x", "y")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");

    H2Writer second = writer().closeGate();
    WriteBehindJournal<String, String> reopened = open(s, second);
    // The pending index is rebuilt from the journal before anything is delivered.
    for (Map.Entry<String, String> e : model.entrySet()) {
      Pending<String> p = reopened.pending(e.getKey());
      assertThat(p).as(e.getKey()).isNotNull();
      assertThat(p.value()).as(e.getKey()).isEqualTo(e.getValue());
    }
    assertThat(reopened.metrics().replayed()).isEqualTo(300);
    second.open();
    Await.drained(reopened);
    Map<String, String> expected = new TreeMap<>(model);
    expected.values().removeIf(v -> v == null);
    assertThat(database()).isEqualTo(expected);
    stuck.open(); // the abandoned flusher wakes up and must leave the reopened journal alone
  }

  @Test
  void aFailedOperationNeverOverwritesALaterValue() {
    H2Writer writer = writer().closeGate();
    writer.failValue.put("k", "v1");
    WriteBehindConfig s = settings().retry(Duration.ofSeconds(20), Duration.ofSeconds(20), 10)
        .closeTimeout(Duration.ofMillis(500)).build();
    WriteBehindJournal<String, String> first = open(s, writer);
    // v1 fails while v2 is already pending: v1 is dropped, not retried.
    first.put("k", "v1");
    Await.until(() -> writer.gateReached.getCount() == 0, Duration.ofSeconds(10), first::toString);
    first.put("k", "v2");
    writer.open();
    Await.drained(first);
    assertThat(database()).containsExactly(Map.entry("k", "v2"));
    assertThat(first.metrics().retries()).isZero();
    assertThat(first.metrics().failures()).isEqualTo(1);

    // v3 fails alone: it waits for its retry (not due for 20 s); v4 replaces it and is delivered at once.
    writer.failValue.put("k", "v3");
    first.put("k", "v3");
    Await.until(() -> first.metrics().failures() == 2, Duration.ofSeconds(10), first::toString);
    assertThat(first.pending("k").value()).isEqualTo("v3"); // still unacknowledged: reads see it
    assertThat(first.metrics().oldestUnacknowledgedAgeMillis()).as("the waiting v3 has an age").isPositive();
    first.put("k", "v4");
    Await.until(() -> first.pending("k") == null, Duration.ofSeconds(10), first::toString);
    assertThat(database()).containsExactly(Map.entry("k", "v4"));
    assertThat(first.metrics().retries()).as("v3 was never attempted again").isZero();
    first.close();
    assertThat(first.metrics().leftAtClose()).isZero();

    // Nothing is replayed: the checkpoint passed v3 once v4, which replaced it, was delivered.
    H2Writer second = writer();
    WriteBehindJournal<String, String> reopened = open(s, second);
    assertThat(reopened.metrics().replayed()).isZero();
    assertThat(reopened.pending("k")).isNull();
    reopened.close();
    assertThat(second.snapshot()).isEmpty();
    assertThat(database()).containsExactly(Map.entry("k", "v4"));
  }

  @Test
  void closeDeliversWithoutWaitingForMaxDelay() {
    H2Writer writer = writer();
    WriteBehindConfig s = settings().maxDelay(Duration.ofSeconds(60)).build();
    WriteBehindJournal<String, String> journal = open(s, writer);
    for (int i = 0; i < 10; i++) {
      journal.put("k" + i, "v" + i);
    }
    assertThat(writer.snapshot()).isEmpty();
    journal.close();
    assertThat(database()).hasSize(10);
    assertThat(journal.metrics().journalLag()).isZero();

    // The checkpoint recorded all of it: nothing is replayed.
    H2Writer second = writer();
    WriteBehindJournal<String, String> reopened = open(s, second);
    assertThat(reopened.metrics().replayed()).isZero();
    assertThat(reopened.pendingKeys()).isZero();
    reopened.put("k10", "v10");
    reopened.close();
    assertThat(second.snapshot()).hasSize(1);
    assertThat(second.snapshot().get(0).given).containsOnlyKeys("k10");
  }

  @Test
  void deliveredCycleFilesAreDeleted() throws Exception {
    H2Writer writer = writer();
    WriteBehindConfig s = settings().maxDelay(Duration.ZERO).build();
    WriteBehindJournal<String, String> journal = open(s, writer, "TEST_SECONDLY");
    long end = System.currentTimeMillis() + 3_200;
    int i = 0;
    while (System.currentTimeMillis() < end) {
      journal.put("k" + (i % 10), "v" + i++);
      Thread.sleep(50);
    }
    Await.drained(journal);
    journal.put("last", "one"); // a checkpoint after the final roll
    Await.drained(journal);
    assertThat(cycleFiles(s.journal())).as("cycle files left").hasSizeLessThanOrEqualTo(2);
    assertThat(database()).hasSize(11);
  }

  private static List<Path> cycleFiles(Path journal) throws IOException {
    try (Stream<Path> files = Files.list(journal)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".cq4")).toList();
    }
  }

  @Test
  void oneJournalCannotBeOpenedTwice() {
    WriteBehindConfig s = settings().build();
    open(s, writer());
    assertThatThrownBy(() -> open(s, writer())).isInstanceOf(CacheException.class)
        .hasMessageContaining(s.journal().toString()).hasMessageContaining("already open");
  }

  @Test
  void anUnusableJournalPathIsNamed() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
    WriteBehindConfig s = TestConfigs.config(file).build();
    assertThatThrownBy(() -> open(s, writer())).isInstanceOf(CacheException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void durabilityOsSyncsInTheBackground() {
    H2Writer writer = writer();
    WriteBehindConfig s = settings().durability(WriteBehindConfig.Durability.OS)
        .syncInterval(Duration.ofMillis(5)).build();
    WriteBehindJournal<String, String> journal = open(s, writer);
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      journal.put("k" + i, "v" + i);
      expected.put("k" + i, "v" + i);
    }
    Await.drained(journal);
    assertThat(database()).isEqualTo(new TreeMap<>(expected));
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
        .contains("goldylox-writebehind-test", "goldylox-writebehind-test-sync");
  }

  @Test
  void anIdleFlusherDoesNotCountAsBusyWhileItIsParked() throws InterruptedException {
    WriteBehindJournal<String, String> journal = open(settings().build(), writer());
    journal.put("k", "v");
    Await.drained(journal);
    long busyBefore = journal.metrics().flusherBusyNanos();

    Thread.sleep(1_000); // nothing to deliver: the flusher is parked all along

    // Before parks were counted while they lasted, this grew by the whole second.
    long grew = journal.metrics().flusherBusyNanos() - busyBefore;
    assertThat(grew).isLessThan(Duration.ofMillis(500).toNanos());
    assertThat(journal.metrics().flusherBusyNanos()).isPositive();
  }
}

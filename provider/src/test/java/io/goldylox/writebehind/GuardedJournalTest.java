package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.ClassPolicy;
import io.goldylox.serialization.ForySerializer;
import io.goldylox.serialization.Serializer;
import io.goldylox.serialization.other.Gadget;
import io.goldylox.testing.LogCapture;
import io.goldylox.testing.SerialForms.Money;
import io.goldylox.tier.OnIncompatible;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write-behind journal left with a backlog is outside input when it is opened again: read through the cache's
 * guarded serializer (as {@code GoldyloxCacheManager} opens it), an operation whose value is of a refused class is
 * dead-lettered, never instantiated and never handed to the writer; the others are delivered.
 */
class GuardedJournalTest {

  @TempDir
  Path dir;

  /** Records what it is given; blocks every call until its gate opens. */
  static class RecordingWriter implements CacheWriter<Object, Object> {
    final Map<Object, Object> written = new ConcurrentHashMap<>();
    final CountDownLatch gate;

    RecordingWriter(boolean closed) {
      gate = new CountDownLatch(closed ? 1 : 0);
    }

    private void pass() {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void write(Cache.Entry<?, ?> entry) {
      pass();
      written.put(entry.getKey(), entry.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<?, ?>> entries) {
      pass();
      for (Cache.Entry<?, ?> entry : new ArrayList<>(entries)) {
        written.put(entry.getKey(), entry.getValue());
      }
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      pass();
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      pass();
      keys.clear();
    }
  }

  @Test
  void aRefusedValueInAReplayedJournalIsDeadLetteredNotDelivered() {
    ClassLoader loader = getClass().getClassLoader();
    ForySerializer fory = new ForySerializer(loader);
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("journal")).maxDelay(Duration.ofMillis(5))
        .closeTimeout(Duration.ofMillis(300)).build();
    RecordingWriter stuck = new RecordingWriter(true);
    WriteBehindJournal<Object, Object> first = WriteBehindJournal.open(settings, stuck,
        fory.guarded(policy()), loader, "first", ChronicleJournal.DEFAULT_ROLL_CYCLE);
    first.put("warm", "up"); // the flusher blocks on it: everything after stays in the journal
    Await.until(() -> stuck.gate.getCount() == 1 && first.metrics().batches() > 0, Duration.ofSeconds(10),
        first::toString);
    first.put("list", new ArrayList<>(List.of("a")));
    first.put("gadget", new Gadget());
    first.close();
    assertThat(first.metrics().leftAtClose()).isGreaterThanOrEqualTo(2);
    stuck.gate.countDown();

    int before = Gadget.instantiations();
    ClassPolicy policy = policy();
    Serializer guarded = fory.guarded(policy);
    RecordingWriter writer = new RecordingWriter(false);
    // By default (on-incompatible = fail) a journal holding what cannot be read back does not open, and keeps it.
    assertThatThrownBy(() -> WriteBehindJournal.open(settings, writer, fory, guarded, loader, "refused",
        ChronicleJournal.DEFAULT_ROLL_CYCLE, OnIncompatible.FAIL))
        .isInstanceOf(javax.cache.CacheException.class)
        .hasMessageContaining(settings.journal().toString())
        .hasMessageContaining("holds 1 unacknowledged operations this release cannot read back")
        .hasMessageContaining("Nothing was delivered or removed").hasMessageContaining("on-incompatible = wipe");
    assertThat(writer.written).isEmpty();
    try (WriteBehindJournal<Object, Object> reopened = WriteBehindJournal.open(settings, writer, fory, guarded,
        loader, "reopened", ChronicleJournal.DEFAULT_ROLL_CYCLE, OnIncompatible.WIPE)) {
      Await.drained(reopened);
      assertThat(writer.written).containsEntry("list", List.of("a")).doesNotContainKey("gadget");
      assertThat(reopened.metrics().deadLetters()).isEqualTo(1);
    }
    assertThat(Gadget.instantiations()).as("the gadget was never built").isEqualTo(before);
    assertThat(policy.rejected()).isPositive();
  }

  private static ClassPolicy policy() {
    return ClassPolicy.of("journal", List.of(String.class, Object.class), List.of());
  }

  /** A value class the policy does not name. */
  static final class Undeclared implements java.io.Serializable {
    final String text;

    Undeclared(String text) {
      this.text = text;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Undeclared && ((Undeclared) o).text.equals(text);
    }

    @Override
    public int hashCode() {
      return text.hashCode();
    }
  }

  @Test
  void anOperationOfThisRunIsDeliveredFromTheCallersBytesWithoutTheGuard() {
    ClassLoader loader = getClass().getClassLoader();
    ForySerializer fory = new ForySerializer(loader);
    ClassPolicy policy = policy();
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("live")).maxDelay(Duration.ofMillis(5)).build();
    RecordingWriter writer = new RecordingWriter(false);
    try (WriteBehindJournal<Object, Object> journal = WriteBehindJournal.open(settings, writer, fory,
        fory.guarded(policy), loader, "live", ChronicleJournal.DEFAULT_ROLL_CYCLE)) {
      journal.put("mine", new Undeclared("made in this process"));
      Await.drained(journal);
      assertThat(writer.written).containsEntry("mine", new Undeclared("made in this process"));
      assertThat(journal.metrics().deadLetters()).isZero();
    }
    assertThat(policy.rejected()).as("nothing of this run went through the guard").isZero();
  }

  /** Leaves {@code values} in the journal at {@code settings}: the writer blocks on a first put and close gives up. */
  private static void leaveInJournal(WriteBehindConfig settings, Serializer serializer, ClassLoader loader,
      Map<String, Object> values) {
    RecordingWriter stuck = new RecordingWriter(true);
    WriteBehindJournal<Object, Object> first = WriteBehindJournal.open(settings, stuck, serializer, loader, "first",
        ChronicleJournal.DEFAULT_ROLL_CYCLE);
    first.put("warm", "up");
    Await.until(() -> first.metrics().batches() > 0, Duration.ofSeconds(10), first::toString);
    values.forEach(first::put);
    first.close();
    assertThat(first.metrics().leftAtClose()).isGreaterThanOrEqualTo(values.size());
    stuck.gate.countDown();
  }

  @Test
  void aValueWhoseSerialFormIsANestedProxyOfTheDeclaredTypeIsDeliveredAfterARestart() {
    ClassLoader loader = getClass().getClassLoader();
    ForySerializer fory = new ForySerializer(loader);
    ClassPolicy policy = ClassPolicy.of("money", List.of(String.class, Money.class), List.of());
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("money")).maxDelay(Duration.ofMillis(5))
        .closeTimeout(Duration.ofMillis(300)).build();
    leaveInJournal(settings, fory.guarded(policy), loader, Map.of("a", new Money(125), "b", new Money(7)));

    RecordingWriter writer = new RecordingWriter(false);
    try (WriteBehindJournal<Object, Object> reopened = WriteBehindJournal.open(settings, writer,
        fory.guarded(policy), loader, "reopened", ChronicleJournal.DEFAULT_ROLL_CYCLE)) {
      Await.drained(reopened);
      assertThat(writer.written).containsEntry("a", new Money(125)).containsEntry("b", new Money(7));
      assertThat(reopened.metrics().deadLetters()).isZero();
    }
    assertThat(policy.rejected()).isZero();
  }

  @Test
  void aLargeRefusedBacklogIsDeadLetteredWithoutALineForEachOperation() {
    ClassLoader loader = getClass().getClassLoader();
    ForySerializer fory = new ForySerializer(loader);
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("refused")).maxDelay(Duration.ofMillis(5))
        .closeTimeout(Duration.ofMillis(300)).build();
    Map<String, Object> gadgets = new java.util.HashMap<>();
    for (int i = 0; i < 100; i++) {
      gadgets.put("g" + i, new Gadget());
    }
    leaveInJournal(settings, fory.guarded(policy()), loader, gadgets);

    List<java.util.logging.LogRecord> warnings = new java.util.ArrayList<>();
    try (LogCapture flusher = new LogCapture(Flusher.class); LogCapture replay = new LogCapture(Replay.class);
        LogCapture opened = new LogCapture(WriteBehindJournal.class, java.util.logging.Level.INFO);
        WriteBehindJournal<Object, Object> reopened = WriteBehindJournal.open(settings, new RecordingWriter(false),
            fory.guarded(policy()), fory.guarded(policy()), loader, "reopened", ChronicleJournal.DEFAULT_ROLL_CYCLE,
            OnIncompatible.WIPE)) {
      Await.drained(reopened);
      assertThat(reopened.metrics().deadLetters()).isEqualTo(100);
      reopened.close(); // the summary of the unlogged dead letters comes at close
      assertThat(opened.records).as("the replay's line says the unreadable ones are not delivered")
          .anySatisfy(record -> assertThat(record.getMessage()).contains("delivering 101 unacknowledged operations")
              .contains("(of them, the operations on 100 keys whose newest value cannot be read back go to the"
                  + " dead-letter journal instead)"));
      warnings.addAll(flusher.records);
      warnings.addAll(replay.records);
    }
    // The replay's first failure and its summary; ten dead letters of their own; the other 90 in one line at close.
    assertThat(warnings).hasSizeLessThanOrEqualTo(2 + FailedOperations.LOGGED_PER_MINUTE + 1);
    assertThat(warnings).anySatisfy(record -> assertThat(record.getMessage()).contains("moved 90 more operations"));
    assertThat(warnings).anySatisfy(record -> assertThat(record.getMessage())
        .contains("0 operations whose key and 100 keys whose newest value cannot be read back"));
  }

  /**
   * Without coalescing every operation is delivered, so an earlier put of a key that cannot be read back counts
   * for on-incompatible even when the key's newest operation reads back (review: the replay checked only the
   * newest, so fail opened and the flusher dead-lettered the earlier put).
   */
  @Test
  void withoutCoalescingAnEarlierUnreadablePutOfAKeyRefusesTheOpenUnderFail() throws Exception {
    ClassLoader loader = getClass().getClassLoader();
    ForySerializer fory = new ForySerializer(loader);
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("earlier")).maxDelay(Duration.ofMillis(5))
        .coalesce(false).closeTimeout(Duration.ofMillis(300)).build();
    RecordingWriter stuck = new RecordingWriter(true);
    WriteBehindJournal<Object, Object> first = WriteBehindJournal.open(settings, stuck, fory, loader, "first",
        ChronicleJournal.DEFAULT_ROLL_CYCLE);
    first.put("warm", "up");
    Await.until(() -> first.metrics().batches() > 0, Duration.ofSeconds(10), first::toString);
    first.put("k", new Gadget()); // refused by the next open's policy, as a class changed since would be
    first.put("k", "readable"); // the key's newest operation reads back
    first.close();
    stuck.gate.countDown();

    ClassPolicy strings = ClassPolicy.of("test", List.of(), List.of("java.lang.String"));
    RecordingWriter writer = new RecordingWriter(false);
    assertThatThrownBy(() -> WriteBehindJournal.open(settings, writer, fory, fory.guarded(strings), loader,
        "reopened", ChronicleJournal.DEFAULT_ROLL_CYCLE, OnIncompatible.FAIL).close())
        .isInstanceOf(javax.cache.CacheException.class).hasMessageContaining("holds 1 unacknowledged operations");
    assertThat(writer.written).as("nothing delivered").isEmpty();
    try (WriteBehindJournal<Object, Object> reopened = WriteBehindJournal.open(settings, writer, fory,
        fory.guarded(strings), loader, "reopened", ChronicleJournal.DEFAULT_ROLL_CYCLE, OnIncompatible.WIPE)) {
      Await.drained(reopened);
      assertThat(reopened.metrics().deadLetters()).isEqualTo(1);
    }
    assertThat(writer.written).containsEntry("k", "readable").containsEntry("warm", "up");
  }

  /** Fails the first {@code failing} writeAll entries (each a dead letter at max-attempts 1), then writes. */
  static final class FailingWriter extends RecordingWriter {
    private int failing;

    FailingWriter(int failing) {
      super(false);
      this.failing = failing;
    }

    @Override
    public void writeAll(Collection<Cache.Entry<?, ?>> entries) {
      if (failing > 0) {
        failing -= entries.size();
        throw new javax.cache.integration.CacheWriterException("down");
      }
      super.writeAll(entries);
    }
  }

  @Test
  void deadLettersBeyondTenAMinuteAreSummedUpInOneLineAtClose() {
    ClassLoader loader = getClass().getClassLoader();
    ForySerializer fory = new ForySerializer(loader);
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("outage")).batchSize(1)
        .maxDelay(Duration.ofMillis(1)).retry(Duration.ofMillis(1), Duration.ofMillis(1), 1).build();
    try (LogCapture warnings = new LogCapture(Flusher.class)) {
      WriteBehindJournal<Object, Object> journal = WriteBehindJournal.open(settings, new FailingWriter(30), fory,
          loader, "outage", ChronicleJournal.DEFAULT_ROLL_CYCLE);
      for (int i = 0; i < 30; i++) {
        journal.put("k" + i, "v" + i);
      }
      Await.until(() -> journal.metrics().deadLetters() == 30, Duration.ofSeconds(10), journal::toString);
      journal.close();
      assertThat(warnings.containing("gave up on the put")).isEqualTo(FailedOperations.LOGGED_PER_MINUTE);
      assertThat(warnings.containing("moved 20 more operations")).isEqualTo(1);
    }
  }

  /**
   * A writer that keeps failing one operation: a WARN at its first failed attempt, not only when it becomes a dead
   * letter after the whole retry budget, and at most one such line a minute (new-user trial: a poison record was
   * retried silently for the 1 h 40 min of the default budget).
   */
  @Test
  void retriedFailuresGetALineAtOnceAndThenAtMostOneAMinute() {
    ClassLoader loader = getClass().getClassLoader();
    ForySerializer fory = new ForySerializer(loader);
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("retried")).batchSize(1)
        .maxDelay(Duration.ofMillis(1)).retry(Duration.ofMillis(1), Duration.ofMillis(2), 1_000).build();
    try (LogCapture warnings = new LogCapture(Flusher.class)) {
      FailingWriter writer = new FailingWriter(Integer.MAX_VALUE);
      WriteBehindJournal<Object, Object> journal = WriteBehindJournal.open(settings, writer, fory, loader,
          "retried", ChronicleJournal.DEFAULT_ROLL_CYCLE);
      journal.put("poison", "v");
      Await.until(() -> journal.metrics().retries() + journal.metrics().failures() >= 20, Duration.ofSeconds(10),
          journal::toString);
      journal.close();
      assertThat(warnings.containing("the writer failed 1 attempt since the last such line (the last: the put of"
          + " key poison, attempt 1: javax.cache.integration.CacheWriterException: down); each is retried with"
          + " backoff for up to max-attempts = 1000")).isEqualTo(1);
      assertThat(warnings.containing("the writer failed")).isEqualTo(1);
    }
  }

  /**
   * A writer outage while the same keys keep being written (operator trial: after an outage 97,612 operations were
   * in no counter, the WARN said "1 attempt" while 383,590 failed, and nothing said when delivery recovered): an
   * operation replaced by a later one of its key after a failed attempt counts as delivered with it, as coalesced
   * ones do, so at lag 0 appended = delivered + dead letters; the WARN counts those failed attempts too; and one
   * INFO says the writer succeeds again.
   */
  @Test
  void aWriterOutageUnderHotKeysKeepsTheCountersAddingUpAndEndsWithOneLine() {
    ClassLoader loader = getClass().getClassLoader();
    ForySerializer fory = new ForySerializer(loader);
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("hot")).batchSize(10)
        .maxDelay(Duration.ofMillis(1)).retry(Duration.ofMillis(1), Duration.ofMillis(5), 1_000).build();
    try (LogCapture lines = new LogCapture(Flusher.class, java.util.logging.Level.INFO)) {
      FailingWriter writer = new FailingWriter(300);
      WriteBehindJournal<Object, Object> journal = WriteBehindJournal.open(settings, writer, fory, loader, "hot",
          ChronicleJournal.DEFAULT_ROLL_CYCLE);
      for (int i = 0; i < 5_000; i++) {
        journal.put("k" + i % 20, "v" + i);
      }
      Await.until(() -> journal.metrics().journalLag() == 0, Duration.ofSeconds(20), journal::toString);
      WriteBehindMetrics metrics = journal.metrics();
      assertThat(metrics.failures()).as("the writer failed at first").isGreaterThan(1);
      assertThat(metrics.appended()).as("appended = delivered + dead letters at lag 0: %s", journal)
          .isEqualTo(metrics.delivered() + metrics.deadLetters());
      for (int k = 0; k < 20; k++) {
        assertThat(writer.written.get("k" + k)).isEqualTo("v" + (4_980 + k));
      }
      journal.close();
      assertThat(lines.containing("the writer failed")).isEqualTo(1);
      assertThat(lines.containing("the writer succeeds again after")).isEqualTo(1);
    }
  }

  /**
   * A writer that is down while the application keeps writing the same keys: each writer lane calls it once per
   * retry backoff, not once per new operation (operator trial: 383,590 failed attempts in a 7-second database
   * outage); once it is back everything is delivered, each key's last value.
   */
  @Test
  void aWriterThatIsDownIsCalledOncePerBackoffWhileHotKeysKeepComing() {
    ClassLoader loader = getClass().getClassLoader();
    ForySerializer fory = new ForySerializer(loader);
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("down")).batchSize(10)
        .maxDelay(Duration.ofMillis(1)).retry(Duration.ofMillis(10), Duration.ofMillis(100), 1_000).build();
    DownWriter writer = new DownWriter();
    WriteBehindJournal<Object, Object> journal = WriteBehindJournal.open(settings, writer, fory, loader, "down",
        ChronicleJournal.DEFAULT_ROLL_CYCLE);
    long downUntil = System.nanoTime() + Duration.ofMillis(1_500).toNanos();
    writer.downUntilNanos = downUntil;
    int i = 0;
    while (System.nanoTime() < downUntil) {
      journal.put("k" + i % 20, "v" + i);
      i++;
      java.util.concurrent.locks.LockSupport.parkNanos(100_000);
    }
    int callsWhileDown = writer.failedCalls.get();
    int last = i - 1;
    Await.until(() -> journal.metrics().journalLag() == 0, Duration.ofSeconds(20), journal::toString);
    journal.close();
    // 1.5 s at 10, 20, 40, 80 then 100 ms apart: about 20 calls; without the backoff, one per few operations.
    assertThat(callsWhileDown).as("writer calls while down, for %s operations", i).isBetween(2, 60);
    for (int n = last; n > last - 20; n--) {
      assertThat(writer.written.get("k" + n % 20)).isEqualTo("v" + n);
    }
  }

  /** Fails every call until {@link #downUntilNanos}, counting them; records afterwards. */
  static final class DownWriter extends RecordingWriter {
    volatile long downUntilNanos = Long.MAX_VALUE;
    final java.util.concurrent.atomic.AtomicInteger failedCalls = new java.util.concurrent.atomic.AtomicInteger();

    DownWriter() {
      super(false);
    }

    @Override
    public void writeAll(Collection<Cache.Entry<?, ?>> entries) {
      if (System.nanoTime() < downUntilNanos) {
        failedCalls.incrementAndGet();
        throw new javax.cache.integration.CacheWriterException("database down");
      }
      super.writeAll(entries);
    }
  }

  @Test
  void aTrickleOfDeadLettersWithIdleGapsStillGetsAtMostTenLinesAMinute() throws InterruptedException {
    ClassLoader loader = getClass().getClassLoader();
    ForySerializer fory = new ForySerializer(loader);
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("trickle")).batchSize(1)
        .maxDelay(Duration.ofMillis(1)).retry(Duration.ofMillis(1), Duration.ofMillis(1), 1).build();
    try (LogCapture warnings = new LogCapture(Flusher.class)) {
      WriteBehindJournal<Object, Object> journal = WriteBehindJournal.open(settings,
          new FailingWriter(Integer.MAX_VALUE), fory, loader, "trickle", ChronicleJournal.DEFAULT_ROLL_CYCLE);
      for (int i = 0; i < 40; i++) {
        journal.put("k" + i, "v" + i);
        Thread.sleep(15); // the flusher runs out of work between two
      }
      Await.until(() -> journal.metrics().deadLetters() == 40, Duration.ofSeconds(10), journal::toString);
      assertThat(warnings.records).as("before close: the ten lines of the minute").hasSize(
          FailedOperations.LOGGED_PER_MINUTE);
      journal.close();
      assertThat(warnings.containing("moved 30 more operations")).isEqualTo(1);
      assertThat(warnings.records).hasSize(FailedOperations.LOGGED_PER_MINUTE + 1);
    }
  }

  /** Fails keys starting with "dead"; holds keys starting with "slow" until released (a store timing out). */
  static final class DeadOrSlowWriter extends RecordingWriter {
    final CountDownLatch release = new CountDownLatch(1);

    DeadOrSlowWriter() {
      super(false);
    }

    @Override
    public void writeAll(Collection<Cache.Entry<?, ?>> entries) {
      for (Cache.Entry<?, ?> entry : entries) {
        String key = String.valueOf(entry.getKey());
        if (key.startsWith("dead")) {
          throw new javax.cache.integration.CacheWriterException("store down");
        }
        if (key.startsWith("slow")) {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      super.writeAll(entries);
    }
  }

  /**
   * A summary that falls due while a writer call is in flight (one that never returns: a store timing out) is made
   * when it falls due, and does not make the flusher wake every millisecond (found by reviews: 1,822 rounds in 2 s;
   * then no summary until the call returned). The minute is moved through the field, instead of waiting for it.
   */
  @Test
  void aDueSummaryDoesNotMakeTheFlusherSpinWhileAWriterCallIsInFlight() throws Exception {
    ClassLoader loader = getClass().getClassLoader();
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("spin")).batchSize(1).maxDelay(Duration.ofMillis(5))
        .retry(Duration.ofMillis(1), Duration.ofMillis(1), 1).build();
    DeadOrSlowWriter writer = new DeadOrSlowWriter();
    try (LogCapture warnings = new LogCapture(Flusher.class)) {
      WriteBehindJournal<Object, Object> journal = WriteBehindJournal.open(settings, writer,
          new ForySerializer(loader), loader, "spin", ChronicleJournal.DEFAULT_ROLL_CYCLE);
      try {
        for (int i = 0; i < 15; i++) {
          journal.put("dead" + i, "v");
        }
        Await.until(() -> journal.metrics().deadLetters() == 15, Duration.ofSeconds(10), journal::toString);
        journal.put("slow1", "v");
        Await.until(() -> journal.metrics().batches() == 16, Duration.ofSeconds(10), journal::toString);
        java.lang.reflect.Field flusherField = WriteBehindJournal.class.getDeclaredField("flusher");
        flusherField.setAccessible(true);
        java.lang.reflect.Field failuresField = Flusher.class.getDeclaredField("failures");
        failuresField.setAccessible(true);
        Object failures = failuresField.get(flusherField.get(journal));
        java.lang.reflect.Field start = FailedOperations.class.getDeclaredField("windowStartNanos");
        start.setAccessible(true);
        // The minute ends 300 ms from now; the put wakes the flusher, which parks again (a writer call in flight),
        // until then: nothing else wakes it, and the call does not return.
        start.setLong(failures, System.nanoTime() - java.util.concurrent.TimeUnit.SECONDS.toNanos(60)
            + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(300));
        journal.put("slow2", "v");
        Await.until(() -> warnings.containing("moved 5 more operations") == 1, Duration.ofSeconds(10),
            journal::toString);
        long before = journal.flusherRounds();
        Thread.sleep(500);
        assertThat(journal.flusherRounds() - before).as("flusher rounds in 500 ms while the call is in flight")
            .isLessThan(20);
      } finally {
        writer.release.countDown();
        journal.close();
      }
    }
  }
}

package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.JavaSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer lane: the flusher hands it the next batch while the writer works on one, so these tests build a
 * backlog (a writer that takes milliseconds per call) and check what the pipeline must not change: the writer is
 * called by one thread, one call at a time; every key ends with its last value; and a key written without pause
 * is still delivered while batches queue behind the writer (liveness, end to end; the rule that a waiting batch
 * leaves such a key out at most once is {@link BacklogSkipTest}'s). Real Chronicle journals, a real H2 database
 * behind the writer.
 */
class WriterLaneTest {

  private static final AtomicInteger DATABASES = new AtomicInteger();

  @TempDir
  Path dir;

  private final String url = "jdbc:h2:mem:lane" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** Delegates to an {@link H2Writer} and records how many calls overlap and which threads make them. */
  private static final class WatchedWriter implements CacheWriter<String, String> {
    final H2Writer target;
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger mostInside = new AtomicInteger();
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    /** Set by the test: calls made while it is true count in {@link #hotDuringWrites}. */
    final AtomicBoolean writing = new AtomicBoolean(true);
    final AtomicInteger hotDuringWrites = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();

    WatchedWriter(H2Writer target) {
      this.target = target;
    }

    private void enter() {
      threads.add(Thread.currentThread().getName());
      calls.incrementAndGet();
      mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      enter();
      try {
        target.write(entry);
      } finally {
        inside.decrementAndGet();
      }
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      enter();
      try {
        if (writing.get() && entries.stream().anyMatch(e -> e.getKey().equals("hot"))) {
          hotDuringWrites.incrementAndGet();
        }
        target.writeAll(entries);
      } finally {
        inside.decrementAndGet();
      }
    }

    @Override
    public void delete(Object key) {
      enter();
      try {
        target.delete(key);
      } finally {
        inside.decrementAndGet();
      }
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      enter();
      try {
        target.deleteAll(keys);
      } finally {
        inside.decrementAndGet();
      }
    }
  }

  private WatchedWriter writer(long delayMillis) {
    H2Writer h2 = new H2Writer(url);
    h2.delayMillis = delayMillis;
    toClose.add(h2);
    return new WatchedWriter(h2);
  }

  private WriteBehindJournal<String, String> open(WatchedWriter writer) {
    return open(writer, "lane");
  }

  @Test
  void theWriterIsCalledByOneThreadOneCallAtATimeWhileBatchesQueue() {
    WatchedWriter writer = writer(1);
    WriteBehindJournal<String, String> journal = open(writer);
    Random random = new Random(12);
    Map<String, String> model = new TreeMap<>();
    for (int i = 0; i < 50_000; i++) {
      String key = "k" + random.nextInt(2_000);
      if (random.nextInt(5) == 0) {
        journal.delete(key);
        model.remove(key);
      } else {
        journal.put(key, "v" + i);
        model.put(key, "v" + i);
      }
    }
    Await.drained(journal);

    assertThat(writer.calls.get()).as("enough calls for batches to queue behind the writer").isGreaterThan(40);
    assertThat(writer.mostInside.get()).as("calls in the writer at once").isEqualTo(1);
    assertThat(writer.threads).containsExactly("goldylox-writebehind-lane-writer");
    assertThat(H2Writer.contents(url)).isEqualTo(model);
  }

  @Test
  void aKeyWrittenWithoutPauseIsStillDeliveredWhileBatchesQueueBehindTheWriter() {
    WatchedWriter writer = writer(2);
    WriteBehindJournal<String, String> journal = open(writer);
    Random random = new Random(5);
    Map<String, String> model = new TreeMap<>();
    long end = System.nanoTime() + Duration.ofSeconds(1).toNanos();
    int i = 0;
    // Every other operation rewrites "hot": whenever a batch waits behind the writer, "hot" has changed since
    // its claim. A lane that left it out every time would never deliver it while the writes go on; one that
    // leaves it out once delivers it about every third batch (101 keys, 50 a batch).
    while (System.nanoTime() < end || i < 20_000) {
      String key = (i & 1) == 0 ? "hot" : "k" + random.nextInt(100);
      journal.put(key, "v" + i);
      model.put(key, "v" + i);
      i++;
    }
    writer.writing.set(false);
    Await.drained(journal);

    assertThat(writer.calls.get()).as("enough calls for batches to queue behind the writer").isGreaterThan(40);
    assertThat(writer.hotDuringWrites.get()).as("writer calls with the hot key while it was being written")
        .isGreaterThanOrEqualTo(20);
    assertThat(H2Writer.contents(url)).isEqualTo(model);
  }

  /** A writer of nothing that runs {@code onCall} with the call's number (from 1) on each writeAll. */
  private static CacheWriter<String, String> discarding(java.util.function.IntConsumer onCall) {
    return discarding((call, entries) -> onCall.accept(call));
  }

  /** A writer of nothing that runs {@code onCall} with the call's number (from 1) and its entries on each writeAll. */
  private static CacheWriter<String, String> discarding(
      java.util.function.BiConsumer<Integer, Collection<Cache.Entry<? extends String, ? extends String>>> onCall) {
    AtomicInteger calls = new AtomicInteger();
    return new CacheWriter<>() {
      @Override
      public void write(Cache.Entry<? extends String, ? extends String> entry) {}

      @Override
      public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
        onCall.accept(calls.incrementAndGet(), entries);
        entries.clear();
      }

      @Override
      public void delete(Object key) {}

      @Override
      public void deleteAll(Collection<?> keys) {
        keys.clear();
      }
    };
  }

  private WriteBehindJournal<String, String> open(CacheWriter<String, String> writer, String name) {
    return openWithLanes(writer, name, 1);
  }

  @Test
  void aWriterThatLeavesItsThreadInterruptedNeitherSpinsTheLaneNorInterruptsLaterCalls() throws Exception {
    List<Boolean> interruptedOnEntry = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicLong lane = new java.util.concurrent.atomic.AtomicLong();
    WriteBehindJournal<String, String> journal = open(discarding(call -> {
      lane.set(Thread.currentThread().getId());
      interruptedOnEntry.add(Thread.currentThread().isInterrupted());
      if (call == 1) {
        Thread.currentThread().interrupt(); // as a writer does that restores the flag after an InterruptedException
      }
    }), "interrupted");
    journal.put("a", "1");
    Await.drained(journal);
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long cpuBefore = threads.getThreadCpuTime(lane.get());
    Thread.sleep(1_000);
    long idleCpuMillis = (threads.getThreadCpuTime(lane.get()) - cpuBefore) / 1_000_000;
    journal.put("b", "2");
    Await.drained(journal);
    journal.put("c", "3");
    Await.drained(journal);

    assertThat(interruptedOnEntry).as("interrupted on entry to each call").containsExactly(false, false, false);
    assertThat(idleCpuMillis).as("CPU of the idle writer thread over one second (a spinning one takes most of it)")
        .isLessThan(250);
  }

  @Test
  void aWriterErrorThatStopsTheFlusherStartsNoFurtherCallAndLosesNothing() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger calls = new AtomicInteger();
    WriteBehindJournal<String, String> journal = open(discarding(call -> {
      calls.incrementAndGet();
      inside.incrementAndGet();
      try {
        if (call == 1) {
          release.await(30, java.util.concurrent.TimeUnit.SECONDS);
          throw new StackOverflowError("injected"); // a VirtualMachineError: the flusher stops on it
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inside.decrementAndGet();
      }
    }), "failing");
    journal.put("first", "1");
    Await.until(() -> inside.get() == 1, Duration.ofSeconds(10), journal::toString);
    for (int i = 0; i < 120; i++) { // queued behind the first call: the next batches wait for the writer
      journal.put("k" + i, "v" + i);
    }
    // Time for the flusher to hand the next batch to the writer thread, behind the call in progress (no metric
    // shows a batch that is queued; if it is not yet, the checks below hold all the same).
    Thread.sleep(200);
    release.countDown();
    Await.until(() -> journal.flusherFailure() != null, Duration.ofSeconds(10), journal::toString);
    journal.close();

    assertThat(calls.get()).as("writer calls: none after the error").isEqualTo(1);
    assertThat(inside.get()).as("writer calls in progress once close() returned").isZero();
    WriteBehindJournal<String, String> reopened = open(writer(0), "reopened");
    Await.drained(reopened);
    reopened.close();
    Map<String, String> expected = new TreeMap<>();
    expected.put("first", "1");
    for (int i = 0; i < 120; i++) {
      expected.put("k" + i, "v" + i);
    }
    assertThat(H2Writer.contents(url)).isEqualTo(expected);
  }

  /**
   * A thread-safe writer, as one over a connection pool is: each call takes its own H2 connection. Records, per key,
   * the operation numbers it was given (the value "v<n>", or -n for a delete) and the threads that gave them.
   */
  private static final class ConnectionPerCallWriter implements CacheWriter<String, String> {
    final String url;
    final Map<String, List<Long>> delivered = new ConcurrentHashMap<>();
    final Map<String, Set<String>> threadsOfKey = new ConcurrentHashMap<>();
    final Set<String> threads = ConcurrentHashMap.newKeySet();

    ConnectionPerCallWriter(String url) {
      this.url = url;
      H2Writer.createTable(url);
    }

    private void record(String key, long number) {
      delivered.computeIfAbsent(key, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(number);
      threadsOfKey.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(Thread.currentThread().getName());
      threads.add(Thread.currentThread().getName());
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      writeAll(new ArrayList<>(List.of(entry)));
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
          java.sql.PreparedStatement merge = c.prepareStatement("MERGE INTO kv(k, v) KEY(k) VALUES(?, ?)")) {
        c.setAutoCommit(false);
        for (Cache.Entry<? extends String, ? extends String> e : entries) {
          merge.setString(1, e.getKey());
          merge.setString(2, e.getValue());
          merge.addBatch();
          record(e.getKey(), Long.parseLong(e.getValue().substring(1)));
        }
        merge.executeBatch();
        c.commit();
        entries.clear();
      } catch (java.sql.SQLException e) {
        throw new javax.cache.integration.CacheWriterException(e);
      }
    }

    @Override
    public void delete(Object key) {
      deleteAll(new ArrayList<>(List.of(key)));
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      throw new AssertionError("these tests only put");
    }
  }

  private WriteBehindJournal<String, String> openWithLanes(CacheWriter<String, String> writer, String name,
      int concurrency) {
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("journal")).maxDelay(Duration.ofMillis(5))
        .batchSize(50).concurrency(concurrency).closeTimeout(Duration.ofSeconds(30)).build();
    WriteBehindJournal<String, String> journal = WriteBehindJournal.open(settings, writer, new JavaSerializer(),
        getClass().getClassLoader(), name, ChronicleJournal.DEFAULT_ROLL_CYCLE);
    toClose.add(journal);
    return journal;
  }

  @Test
  void withSeveralWriterThreadsEachKeyGoesThroughOneOfThemInOrder() throws Exception {
    ConnectionPerCallWriter writer = new ConnectionPerCallWriter(url);
    WriteBehindJournal<String, String> journal = openWithLanes(writer, "lanes", 3);
    Map<String, String> model = new TreeMap<>();
    int callers = 2;
    List<Thread> threads = new ArrayList<>();
    List<Map<String, String>> written = new ArrayList<>();
    AtomicInteger numbers = new AtomicInteger();
    for (int t = 0; t < callers; t++) {
      Map<String, String> mine = new TreeMap<>();
      written.add(mine);
      int offset = t;
      Thread caller = new Thread(() -> {
        Random random = new Random(offset);
        for (int i = 0; i < 30_000; i++) {
          // Each caller its own keys, so the model is each caller's last value per key.
          String key = "c" + offset + "-k" + random.nextInt(1_000);
          String value = "v" + numbers.incrementAndGet();
          journal.put(key, value);
          mine.put(key, value);
        }
      });
      threads.add(caller);
      caller.start();
    }
    for (Thread caller : threads) {
      caller.join();
    }
    written.forEach(model::putAll);
    Await.drained(journal);

    assertThat(writer.threads).containsExactlyInAnyOrder("goldylox-writebehind-lanes-writer-0",
        "goldylox-writebehind-lanes-writer-1", "goldylox-writebehind-lanes-writer-2");
    assertThat(writer.threadsOfKey).allSatisfy((key, names) -> assertThat(names).as(key).hasSize(1));
    assertThat(writer.delivered).allSatisfy((key, numbersOfKey) ->
        assertThat(numbersOfKey).as("the operations of %s in the order the writer got them", key).isSorted());
    assertThat(writer.delivered.keySet()).isEqualTo(model.keySet());
    assertThat(H2Writer.contents(url)).isEqualTo(model);
  }

  @Test
  void aJournalLeftByAnAbandonedCloseIsDeliveredThroughSeveralWriterThreads() throws Exception {
    java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger stuck = new AtomicInteger();
    CacheWriter<String, String> blocked = discarding(call -> {
      stuck.incrementAndGet();
      try {
        never.await();
      } catch (InterruptedException e) {
        throw new javax.cache.integration.CacheWriterException("interrupted");
      }
    });
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("journal")).maxDelay(Duration.ofMillis(5))
        .batchSize(50).concurrency(4).closeTimeout(Duration.ofMillis(200)).build();
    WriteBehindJournal<String, String> first = WriteBehindJournal.open(settings, blocked, new JavaSerializer(),
        getClass().getClassLoader(), "left", ChronicleJournal.DEFAULT_ROLL_CYCLE);
    Map<String, String> model = new TreeMap<>();
    Random random = new Random(3);
    for (int i = 0; i < 20_000; i++) {
      String key = "k" + random.nextInt(2_000);
      first.put(key, "v" + i);
      model.put(key, "v" + i);
    }
    first.close(); // the writer never returns: close gives up after 200 ms and leaves everything in the journal
    assertThat(stuck.get()).as("writer calls that never returned").isPositive();
    assertThat(first.metrics().leftAtClose()).isPositive();
    never.countDown();

    ConnectionPerCallWriter writer = new ConnectionPerCallWriter(url);
    WriteBehindJournal<String, String> reopened = openWithLanes(writer, "reopened", 4);
    Await.drained(reopened);
    reopened.close();

    assertThat(writer.threads).hasSize(4);
    assertThat(writer.delivered).allSatisfy((key, numbersOfKey) -> assertThat(numbersOfKey).as(key).hasSize(1));
    assertThat(H2Writer.contents(url)).isEqualTo(model);
  }

  /** A key of writer lane {@code lane} of {@code lanes}, as the backlog spreads them. */
  private static String keyOfLane(int lane, int lanes, String prefix) {
    Backlog<String, String> spread = new Backlog<>(true, new ConcurrentHashMap<>(), lanes);
    for (int i = 0; ; i++) {
      if (spread.laneOf(prefix + i) == lane) {
        return prefix + i;
      }
    }
  }

  @Test
  void aWriterCallThatDoesNotReturnHoldsBackNoOtherLane() throws Exception {
    String slowKey = keyOfLane(0, 2, "slow");
    String quickKey = keyOfLane(1, 2, "quick");
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Set<String> written = ConcurrentHashMap.newKeySet();
    CacheWriter<String, String> writer = discarding((call, entries) -> {
      for (Cache.Entry<? extends String, ? extends String> e : entries) {
        if (e.getKey().equals(slowKey)) {
          try {
            release.await(30, java.util.concurrent.TimeUnit.SECONDS);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
        }
        written.add(e.getKey());
      }
    });
    WriteBehindJournal<String, String> journal = openWithLanes(writer, "held", 2);
    journal.put(slowKey, "1");
    Await.until(() -> journal.metrics().writerCalls() == 0 && journal.metrics().batches() == 1,
        Duration.ofSeconds(10), journal::toString); // the slow call is in the writer
    // Once the flusher parked with that call in flight (had it not yet, its next round would see the key below
    // without needing to wake for it):
    Await.until(() -> Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("goldylox-writebehind-held")
            && (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)),
        Duration.ofSeconds(10), journal::toString);
    journal.put(quickKey, "1"); // one operation alone in the other lane: it is due after max-delay (5 ms)

    Await.until(() -> written.contains(quickKey), Duration.ofSeconds(10), journal::toString);
    assertThat(written).as("the slow call has not returned").doesNotContain(slowKey);
    release.countDown();
    Await.drained(journal);
  }

  @Test
  void withAFastWriterNoLaneWaitsForTheOthersToFinish() throws Exception {
    List<String> callers = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
    WriteBehindJournal<String, String> journal = openWithLanes(discarding(call -> {
      try {
        gate.await(30, java.util.concurrent.TimeUnit.SECONDS); // a backlog builds up behind the first calls
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      callers.add(Thread.currentThread().getName());
    }), "fair", 2);
    for (int i = 0; i < 60_000; i++) {
      journal.put("k" + i, "v" + i); // 1,200 batches of 50 distinct keys, about half in each lane
    }
    gate.countDown(); // now the writer does nothing: the flusher is the bottleneck
    Await.drained(journal);

    // When the first lane made its last call, the other must have made most of its own: a lane kept waiting while
    // the other goes on makes most of its calls after the other is done (1-12% before, in two runs before the fix).
    List<String> order = new ArrayList<>(callers);
    assertThat(order.size()).isGreaterThan(1_000);
    Map<String, Integer> totals = new java.util.HashMap<>();
    Map<String, Integer> lastCall = new java.util.HashMap<>();
    for (int i = 0; i < order.size(); i++) {
      totals.merge(order.get(i), 1, Integer::sum);
      lastCall.put(order.get(i), i);
    }
    assertThat(totals).hasSize(2);
    int firstDone = java.util.Collections.min(lastCall.values());
    for (String lane : totals.keySet()) {
      long before = order.subList(0, firstDone + 1).stream().filter(lane::equals).count();
      assertThat((double) before / totals.get(lane))
          .as("share of %s's calls made before the first lane was done (%d of %d)", lane, before, totals.get(lane))
          .isGreaterThan(0.5);
    }
  }

  @Test
  void appendsDoNotWakeTheFlusherOneAfterAnotherWhileNoLaneHasABatch() throws Exception {
    WriteBehindConfig settings = TestConfigs.config(dir.resolve("journal")).maxDelay(Duration.ofSeconds(20))
        .batchSize(1_000).concurrency(4).build();
    WriteBehindJournal<String, String> journal = WriteBehindJournal.open(settings, discarding(call -> { }),
        new JavaSerializer(), getClass().getClassLoader(), "wakes", ChronicleJournal.DEFAULT_ROLL_CYCLE);
    toClose.add(journal);
    long roundsBefore = journal.flusherRounds();
    for (int i = 0; i < 3_000; i++) { // about 750 new keys a lane: no lane has a batch of 1,000
      journal.put("k" + i, "v" + i);
      java.util.concurrent.locks.LockSupport.parkNanos(50_000); // time for a woken flusher to run
    }
    long rounds = journal.flusherRounds() - roundsBefore;

    // The flusher wakes when the fullest lane could have filled, a few dozen times at most; counting the ready
    // keys of all lanes together, it woke at almost every append (over 1,000 rounds).
    assertThat(rounds).as("flusher rounds during 3,000 appends").isLessThan(100);
    assertThat(journal.metrics().writerCalls()).as("nothing due yet").isZero();
  }

  /**
   * A batch the writer finished is settled at once, even while the writer thread is in its next, slow call: its
   * keys leave the pending index (the lag counts them no more) without waiting for that call to return.
   */
  @Test
  void aBatchTheWriterFinishedIsSettledWhileTheNextCallIsSlow() throws Exception {
    java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch second = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    WriteBehindJournal<String, String> journal = open(discarding(call -> {
      started.set(call);
      try {
        if (call == 1) {
          first.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } else if (call == 2) {
          second.await(30, java.util.concurrent.TimeUnit.SECONDS); // a slow writer call
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }), "settle");
    journal.put("first", "1");
    Await.until(() -> started.get() == 1, Duration.ofSeconds(10), journal::toString);
    for (int i = 0; i < 100; i++) { // two more batches of 50 behind the first call
      journal.put("k" + i, "v" + i);
    }
    Thread.sleep(300); // time for the flusher to queue the next batch behind the call in progress
    first.countDown();
    Await.until(() -> started.get() == 2, Duration.ofSeconds(10), journal::toString);
    try {
      Await.until(() -> journal.metrics().delivered() >= 1 && journal.pending("first") == null,
          Duration.ofSeconds(5), () -> "first batch not settled: delivered=" + journal.metrics().delivered()
              + " pending(first)=" + journal.pending("first"));
    } finally {
      second.countDown();
    }
    Await.drained(journal);
    assertThat(journal.metrics().delivered()).isEqualTo(101);
  }
}

package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.JavaSerializer;
import io.goldylox.testing.AcknowledgedModel;
import io.goldylox.testing.ChildJvm;
import io.goldylox.testing.ChildJvm.LineReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test of issues 4 and 12, at the size of the scenario that found the backlog problem: a child JVM
 * streams puts (80%) and removes over 5,000 keys through a write-behind journal into an H2 file database whose
 * writer is slow (100 ms a call), so that more than 100,000 acknowledged operations are undelivered when the child
 * is killed with SIGKILL ({@code ProcessHandle.destroyForcibly}) mid-stream, usually inside a writer call. The test
 * then reopens the journal in-process with the same database and a writer at full speed, and one {@code close()}
 * must deliver all of it: nothing is left in the journal (a further open replays nothing), and the database equals
 * a model of the operations the child acknowledged (printed after {@code put}/{@code delete} returned), reading
 * every line the child printed before it died. Three crashes in a row on the same journal (a database per round),
 * the second without coalescing; the restart delivers through 1, 2 and 3 writer threads ({@code concurrency}).
 */
class WriteBehindCrashTest {

  private static final int KEYS = 5_000;
  private static final long BACKLOG = 100_000;

  @TempDir
  Path dir;

  @Test
  void everyAcknowledgedOperationOfA100kBacklogSurvivesKill9AndOneClose() throws Exception {
    Path journal = dir.resolve("journal");
    // WRITE_DELAY=0: H2 hands each commit to the OS before commit() returns. With H2's default (500 ms) a commit
    // lives in the killed process for a while: the writer returned, the journal advanced past the operations, and
    // the kill then lost them inside H2. A writer must be durable when writeAll/deleteAll return.
    Random random = new Random();
    long next = 0;
    for (int round = 0; round < 3; round++) {
      // A database per round, opened by the child, then (after the kill) only by this JVM, which holds one
      // connection until it has read the contents: H2 2.3's MVStore can fail to reopen a file it closed after heavy
      // MERGE/DELETE churn ("Double mark", h2database issue 2752), and that is H2's bug, not the journal's.
      String url = "jdbc:h2:file:" + dir.resolve("db-" + round) + ";FILE_LOCK=FS;WRITE_DELAY=0";
      Map<String, String> model = new HashMap<>(); // key -> value; null: deleted
      boolean coalesce = round != 1;
      long seed = random.nextLong();
      int target = 110_000 + random.nextInt(40_000);
      Path stderr = dir.resolve("child-" + round + ".err");
      Process child = java(stderr, "stream", journal.toString(), url, Long.toString(seed),
          Boolean.toString(coalesce), Long.toString(next), Integer.toString(KEYS), "100");
      String[] inFlight = null;
      int acknowledged = 0;
      long lag = 0;
      boolean ready = false;
      boolean killed = false;
      try (LineReader lines = new LineReader(child.getInputStream())) {
        for (String line = lines.next(); line != null; line = lines.next()) {
          if (line.equals("READY")) {
            ready = true;
          } else if (line.startsWith("L ")) {
            lag = Long.parseLong(line.substring(2));
          } else if (line.startsWith("B ")) {
            inFlight = line.split(" ");
            next = Long.parseLong(inFlight[1]) + 1;
          } else if (line.startsWith("A ")) {
            assertThat(inFlight).as("ack without begin: " + line).isNotNull();
            apply(model, inFlight);
            inFlight = null;
            if (++acknowledged >= target && lag >= BACKLOG && !killed) {
              // SIGKILL through the process handle: Process.destroyForcibly() would also close our end of the
              // pipe and lose acknowledged lines not read yet; the handle only sends the signal.
              child.toHandle().destroyForcibly();
              killed = true;
            }
            assertThat(acknowledged).as("the backlog never reached " + BACKLOG + " (lag " + lag + ")")
                .isLessThan(1_000_000);
          }
        }
      } finally {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
      }
      assertThat(ready).as("child started; its stderr: " + Files.readString(stderr)).isTrue();
      assertThat(killed).as("killed with a backlog; its stderr: " + Files.readString(stderr)).isTrue();

      // Restart in-process on the same journal and database: one close() delivers the whole backlog.
      int concurrency = round + 1;
      WriteBehindConfig settings = TestConfigs.config(journal).batchSize(200).coalesce(coalesce)
          .concurrency(concurrency).build();
      Map<String, String> database;
      try (java.sql.Connection holder = java.sql.DriverManager.getConnection(url);
          H2Writer h2 = new H2Writer(url)) {
        // H2Writer holds one connection: with several writer threads, their calls take turns on it.
        CacheWriter<String, String> writer = concurrency == 1 ? h2 : new TakingTurns(h2);
        WriteBehindJournal<String, String> reopened = WriteBehindJournal.open(settings, writer,
            new JavaSerializer(), getClass().getClassLoader(), "crash-restart", ChronicleJournal.DEFAULT_ROLL_CYCLE);
        assertThat(reopened.metrics().replayed()).as("replayed after the kill").isGreaterThanOrEqualTo(BACKLOG);
        reopened.close();
        assertThat(reopened.metrics().leftAtClose()).as("left by close(): " + reopened).isZero();
        if (coalesce) {
          assertThat(reopened.metrics().writerEntries()).as("one entry per key").isLessThanOrEqualTo(KEYS);
        }
        try (WriteBehindJournal<String, String> again = WriteBehindJournal.open(settings, writer,
            new JavaSerializer(), getClass().getClassLoader(), "crash-again", ChronicleJournal.DEFAULT_ROLL_CYCLE)) {
          assertThat(again.metrics().replayed()).as("nothing left in the journal").isZero();
        }
        database = H2Writer.contents(url);
      }
      List<String> wrong = AcknowledgedModel.mismatches(model, database, inFlight == null ? null : inFlight[3],
          inFlight == null || inFlight[2].equals("D") ? null : inFlight[4]);
      assertThat(wrong).as("round " + round + " (" + acknowledged + " acknowledged, lag " + lag + " at the kill,"
          + " coalesce " + coalesce + ", concurrency " + concurrency + ")").isEmpty();
    }
  }

  @Test
  void missingChronicleFlagsAreListedInTheError() throws Exception {
    Path stderr = dir.resolve("flags.err");
    Process child = java(stderr, false, "flags", dir.resolve("journal").toString(),
        "jdbc:h2:mem:flags;DB_CLOSE_DELAY=-1");
    String output;
    try (InputStream in = child.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(output).as("stdout; stderr: " + Files.readString(stderr)).startsWith("REFUSED")
        .contains("--add-opens=java.base/java.lang=ALL-UNNAMED")
        .contains("--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED")
        .contains("Missing:");
    assertThat(Files.exists(dir.resolve("journal"))).as("nothing was created").isFalse();
  }

  /** A writer whose calls take turns on one that is not thread-safe. */
  private static final class TakingTurns implements CacheWriter<String, String> {
    private final CacheWriter<String, String> target;

    TakingTurns(CacheWriter<String, String> target) {
      this.target = target;
    }

    @Override
    public synchronized void write(javax.cache.Cache.Entry<? extends String, ? extends String> entry) {
      target.write(entry);
    }

    @Override
    public synchronized void writeAll(
        java.util.Collection<javax.cache.Cache.Entry<? extends String, ? extends String>> entries) {
      target.writeAll(entries);
    }

    @Override
    public synchronized void delete(Object key) {
      target.delete(key);
    }

    @Override
    public synchronized void deleteAll(java.util.Collection<?> keys) {
      target.deleteAll(keys);
    }
  }

  private static void apply(Map<String, String> model, String[] op) {
    if (op[2].equals("D")) {
      model.put(op[3], null);
    } else {
      model.put(op[3], op[4]);
    }
  }

  private static Process java(Path stderr, String... args) throws IOException {
    return java(stderr, true, args);
  }

  private static Process java(Path stderr, boolean flags, String... args) throws IOException {
    List<String> jvmFlags = new ArrayList<>();
    if (flags) {
      jvmFlags.addAll(ChronicleFlags.FLAGS);
      jvmFlags.add("-D" + ChronicleFlags.ANALYTICS_PROPERTY + "=true");
    }
    return ChildJvm.start(CrashChild.class, jvmFlags, stderr, args);
  }
}

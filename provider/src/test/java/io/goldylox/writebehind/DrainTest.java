package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import io.goldylox.testing.AcknowledgedModel;
import io.goldylox.testing.ChildJvm;
import io.goldylox.testing.ChildJvm.LineReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Drain}, the command that delivers the journal of a node that will not come back. The node is a child JVM
 * ({@link DrainChild}) writing through a cache configured by a file this test writes, to an H2 file database
 * behind a slow or held {@link DrainWriter}, killed with SIGKILL. The command runs as another child JVM when it
 * delivers (its writer is configured by system properties), and in this JVM through {@link Drain#run} when it
 * only reports. Real Chronicle journals, a real database, no mocks.
 */
class DrainTest {

  private static final Pattern TO_DELIVER = Pattern.compile("orders: (\\d+) operations to deliver");
  private static final AtomicInteger RUNS = new AtomicInteger();

  @TempDir
  Path dir;

  private Path journal() {
    return dir.resolve("journal");
  }

  private Path deadLetters() {
    return dir.resolve("journal" + io.goldylox.config.WriteBehindConfig.DEAD_LETTER_SUFFIX);
  }

  private String url() {
    // WRITE_DELAY=0: a writer must be durable when it returns (see WriteBehindCrashTest).
    return "jdbc:h2:file:" + dir.resolve("db") + ";FILE_LOCK=FS;WRITE_DELAY=0";
  }

  /** app.conf: cache orders writes behind to a {@link DrainWriter}; cache plain has no write-behind. */
  private Path config() throws IOException {
    Path file = dir.resolve("app.conf");
    Files.writeString(file, String.join("\n",
        "goldylox {",
        "  caches {",
        "    orders {",
        "      write-behind {",
        "        writer = \"" + DrainWriter.class.getName() + "\"",
        "        journal = \"" + journal() + "\"",
        "        batch-size = 16",
        "        max-delay = 5ms",
        "        retry { initial-delay = 10ms, max-delay = 10ms, max-attempts = 2 }",
        "      }",
        "    }",
        "    plain { heap.max-entries = 100 }",
        "  }",
        "}", ""));
    return file;
  }

  @Test
  void aKilledNodesBacklogIsDeliveredByTheCommand() throws Exception {
    Path conf = config();
    Random random = new Random();
    long seed = random.nextLong();
    int target = 3_000 + random.nextInt(2_000);
    Map<String, String> model = new HashMap<>(); // key -> value; null: deleted
    String[] inFlight = null;
    int acknowledged = 0;
    boolean ready = false;
    // 50 ms per writer call of at most 16 operations: at most ~320 a second reach the database while the node
    // acknowledges thousands.
    Path stderr = dir.resolve("node.err");
    Process node = node(stderr, List.of(property(DrainWriter.URL, url()), property(DrainWriter.DELAY, "50")),
        "stream", conf.toString(), Long.toString(seed));
    try (LineReader lines = new LineReader(node.getInputStream())) {
      for (String line = lines.next(); line != null; line = lines.next()) {
        if (line.equals("READY")) {
          ready = true;
        } else if (line.startsWith("B ")) {
          inFlight = line.split(" ");
        } else if (line.startsWith("A ")) {
          assertThat(inFlight).as("ack without begin: " + line).isNotNull();
          apply(model, inFlight);
          inFlight = null;
          if (++acknowledged == target) {
            // SIGKILL through the handle, which leaves our end of the pipe open (see WriteBehindCrashTest).
            node.toHandle().destroyForcibly();
          }
        }
      }
    } finally {
      node.destroyForcibly();
      node.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(ready).as("node started; its stderr: " + Files.readString(stderr)).isTrue();
    assertThat(acknowledged).isGreaterThanOrEqualTo(target);

    Run run = drainProcess(List.of(property(DrainWriter.URL, url())), "--config", conf.toString(),
        "--cache", "orders");
    assertThat(run.exit).as(run.toString()).isZero();
    Matcher toDeliver = TO_DELIVER.matcher(run.out);
    assertThat(toDeliver.find()).as(run.toString()).isTrue();
    assertThat(Long.parseLong(toDeliver.group(1))).as("a real backlog was left at the kill; " + run)
        .isBetween(1_000L, acknowledged + 1L);
    assertThat(run.out).contains("orders: lag 0,").contains("the journal " + journal() + " is empty");
    assertThat(run.err).doesNotContain("error:");

    // Reopened, the journal replays nothing.
    try (H2Writer writer = new H2Writer(url());
        WriteBehindJournal<String, String> reopened = WriteBehindJournal.open(TestConfigs.config(journal()).build(),
            writer, new JavaSerializer(), getClass().getClassLoader(), "drain-check",
            ChronicleJournal.DEFAULT_ROLL_CYCLE)) {
      assertThat(reopened.metrics().replayed()).isZero();
      assertThat(reopened.metrics().journalLag()).isZero();
      assertThat(reopened.pendingKeys()).isZero();
    }

    Map<String, String> database = H2Writer.contents(url());
    List<String> wrong = AcknowledgedModel.mismatches(model, database, inFlight == null ? null : inFlight[3],
        inFlight == null || inFlight[2].equals("D") ? null : inFlight[4]);
    assertThat(wrong).as(acknowledged + " acknowledged; " + run).isEmpty();
  }

  @Test
  void operationsLeftAreCountedAndTheCommandCanRunAgain() throws Exception {
    Path conf = config();
    leaveBacklog(List.of(property(DrainWriter.URL, url()), property(DrainWriter.DELAY, "60000")),
        "put", conf.toString(), "a=1", "b=2");

    // --dry-run says what a drain would deliver, and when it was made, and delivers nothing.
    Run look = drainProcess(List.of(property(DrainWriter.URL, url())), "--config", conf.toString(),
        "--cache", "orders", "--dry-run");
    assertThat(look.exit).as(look.toString()).isEqualTo(Drain.EXIT_LEFT);
    assertThat(look.out).contains("orders: 2 operations to deliver").containsPattern(
        "made between \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z and \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z \\(the newest \\d+m?s ago\\)")
        .contains("--dry-run: nothing delivered");
    assertThat(H2Writer.contents(url())).isEmpty();

    // The store is still held: the command gives up after --timeout (which also bounds close(), whose
    // close-timeout is infinite here) and says what is left, and where.
    Run stuck = drainProcess(List.of(property(DrainWriter.URL, url()), property(DrainWriter.DELAY, "60000")),
        "--config", conf.toString(), "--cache", "orders", "--timeout", "2s");
    assertThat(stuck.exit).as(stuck.toString()).isEqualTo(Drain.EXIT_LEFT);
    assertThat(stuck.out).contains("orders: 2 operations to deliver").contains("orders: lag 2,")
        .doesNotContain("the journal " + journal() + " is empty");
    assertThat(stuck.err).contains("error: 2 operations are left in the journal " + journal())
        .contains("--timeout 2s ran out").contains("Run the command again");

    Run done = drainProcess(List.of(property(DrainWriter.URL, url())), "--config", conf.toString(),
        "--cache", "orders");
    assertThat(done.exit).as(done.toString()).isZero();
    assertThat(H2Writer.contents(url())).isEqualTo(Map.of("a", "1", "b", "2"));
  }

  @Test
  void aMissingFileCacheOrWriteBehindBlockIsNamed() throws Exception {
    Path conf = config();
    Run missingFile = drain("--config", dir.resolve("nope.conf").toString(), "--cache", "orders");
    assertThat(missingFile.exit).as(missingFile.toString()).isEqualTo(Drain.EXIT_ERROR);
    assertThat(missingFile.err).contains("nope.conf").contains("file not found");

    Run missingCache = drain("--config", conf.toString(), "--cache", "customers");
    assertThat(missingCache.exit).as(missingCache.toString()).isEqualTo(Drain.EXIT_ERROR);
    assertThat(missingCache.err).contains("no cache 'customers'").contains(conf.toUri().toString())
        .contains("caches with write-behind there: orders");

    Run plain = drain("--config", conf.toString(), "--cache", "plain");
    assertThat(plain.exit).as(plain.toString()).isEqualTo(Drain.EXIT_ERROR);
    assertThat(plain.err).contains("The cache 'plain'").contains(conf.toUri().toString())
        .contains("has no write-behind block").contains("caches with write-behind there: orders");

    Files.writeString(conf, Files.readString(conf).replace("batch-size", "batch-sise"));
    Run badKey = drain("--config", conf.toString(), "--cache", "orders");
    assertThat(badKey.exit).as(badKey.toString()).isEqualTo(Drain.EXIT_ERROR);
    assertThat(badKey.err).contains(conf.toUri().toString())
        .contains("goldylox.caches.orders.write-behind.batch-sise").contains("unknown key");

    Run usage = drain("--config", conf.toString());
    assertThat(usage.exit).isEqualTo(Drain.EXIT_ERROR);
    assertThat(usage.err).contains("--cache <name> is required").contains("--help");
    Run help = drain("--help");
    assertThat(help.exit).isZero();
    assertThat(help.out).contains("Usage:").contains("--dead-letters clear");

    for (Run run : List.of(missingFile, missingCache, plain, badKey, usage)) {
      assertThat(run.err).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception");
    }
    assertThat(Files.exists(journal())).as("nothing was created").isFalse();

    // The same through main, in a JVM of its own: the exit status and stderr.
    Run child = drainProcess(List.of(), "--config", dir.resolve("nope.conf").toString(), "--cache", "orders");
    assertThat(child.exit).as(child.toString()).isEqualTo(Drain.EXIT_ERROR);
    assertThat(child.err).contains("error: Goldylox configuration").contains("nope.conf").doesNotContain("\tat ");
  }

  @Test
  void aJournalThatALiveProcessHoldsIsRefused() throws Exception {
    Path conf = config();
    Process node = node(dir.resolve("node.err"), List.of(property(DrainWriter.URL, url())), "put",
        conf.toString(), "a=1");
    try {
      awaitDone(node, dir.resolve("node.err"));
      Run run = drain("--config", conf.toString(), "--cache", "orders");
      assertThat(run.exit).as(run.toString()).isEqualTo(Drain.EXIT_ERROR);
      assertThat(run.err).contains("is in use by another process")
          .contains(journal().resolve(ChronicleJournal.LOCK_FILE).toString()).doesNotContain("\tat ");
    } finally {
      node.destroyForcibly();
      node.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void deadLettersArePrintedAndCleared() throws Exception {
    Path conf = config();
    // The writer is held (a minute per call): the node dies with everything still in its journal.
    leaveBacklog(List.of(property(DrainWriter.URL, url()), property(DrainWriter.DELAY, "60000")),
        "put", conf.toString(), "good1=a", "poison=p", "good2=b");

    // (Strings are written alike by both serializers: DrainSerializerTest covers a journal the wrong one refuses.)
    Run run = drainProcess(List.of(property(DrainWriter.URL, url()), property(DrainWriter.REFUSE, "poison")),
        "--config", conf.toString(), "--cache", "orders", "--dead-letters", "print");
    assertThat(run.exit).as(run.toString()).isZero();
    assertThat(run.out).contains("orders: 3 operations to deliver")
        .contains("1 moved to the dead-letter journal")
        .contains("the dead-letter journal " + deadLetters() + " holds 1 operations:")
        .containsPattern("  put key=poison value=p made=\\S+ attempts=2 failed=\\S+ error=.*test writer refused");
    assertThat(H2Writer.contents(url())).isEqualTo(Map.of("good1", "a", "good2", "b"));

    Run clear = drain("--config", conf.toString(), "--cache", "orders", "--dead-letters", "clear");
    assertThat(clear.exit).as(clear.toString()).isZero();
    assertThat(clear.out).contains("is empty: nothing to deliver")
        .containsPattern("  put key=poison value=p made=\\S+ attempts=2")
        .contains("deleted 1 dead letters from " + deadLetters());
    assertThat(Files.exists(deadLetters())).isFalse();

    Run again = drain("--config", conf.toString(), "--cache", "orders", "--dead-letters", "print");
    assertThat(again.exit).as(again.toString()).isZero();
    assertThat(again.out).contains("the dead-letter journal " + deadLetters() + " is empty")
        .doesNotContain("poison");
  }

  @Test
  void aJournalWrittenByJavaSerializationIsDeliveredByTheDefault() throws Exception {
    Path conf = config();
    leaveBacklog(List.of(property(DrainWriter.URL, url()), property(DrainWriter.DELAY, "60000"),
        property("goldylox.serializer", "java")), "put", conf.toString(), "a=1", "b=2", "c=3");
    try (JournalInspection journal = JournalInspection.open(journal())) {
      assertThat(journal.operations()).as("left by the node").isEqualTo(3);
    }

    // No --serializer, no property: Fory, the cache's default, which reads what Java serialization wrote.
    Run run = drainProcess(List.of(property(DrainWriter.URL, url())), "--config", conf.toString(), "--cache",
        "orders");
    assertThat(run.exit).as(run.toString()).isZero();
    assertThat(run.out).contains("(serializer fory)").contains("is empty");
    assertThat(H2Writer.contents(url())).isEqualTo(Map.of("a", "1", "b", "2", "c", "3"));
  }

  /**
   * The cache's journal path was changed while its old journal still held a backlog: {@code --journal} delivers
   * the old one with the file's writer, and removes the emptied journal's files.
   */
  @Test
  void aFormerJournalIsDeliveredWithDashDashJournalAndItsFilesRemoved() throws Exception {
    Path conf = config();
    leaveBacklog(List.of(property(DrainWriter.URL, url()), property(DrainWriter.DELAY, "60000")),
        "put", conf.toString(), "a=1", "b=2");
    Path former = dir.resolve("former-journal");
    Files.move(journal(), former); // as if the configuration now named another journal

    Run run = drainProcess(List.of(property(DrainWriter.URL, url())), "--config", conf.toString(), "--cache",
        "orders", "--journal", former.toString());
    assertThat(run.exit).as(run.toString()).isZero();
    assertThat(run.out).contains("orders: 2 operations to deliver from " + former)
        .contains("the journal " + former + " is empty").contains("removed the empty journal's files");
    assertThat(H2Writer.contents(url())).isEqualTo(Map.of("a", "1", "b", "2"));
    try (var left = Files.list(former)) {
      assertThat(left.map(path -> path.getFileName().toString())).as("no cycle file, table or checkpoint is left,"
          + " only the lock file (which a waiting process may hold open)").containsExactly(ChronicleJournal.LOCK_FILE);
    }
    Run again = drain("--config", conf.toString(), "--cache", "orders", "--journal", former.toString());
    assertThat(again.exit).as(again.toString()).isZero();
    assertThat(again.out).contains("is empty: nothing to deliver").contains("removed the empty journal's files");
    try (var left = Files.list(former)) {
      assertThat(left.map(path -> path.getFileName().toString())).containsExactly(ChronicleJournal.LOCK_FILE);
    }
    assertThat(Files.exists(journal())).as("the file's own journal was not touched").isFalse();
  }

  // ---------------------------------------------------------------------------------------------------------

  private static void apply(Map<String, String> model, String[] op) {
    model.put(op[3], op[2].equals("D") ? null : op[4]);
  }

  private static String property(String name, String value) {
    return "-D" + name + "=" + value;
  }

  private static List<String> chronicleFlags() {
    List<String> flags = new ArrayList<>(ChronicleFlags.FLAGS);
    flags.add(property(ChronicleFlags.ANALYTICS_PROPERTY, "true"));
    return flags;
  }

  private static Process node(Path stderr, List<String> properties, String... args) throws IOException {
    List<String> flags = chronicleFlags();
    flags.addAll(properties);
    return ChildJvm.start(DrainChild.class, flags, stderr, args);
  }

  /**
   * Runs a node ({@link DrainChild}) that does {@code args} and says DONE, with its writer held by
   * {@code properties}, and kills it: what it acknowledged is left in its journal.
   */
  private void leaveBacklog(List<String> properties, String... args) throws IOException, InterruptedException {
    Path stderr = dir.resolve("node.err");
    Process node = node(stderr, properties, args);
    try {
      awaitDone(node, stderr);
    } finally {
      node.destroyForcibly();
      node.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void awaitDone(Process node, Path stderr) throws IOException {
    // Fory logs to stdout; the node's own lines are the ones we wait for.
    LineReader lines = new LineReader(node.getInputStream());
    String line = lines.next();
    while (line != null && !line.equals("DONE")) {
      line = lines.next();
    }
    assertThat(line).as("the node's stderr: " + Files.readString(stderr)).isEqualTo("DONE");
  }

  /** The command's exit status and output. */
  private static final class Run {
    final int exit;
    final String out;
    final String err;

    Run(int exit, String out, String err) {
      this.exit = exit;
      this.out = out;
      this.err = err;
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
    }
  }

  /** Runs the command in this JVM. */
  private static Run drain(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Drain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs the command as its own JVM, with the Chronicle flags and {@code properties}. */
  private Run drainProcess(List<String> properties, String... args) throws Exception {
    List<String> flags = chronicleFlags();
    flags.addAll(properties);
    Path stderr = dir.resolve("drain-" + RUNS.incrementAndGet() + ".err");
    Process process = ChildJvm.start(Drain.class, flags, stderr, args);
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the command finished").isTrue();
    return new Run(process.exitValue(), out, Files.readString(stderr));
  }
}

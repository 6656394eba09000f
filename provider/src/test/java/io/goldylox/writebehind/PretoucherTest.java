package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pretoucher against real Chronicle journals in a temporary directory (the machine's file system), a real H2
 * database behind {@link H2Writer} and real threads: space ahead of the append position is allocated, the next
 * cycle's file is pre-created and used by the roll, and close stops the thread and removes its files.
 */
class PretoucherTest {

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final String VALUE = "v".repeat(200);

  @TempDir
  Path dir;

  private final String url = "jdbc:h2:mem:pretouch" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private WriteBehindJournal<String, String> open(String rollCycle) {
    H2Writer writer = new H2Writer(url);
    toClose.add(writer);
    WriteBehindJournal<String, String> journal = WriteBehindJournal.open(
        TestConfigs.config(dir.resolve("journal")).maxDelay(Duration.ofMillis(5))
            .closeTimeout(Duration.ofSeconds(5)).build(),
        writer, new JavaSerializer(), getClass().getClassLoader(), "pretouch", rollCycle);
    toClose.add(journal);
    return journal;
  }

  private List<Path> files(String suffix) throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("journal"))) {
      return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }

  /** Bytes the file system allocated to {@code file} ({@code stat %b}, in 512-byte blocks). */
  private static long allocated(Path file) throws IOException, InterruptedException {
    Process stat = new ProcessBuilder("stat", "-c", "%b", file.toString()).redirectErrorStream(true).start();
    String output = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(stat.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(stat.exitValue()).as(output).isZero();
    return Long.parseLong(output) * 512;
  }

  private static long allocatedQuietly(Path file) {
    try {
      return allocated(file);
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean pretoucherRunning() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("goldylox-writebehind-pretouch-pretouch") && t.isAlive());
  }

  @Test
  void spaceAheadOfTheAppendsIsAllocatedAndCloseStopsThePretoucher() throws Exception {
    WriteBehindJournal<String, String> journal = open(ChronicleJournal.DEFAULT_ROLL_CYCLE);
    for (int i = 0; i < 3000; i++) { // about 700 KiB of records
      journal.put("k" + i, VALUE);
    }
    Path cycleFile = files(".cq4").get(files(".cq4").size() - 1);
    // Chronicle's file is sparse (80 MiB long); what is allocated is what was written plus the window ahead.
    Await.until(() -> allocatedQuietly(cycleFile) >= 700_000 + Pretoucher.WINDOW - Pretoucher.STEP,
        Duration.ofSeconds(10), () -> cycleFile + " has " + allocatedQuietly(cycleFile) + " bytes allocated");
    assertThat(allocated(cycleFile)).isLessThan(Files.size(cycleFile));
    assertThat(files(".precreated")).as("the next cycle's file is ready").hasSize(1);
    assertThat(pretoucherRunning()).isTrue();
    Await.drained(journal);
    assertThat(H2Writer.contents(url)).hasSize(3000);

    journal.close();
    assertThat(pretoucherRunning()).as("close stops the pretoucher").isFalse();
    assertThat(files(".precreated")).as("close deletes the pre-created files").isEmpty();
    assertThat(files(".precreating")).isEmpty();
  }

  @Test
  void aRollRenamesThePreCreatedFileIntoPlace() throws Exception {
    WriteBehindJournal<String, String> journal = open("TEST_SECONDLY");
    Map<String, String> expected = new TreeMap<>();
    journal.put("first", VALUE);
    expected.put("first", VALUE);
    Path precreated = files(".precreated").get(0);
    Object inode = Files.getAttribute(precreated, "unix:ino");
    String cycleFile = precreated.getFileName().toString().replace(".precreated", ".cq4");
    // Put until the journal has rolled into that cycle.
    for (int i = 0; !Files.exists(dir.resolve("journal").resolve(cycleFile)); i++) {
      journal.put("k" + i, VALUE);
      expected.put("k" + i, VALUE);
      Thread.sleep(10);
    }
    assertThat(Files.getAttribute(dir.resolve("journal").resolve(cycleFile), "unix:ino"))
        .as("Chronicle renamed the pre-created file into place instead of creating one").isEqualTo(inode);
    assertThat(Files.exists(precreated)).isFalse();
    Await.drained(journal);
    assertThat(H2Writer.contents(url)).isEqualTo(expected);
  }

  @Test
  void withThePropertyFalseThereIsNoPretoucher() throws Exception {
    System.setProperty(Pretoucher.PROPERTY, "false");
    WriteBehindJournal<String, String> journal;
    try {
      journal = open(ChronicleJournal.DEFAULT_ROLL_CYCLE);
    } finally {
      System.clearProperty(Pretoucher.PROPERTY);
    }
    for (int i = 0; i < 3000; i++) {
      journal.put("k" + i, VALUE);
    }
    Path cycleFile = files(".cq4").stream().max(Comparator.naturalOrder()).orElseThrow();
    assertThat(pretoucherRunning()).isFalse();
    assertThat(files(".precreated")).isEmpty();
    assertThat(allocated(cycleFile)).as("only what Chronicle wrote is allocated")
        .isLessThan(700_000 + Pretoucher.STEP);
    Await.drained(journal);
    assertThat(H2Writer.contents(url)).hasSize(3000);
  }
}

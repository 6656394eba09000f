package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.goldylox.serialization.JavaSerializer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.integration.CacheWriterException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write-behind on a real full file system: a 16 MiB tmpfs mounted for each test (the tests run as root, as CI
 * does; when mounting is refused the test fails, saying why), filled by a filler file. A put that finds the disk
 * full must fail with a {@link CacheWriterException} naming the journal, lose nothing accepted before, deliver
 * nothing it refused, and the journal must work again once the filler is deleted. Real Chronicle journals, a
 * real H2 database (in memory, so not on the full disk) behind {@link H2Writer}.
 */
class WriteBehindFullDiskTest {

  private static final AtomicInteger DATABASES = new AtomicInteger();
  /** About 1 KiB per record, so the 2 MiB the pretoucher keeps ahead is used up in about 2,000 puts. */
  private static final String VALUE = "v".repeat(1000);

  @TempDir
  Path dir;

  private Path mount;
  private final String url = "jdbc:h2:mem:full" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void mountSmallFileSystem() throws Exception {
    mount = Files.createDirectory(dir.resolve("tmpfs"));
    String output = run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount.toString());
    if (output != null) {
      fail("These tests need a small file system of their own, mounted with 'mount -t tmpfs -o size=16m tmpfs "
          + mount + "' (as root, as CI runs them), and mounting failed: " + output);
    }
  }

  @AfterEach
  void unmount() throws Exception {
    try {
      for (int i = toClose.size() - 1; i >= 0; i--) {
        toClose.get(i).close();
      }
    } finally {
      if (mount != null) {
        String output = run("umount", mount.toString());
        if (output != null) {
          run("umount", "-l", mount.toString());
        }
      }
    }
  }

  /** Runs a command; returns null on success, else its exit code and output. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return "timed out: " + String.join(" ", command);
    }
    return process.exitValue() == 0 ? null : "exit code " + process.exitValue() + ": " + output;
  }

  private WriteBehindJournal<String, String> open(H2Writer writer, String rollCycle) {
    WriteBehindJournal<String, String> journal = WriteBehindJournal.open(
        TestConfigs.config(mount.resolve("journal")).maxDelay(Duration.ofMillis(5))
            .closeTimeout(Duration.ofSeconds(5)).build(),
        writer, new JavaSerializer(), getClass().getClassLoader(), "full", rollCycle);
    toClose.add(journal);
    return journal;
  }

  private H2Writer writer() {
    H2Writer writer = new H2Writer(url);
    toClose.add(writer);
    return writer;
  }

  /** Writes a filler file until the file system is full, then gives back {@code leave} bytes. */
  private Path fill(long leave) throws IOException {
    Path filler = mount.resolve("filler");
    try (RandomAccessFile out = new RandomAccessFile(filler.toFile(), "rw")) {
      byte[] block = new byte[64 << 10];
      try {
        while (true) {
          out.write(block);
        }
      } catch (IOException full) {
        // No space left on device: the file system is full.
      }
      out.setLength(Math.max(0, out.length() - leave));
    }
    return filler;
  }

  private static void assertDiskFull(CacheWriterException refused, Path journal) {
    assertThat(refused.getMessage()).contains(journal.toString()).contains("disk").contains("is full")
        .contains("put");
  }

  @Test
  void aFullDiskFailsThePutCleanlyAndTheJournalWorksAgainOnceSpaceIsFreed() throws Exception {
    H2Writer writer = writer();
    WriteBehindJournal<String, String> journal = open(writer, ChronicleJournal.DEFAULT_ROLL_CYCLE);
    Map<String, String> accepted = new TreeMap<>();
    for (int i = 0; i < 10; i++) {
      journal.put("before" + i, VALUE + i);
      accepted.put("before" + i, VALUE + i);
    }
    // The pretoucher allocates ahead on its own thread once woken by the first append to the file; on a busy
    // machine that round may come after the filler, so wait for it (this test is about the allocated room).
    Await.until(() -> journal.allocatedAhead() >= Pretoucher.WINDOW / 2, Duration.ofSeconds(20),
        () -> "allocated ahead: " + journal.allocatedAhead() + " " + journal);
    Path filler = fill(256 << 10);

    CacheWriterException refused = null;
    List<String> refusedKeys = new ArrayList<>();
    for (int i = 0; i < 100_000 && refused == null; i++) {
      try {
        journal.put("k" + i, VALUE + i);
        accepted.put("k" + i, VALUE + i);
      } catch (CacheWriterException e) {
        refused = e;
        refusedKeys.add("k" + i);
      }
    }
    assertThat(refused).as("a put on the full disk fails").isNotNull();
    assertDiskFull(refused, mount.resolve("journal"));
    assertThat(accepted.size()).as("the room allocated ahead was used first").isGreaterThan(100);
    // While the disk stays full, puts keep failing the same way, and deletes too.
    for (int i = 0; i < 20; i++) {
      try {
        journal.put("again" + i, VALUE);
        fail("a put succeeded on the full disk");
      } catch (CacheWriterException e) {
        assertDiskFull(e, mount.resolve("journal"));
        refusedKeys.add("again" + i);
      }
    }
    for (String key : refusedKeys) {
      assertThat(journal.pending(key)).as("a refused put is not pending").isNull();
    }

    Files.delete(filler);
    // The pretoucher retries on its backoff (at most a second) and lets puts through again.
    Await.until(() -> {
      try {
        journal.put("after0", VALUE);
        return true;
      } catch (CacheWriterException e) {
        return false;
      }
    }, Duration.ofSeconds(20), journal::toString);
    accepted.put("after0", VALUE);
    for (int i = 1; i < 500; i++) {
      journal.put("after" + i, VALUE + i);
      accepted.put("after" + i, VALUE + i);
    }
    Await.drained(journal);

    Map<String, String> database = H2Writer.contents(url);
    assertThat(database).as("every accepted operation reached the writer, and nothing refused")
        .isEqualTo(accepted);
    assertThat(journal.flusherFailure()).isNull();
  }

  @Test
  void aRollOntoAFullDiskFailsThePutInsteadOfCrashingTheJvm() throws Exception {
    // Without pre-created cycle files, Chronicle's first write to a new cycle file on a full disk is a SIGBUS
    // in a compare-and-set, which kills the JVM. Cycles of one second roll several times in this test.
    H2Writer writer = writer();
    WriteBehindJournal<String, String> journal = open(writer, "TEST_SECONDLY");
    Map<String, String> accepted = new TreeMap<>();
    journal.put("before", VALUE);
    accepted.put("before", VALUE);
    Path filler = fill(0);

    CacheWriterException refused = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int i = 0; refused == null && System.nanoTime() < deadline; i++) {
      try {
        journal.put("k" + i, VALUE + i);
        accepted.put("k" + i, VALUE + i);
      } catch (CacheWriterException e) {
        refused = e;
        assertThat(journal.pending("k" + i)).isNull();
      }
      Thread.sleep(20); // spread the puts over several cycles
    }
    assertThat(refused).as("a put fails once no allocated cycle file is left").isNotNull();
    assertDiskFull(refused, mount.resolve("journal"));
    // Across the next cycles (several rolls) every put either fails cleanly or is accepted, and the JVM lives.
    // A put may be accepted again: when a cycle passes whose pre-created file no append used, the pretoucher
    // deletes that file, and the megabyte it frees is real space for the next appends.
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
    for (int i = 0; System.nanoTime() < until; i++) {
      try {
        journal.put("again" + i, VALUE);
        accepted.put("again" + i, VALUE);
      } catch (CacheWriterException e) {
        assertDiskFull(e, mount.resolve("journal"));
        assertThat(journal.pending("again" + i)).isNull();
      }
      Thread.sleep(20);
    }

    Files.delete(filler);
    Await.until(() -> {
      try {
        journal.put("after", VALUE);
        return true;
      } catch (CacheWriterException e) {
        return false;
      }
    }, Duration.ofSeconds(20), journal::toString);
    accepted.put("after", VALUE);
    Await.drained(journal);
    assertThat(H2Writer.contents(url)).isEqualTo(accepted);
    assertThat(journal.flusherFailure()).isNull();
  }
}

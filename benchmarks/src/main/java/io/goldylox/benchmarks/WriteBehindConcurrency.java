package io.goldylox.benchmarks;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.JavaSerializer;
import io.goldylox.writebehind.WriteBehindJournal;
import io.goldylox.writebehind.WriteBehindMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;

/**
 * Does {@code write-behind.concurrency} help a writer that scales out? A killed node's backlog (500,000 operations
 * over 100,000 keys, left by a child JVM killed with SIGKILL, as in {@link WriteBehindThroughput}) is delivered by
 * a fresh open and {@code close()} with 1, 2 and 4 writer threads, the settings taking turns, to an H2 file
 * database ({@code WRITE_DELAY=0}) through a thread-safe writer that holds one connection per calling thread, as a
 * writer over a connection pool does. Reported: the delivery time (open to the end of close) and writer entries per
 * second, per round and together. Runs in its own JVM (the Chronicle flags are needed).
 *
 * <pre>{@code java --add-opens... -cp benchmarks/target/benchmarks.jar io.goldylox.benchmarks.WriteBehindConcurrency}</pre>
 */
public final class WriteBehindConcurrency {

  private static final int OPERATIONS = 500_000;
  private static final int KEYS = 100_000;
  private static final int[] SETTINGS = {1, 2, 4};

  private WriteBehindConcurrency() {}

  /**
   * A thread-safe writer: an {@link H2KvWriter}, with its own connection, per calling thread (what a pool gives each
   * call).
   */
  static final class ConnectionPerThreadWriter implements CacheWriter<String, String>, AutoCloseable {
    private final List<H2KvWriter> opened = new ArrayList<>();
    private final ThreadLocal<H2KvWriter> writer;

    ConnectionPerThreadWriter(String url) {
      writer = ThreadLocal.withInitial(() -> {
        H2KvWriter w = new H2KvWriter(url);
        synchronized (opened) {
          opened.add(w);
        }
        return w;
      });
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      writer.get().write(entry);
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      writer.get().writeAll(entries);
    }

    @Override
    public void delete(Object key) {
      writer.get().delete(key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      writer.get().deleteAll(keys);
    }

    @Override
    public void close() throws SQLException {
      synchronized (opened) {
        for (H2KvWriter w : opened) {
          w.close();
        }
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 3;
    long[] nanos = new long[SETTINGS.length];
    long[] entries = new long[SETTINGS.length];
    StringBuilder rows = new StringBuilder();
    // Round 0 warms the JVM up (H2 keeps getting faster for 15-20 s of work here) and is not counted.
    for (int round = 0; round <= rounds; round++) {
      for (int turn = 0; turn < SETTINGS.length; turn++) {
        int index = (turn + round) % SETTINGS.length; // the settings take turns going first
        int concurrency = SETTINGS[index];
        Path dir = Files.createTempDirectory("goldylox-wb-concurrency");
        try {
          WriteBehindThroughput.killedWithBacklog(dir.resolve("journal"), OPERATIONS, KEYS);
          long[] result = deliver(dir, concurrency);
          String row = String.format(Locale.ROOT, "| %s | %d | %,d | %,.0f | %,.0f |%n", round == 0 ? "warm-up"
              : Integer.toString(round), concurrency, result[1], result[0] / 1e6, result[1] * 1e9 / result[0]);
          System.out.print(row);
          if (round > 0) {
            rows.append(row);
            nanos[index] += result[0];
            entries[index] += result[1];
          }
        } finally {
          JournalFiles.deleteTree(dir);
        }
      }
    }
    StringBuilder md = new StringBuilder("\n| round | concurrency | writer entries | open + close ms | entries/s |\n")
        .append("|---|---|---|---|---|\n").append(rows).append("\nAll rounds together:\n\n");
    for (int i = 0; i < SETTINGS.length; i++) {
      md.append(String.format(Locale.ROOT, "- concurrency %d: %,.0f entries/s (%.2fx concurrency 1)%n", SETTINGS[i],
          entries[i] * 1e9 / nanos[i], (entries[i] * 1e9 / nanos[i]) / (entries[0] * 1e9 / nanos[0])));
    }
    String header = "# Write-behind with several writer threads\n\n`java <chronicle flags> -cp benchmarks/target/"
        + "benchmarks.jar io.goldylox.benchmarks.WriteBehindConcurrency " + rounds + "` (" + java.time.LocalDate.now()
        + ", " + Runtime.getRuntime().availableProcessors() + " cores). A killed node's backlog of "
        + String.format(Locale.ROOT, "%,d operations over %,d keys", OPERATIONS, KEYS) + " (a child JVM killed with"
        + " SIGKILL) delivered by open + close() with `concurrency` 1, 2 and 4, taking turns, to an H2 file database"
        + " (WRITE_DELAY=0, MERGE/DELETE batches, one transaction per call) through a writer with one connection per"
        + " calling thread; batch-size 200, coalescing. A warm-up round first, not counted.\n";
    Path markdown = ChildJvm.markdownFile(args, false, "writebehind-concurrency.md");
    Files.createDirectories(markdown.toAbsolutePath().getParent());
    Files.writeString(markdown, header + md);
    System.out.print(md);
  }

  /** Opens the journal in {@code dir} with {@code concurrency} writer threads and closes it: {nanos, entries}. */
  private static long[] deliver(Path dir, int concurrency) throws Exception {
    try (ConnectionPerThreadWriter writer = new ConnectionPerThreadWriter(
        "jdbc:h2:file:" + dir.resolve("db") + ";WRITE_DELAY=0")) {
      RecordingWriter.install(writer);
      WriteBehindConfig settings = WriteBehindConfig.builder().writer(new RecordingWriter.Given())
          .journal(dir.resolve("journal")).batchSize(200).maxDelay(Duration.ofMillis(50)).coalesce(true)
          .concurrency(concurrency).build();
      long start = System.nanoTime();
      WriteBehindJournal<String, String> journal = WriteBehindJournal.open(settings, new JavaSerializer(),
          WriteBehindConcurrency.class.getClassLoader(), "concurrency");
      journal.close();
      long elapsed = System.nanoTime() - start;
      WriteBehindMetrics metrics = journal.metrics();
      if (metrics.leftAtClose() != 0 || metrics.replayed() < OPERATIONS) {
        throw new IllegalStateException("replay incomplete: " + metrics);
      }
      return new long[] {elapsed, metrics.writerEntries()};
    }
  }
}

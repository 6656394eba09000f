package io.goldylox.benchmarks;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.JavaSerializer;
import io.goldylox.writebehind.WriteBehindJournal;
import io.goldylox.writebehind.WriteBehindMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;

/**
 * What the flusher costs on its own: the replay of {@link WriteBehindThroughput} (a child JVM journals
 * {@code ops} operations over {@code keys} keys and is killed with SIGKILL), delivered {@code rounds} times from
 * a pristine copy of the same journal to a writer that does nothing, so the flusher's busy time is all its own
 * (claiming and resolving keys in the pending index, batching, checkpointing). Prints each round's busy time per
 * writer entry; run it under {@code perf} to see where that goes.
 *
 * <pre>{@code java <chronicle flags> -cp benchmarks/target/benchmarks.jar io.goldylox.benchmarks.FlusherOverhead 120000 5000 50}</pre>
 */
public final class FlusherOverhead {

  /** Accepts everything and does nothing. */
  static final class NothingWriter implements CacheWriter<String, String> {
    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {}

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      entries.clear();
    }

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(Collection<?> keys) {
      keys.clear();
    }
  }

  private FlusherOverhead() {}

  public static void main(String[] args) throws Exception {
    int operations = args.length > 0 ? Integer.parseInt(args[0]) : 120_000;
    int keys = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    Path dir = Files.createTempDirectory("goldylox-flusher-overhead");
    try {
      Path journal = dir.resolve("journal");
      WriteBehindThroughput.killedWithBacklog(journal, operations, keys);
      Path pristine = dir.resolve("pristine");
      JournalFiles.copyTree(journal, pristine);
      RecordingWriter.install(new NothingWriter());
      double best = Double.MAX_VALUE;
      for (int round = 0; round < rounds; round++) {
        delete(journal);
        JournalFiles.copyTree(pristine, journal);
        WriteBehindConfig settings = WriteBehindConfig.builder().writer(new RecordingWriter.Given())
            .journal(journal).batchSize(200).maxDelay(Duration.ofMillis(50)).coalesce(true).build();
        long start = System.nanoTime();
        WriteBehindJournal<String, String> opened = WriteBehindJournal.open(settings, new JavaSerializer(),
            FlusherOverhead.class.getClassLoader(), "replay");
        long open = System.nanoTime();
        opened.close();
        long closed = System.nanoTime();
        WriteBehindMetrics metrics = opened.metrics();
        double perEntry = (double) metrics.flusherBusyNanos() / metrics.writerEntries();
        best = Math.min(best, perEntry);
        System.out.printf(Locale.ROOT, "round %d: open %.1f ms, close %.1f ms, flusher busy %.1f ms for %d writer"
                + " entries: %.0f ns per entry%n", round, (open - start) / 1e6, (closed - open) / 1e6,
            metrics.flusherBusyNanos() / 1e6, metrics.writerEntries(), perEntry);
      }
      System.out.printf(Locale.ROOT, "best round: %.0f ns per writer entry%n", best);
    } finally {
      delete(dir);
    }
  }

  private static void delete(Path dir) throws Exception {
    if (Files.exists(dir)) {
      JournalFiles.deleteTree(dir);
    }
  }
}

package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.spi.GoldyloxCachingProvider;
import io.goldylox.writebehind.WriteBehindMetrics;
import io.goldylox.testing.AcknowledgedModel;
import io.goldylox.testing.ChildJvm;
import io.goldylox.testing.ChildJvm.LineReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's crash test at the level of the cache: a child JVM ({@link CacheCrashChild}) opens a Goldylox cache
 * through the JCache API with write-behind into an H2 file database and streams puts and removes over 200 keys,
 * printing each operation after {@code put}/{@code remove} returned; the test SIGKILLs it mid-stream, reopens the
 * same cache (same journal, same database) in this JVM, waits for the journal lag to reach 0, and compares the
 * database with the model of the acknowledged operations. Three crashes in a row on the same journal and database
 * (the second without coalescing), each round building on the state the previous one left.
 *
 * <p>What may differ from the model, and why: the child prints {@code A n} after operation n returned and before
 * operation n+1 starts, so when the last line read is {@code A L}, operation L+1 may have been applied (journaled)
 * but not printed, and no later one can have started. So exactly one key, L+1's, may hold either its modelled
 * value or the outcome of operation L+1 (the child's stream is a function of its seed, so the test knows it);
 * every other key must equal the model exactly: the final value of its last acknowledged put, or absent after an
 * acknowledged remove.
 */
class WriteBehindCrashTest {

  private static final int ROUNDS = 3;

  @TempDir
  Path dir;

  @Test
  void theDatabaseHoldsEveryAcknowledgedOperationAfterKill9AndReopen() throws Exception {
    Path journal = dir.resolve("journal");
    // WRITE_DELAY=0: every commit is in the file when commit() returns; the writer must be durable when it
    // returns, since the journal then forgets the operations.
    String url = "jdbc:h2:file:" + dir.resolve("db") + ";FILE_LOCK=FS;WRITE_DELAY=0";
    Random random = new Random();
    Map<String, String> model = new HashMap<>(); // key -> value; absent or null: no row
    long first = 0;
    for (int round = 0; round < ROUNDS; round++) {
      boolean coalesce = round != 1;
      long seed = random.nextLong();
      int target = 300 + random.nextInt(1_200);
      int maxLag = 16 + random.nextInt(300);
      String context = String.format("round %d (seed %d, first op %d, kill after %d acks, max lag %d, coalesce %s)",
          round, seed, first, target, maxLag, coalesce);

      Path stderr = dir.resolve("child-" + round + ".err");
      Process child = child(stderr, journal.toString(), url, Long.toString(seed), Long.toString(first),
          Boolean.toString(coalesce), Integer.toString(maxLag));
      long lastAcknowledged = first - 1;
      boolean ready = false;
      try (LineReader lines = new LineReader(child.getInputStream())) {
        for (String line = lines.next(); line != null; line = lines.next()) {
          if (line.equals("READY")) {
            ready = true;
          } else if (line.startsWith("A ")) {
            long n = Long.parseLong(line.substring(2));
            assertThat(n).as("acknowledgements in order; %s", context).isEqualTo(lastAcknowledged + 1);
            apply(model, CacheCrashChild.op(seed, n));
            lastAcknowledged = n;
            if (n - first + 1 == target) {
              // SIGKILL through the process handle: Process.destroyForcibly() would also close our end of the
              // pipe and lose acknowledgements not read yet; the handle only sends the signal.
              child.toHandle().destroyForcibly();
            }
          }
        }
      } finally {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
      }
      assertThat(ready).as("child started; its stderr: %s", Files.readString(stderr)).isTrue();
      long acknowledged = lastAcknowledged - first + 1;
      assertThat(acknowledged).as("acknowledged before the kill; %s", context).isGreaterThanOrEqualTo(target);

      // Reopen the same cache here: the journal replays what the writer had not acknowledged.
      long replayed;
      GoldyloxCachingProvider provider = new GoldyloxCachingProvider();
      try (CacheManager manager = provider.getCacheManager(CacheCrashChild.MANAGER, getClass().getClassLoader())) {
        Cache<String, String> cache = manager.createCache(CacheCrashChild.CACHE,
            CacheCrashChild.configuration(journal, url, coalesce));
        WriteBehindMetrics metrics = cache.unwrap(GoldyloxCache.class).writeBehind().metrics();
        replayed = metrics.replayed();
        awaitLagZero(metrics, context);
      } finally {
        provider.close();
      }

      Map<String, String> database = CacheCrashChild.Store.contents(url);
      CacheCrashChild.Op unprinted = CacheCrashChild.op(seed, lastAcknowledged + 1);
      List<String> wrong = AcknowledgedModel.mismatches(model, database, unprinted.key(), unprinted.value());
      System.out.printf("WriteBehindCrashTest %s: %d acknowledged, %d replayed, %d rows%n", context, acknowledged,
          replayed, database.size());
      assertThat(wrong).as("%s: %d acknowledged, %d replayed", context, acknowledged, replayed).isEmpty();
      assertThat(database).as("the stream wrote something; %s", context).isNotEmpty();
      first = lastAcknowledged + 2; // a fresh number for every operation: values never repeat across rounds
    }
  }

  private static void apply(Map<String, String> model, CacheCrashChild.Op op) {
    model.put(op.key(), op.value()); // a remove models as null: no row
  }

  private static void awaitLagZero(WriteBehindMetrics metrics, String context) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (metrics.journalLag() != 0) {
      assertThat(System.nanoTime() - deadline).as("lag never reached 0: %s; %s", metrics, context).isNegative();
      Thread.sleep(5);
    }
  }

  /** A child JVM on this class path with the Chronicle flags this JVM was given (Surefire's argLine). */
  private static Process child(Path stderr, String... args) throws IOException {
    List<String> flags = ChildJvm.chronicleFlagsOfThisJvm();
    assertThat(flags).as("Chronicle's flags in this JVM's arguments").isNotEmpty();
    return ChildJvm.start(CacheCrashChild.class, flags, stderr, args);
  }
}

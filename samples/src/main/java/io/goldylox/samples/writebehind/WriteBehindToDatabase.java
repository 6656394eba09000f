package io.goldylox.samples.writebehind;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.WriteBehindConfig;
import io.goldylox.samples.QuickStart;
import io.goldylox.writebehind.WriteBehindMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;

/**
 * Sample 2: write-behind into a real database. The cache {@value #CACHE_NAME} (Long order id to description)
 * journals every put in a Chronicle Queue and returns; its flusher delivers the journal to a {@link JdbcOrderWriter}
 * in batches. The program puts {@code --entries} orders (default 100,000) printing once a second the puts per second
 * and the journal lag, then prints the lag draining to 0 once a second and checks that the table has exactly as
 * many rows as the cache has entries.
 *
 * <h2>Where</h2>
 * {@code --dir DIR} holds the journal and, unless {@code --jdbc-url} names another database, the embedded H2
 * database {@code DIR/orders.mv.db}; without {@code --dir} a temporary directory is used and removed at the end.
 * {@code --jdbc-url URL [--user U] [--password P]} writes to another database, e.g.
 * {@code jdbc:postgresql://localhost/shop} (put its JDBC driver on the class path: the samples only bring H2). The
 * table {@code orders} is created if missing, and emptied when a run starts on a new journal.
 *
 * <h2>Crash and replay</h2>
 * {@code --crash [N]} kills the JVM with {@code Runtime.halt(137)} (no shutdown hook, no close: as a
 * {@code kill -9} would) right after the N-th put returned (default: half of {@code --entries}); it writes N to
 * {@code DIR/acknowledged.txt} first. A later run on the same {@code --dir} (and database) finds the journal: the
 * cache's write-behind replays every operation the writer had not acknowledged, and the program prints how many,
 * waits for them to drain and checks that every acknowledged order is in the table. Then it goes on with its
 * own puts ({@code --entries 0}: none).
 *
 * <pre>
 * mvn -B -q -pl samples -am package exec:exec -DskipTests \
 *   -Ddemo.mainClass=io.goldylox.samples.writebehind.WriteBehindToDatabase -Ddemo.args="--dir /tmp/wb --crash"
 * mvn -B -q -pl samples -am package exec:exec -DskipTests \
 *   -Ddemo.mainClass=io.goldylox.samples.writebehind.WriteBehindToDatabase -Ddemo.args="--dir /tmp/wb --entries 0"
 * </pre>
 * (Maven reports the first run's exit code 137 as a failure: that is the crash.)
 *
 * <p>Threads: the main thread puts and prints; the cache's flusher thread calls the writer. Needs the JVM flags of
 * Chronicle Queue ({@code ${chronicle.jvm.flags}}, which {@code exec:exec} passes).
 */
public final class WriteBehindToDatabase {

  /** The cache's name. */
  public static final String CACHE_NAME = "orders";
  /** The exit code of {@code --crash}. */
  public static final int CRASH_EXIT_CODE = 137;
  /** The file in {@code --dir} where {@code --crash} records how many puts were acknowledged. */
  public static final String ACKNOWLEDGED_FILE = "acknowledged.txt";

  static final String USAGE = "Usage: WriteBehindToDatabase [--dir DIR] [--jdbc-url URL [--user U] [--password P]]"
      + " [--entries N] [--crash [N]]";

  private WriteBehindToDatabase() {}

  /** What to run. {@code dir} null: a temporary directory; {@code jdbcUrl} null: H2 in {@code dir}. */
  public record Options(Path dir, String jdbcUrl, String user, String password, int entries, int crashAfter) {
    public Options {
      if (entries < 0) {
        throw new IllegalArgumentException("--entries cannot be negative: " + entries);
      }
      if (crashAfter == 0 || crashAfter > entries) {
        throw new IllegalArgumentException("--crash needs a number of puts between 1 and --entries (" + entries
            + "), not " + crashAfter);
      }
      if (jdbcUrl != null && !jdbcUrl.startsWith("jdbc:")) {
        throw new IllegalArgumentException("Not a JDBC URL (it must start with \"jdbc:\"): " + jdbcUrl);
      }
      if (jdbcUrl == null && (user != null || password != null)) {
        throw new IllegalArgumentException("--user and --password go with --jdbc-url. " + USAGE);
      }
    }

    boolean crashes() {
      return crashAfter > 0;
    }

    public static Options parse(String... args) {
      Path dir = null;
      String url = null;
      String user = null;
      String password = null;
      int entries = 100_000;
      boolean crash = false;
      Integer crashAfter = null;
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (name.equals("--crash")) {
          crash = true;
          if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
            crashAfter = number(name, args[++i]);
          }
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(name + " needs a value. " + USAGE);
        }
        String value = args[++i];
        switch (name) {
          case "--dir" -> dir = Path.of(value).toAbsolutePath();
          case "--jdbc-url" -> url = value;
          case "--user" -> user = value;
          case "--password" -> password = value;
          case "--entries" -> entries = number(name, value);
          default -> throw new IllegalArgumentException("Unknown option " + name + ". " + USAGE);
        }
      }
      int crashAt = !crash ? -1 : crashAfter != null ? crashAfter : Math.max(1, entries / 2);
      if (crash && dir == null) {
        throw new IllegalArgumentException("--crash needs --dir: the run after the crash must find the journal");
      }
      return new Options(dir, url, user, password, entries, crashAt);
    }

    private static int number(String option, String text) {
      try {
        return Integer.parseInt(text.replace("_", "").replace(",", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " needs a number, not \"" + text + "\". " + USAGE);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    run(System.out, Options.parse(args));
  }

  /** Runs the sample (and never returns with {@code --crash}); returns the table's final row count. */
  public static long run(PrintStream out, Options options) throws Exception {
    boolean temporary = options.dir() == null;
    Path dir = temporary ? Files.createTempDirectory("goldylox-write-behind-") : options.dir();
    try {
      return run(out, options, dir);
    } finally {
      if (temporary) {
        deleteRecursively(dir);
        out.println("Removed " + dir);
      }
    }
  }

  private static long run(PrintStream out, Options options, Path dir) throws Exception {
    Files.createDirectories(dir);
    Path journal = dir.resolve("journal");
    boolean recovering = Files.isDirectory(journal);
    OrdersTable table = options.jdbcUrl() != null
        ? new OrdersTable(options.jdbcUrl(), options.user(), options.password())
        : OrdersTable.h2File(dir, CACHE_NAME);
    table.create();
    out.println("Database: " + table);
    out.println("Journal:  " + journal + (recovering ? " (found: recovering from the previous run)" : " (new)"));
    if (!recovering) {
      table.truncate();
      Files.deleteIfExists(dir.resolve(ACKNOWLEDGED_FILE));
    }

    GoldyloxConfiguration<Long, String> configuration = GoldyloxConfiguration.builder(Long.class, String.class)
        .statistics(true)
        .writeBehind(WriteBehindConfig.builder()
            .writer(new JdbcOrderWriter.Factory(table))
            .journal(journal)
            .batchSize(500)
            .build())
        .build();

    try (CacheManager manager = Caching.getCachingProvider().getCacheManager()) {
      // Opening the cache opens its journal: operations the previous run left unacknowledged are replayed now.
      Cache<Long, String> orders = manager.createCache(CACHE_NAME, configuration);
      WriteBehindMetrics metrics = orders.unwrap(GoldyloxCache.class).writeBehind().metrics();
      if (recovering) {
        recover(out, dir, table, metrics);
      }
      if (options.entries() == 0) {
        return table.count();
      }

      out.printf("Putting %,d orders%s%n", options.entries(),
          options.crashes() ? String.format(" (crashing after %,d)", options.crashAfter()) : "");
      long start = System.nanoTime();
      long lastPrint = start;
      long putsAtLastPrint = 0;
      for (int id = 0; id < options.entries(); id++) {
        orders.put((long) id, QuickStart.describe(id));
        int acknowledged = id + 1; // put returned: the operation is in the journal
        if (acknowledged == options.crashAfter()) {
          crash(out, dir, acknowledged, metrics);
        }
        if ((acknowledged & 1023) == 0) {
          long now = System.nanoTime();
          if (now - lastPrint >= TimeUnit.SECONDS.toNanos(1)) {
            out.printf("  [%4.1fs] put %,9d  (%,.0f puts/s)  journal lag %,d%s%n",
                (now - start) / 1e9, acknowledged, (acknowledged - putsAtLastPrint) / ((now - lastPrint) / 1e9),
                metrics.journalLag(), oldest(metrics));
            lastPrint = now;
            putsAtLastPrint = acknowledged;
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      out.printf("Put %,d orders in %.2f s: %,.0f puts/s%n", options.entries(), seconds,
          options.entries() / seconds);

      drain(out, table, metrics);
      long rows = table.count();
      long entries = orders.unwrap(GoldyloxCache.class).size();
      out.printf("Table %s: %,d rows; cache: %,d entries: %s%n", OrdersTable.TABLE, rows, entries,
          rows == entries ? "they match" : "MISMATCH");
      out.printf("Writer: %,d operations delivered in %,d batches, %,d retries, %,d dead letters%n",
          metrics.delivered(), metrics.batches(), metrics.retries(), metrics.deadLetters());
      return rows;
    }
  }

  private static void recover(PrintStream out, Path dir, OrdersTable table, WriteBehindMetrics metrics)
      throws Exception {
    out.printf("Replayed %,d operations the previous run left unacknowledged%n", metrics.replayed());
    drain(out, table, metrics);
    long rows = table.count();
    Path acknowledgedFile = dir.resolve(ACKNOWLEDGED_FILE);
    if (Files.exists(acknowledgedFile)) {
      // The crashed run put orders 0 .. acknowledged-1: every one of them must be in the table.
      long acknowledged = Long.parseLong(Files.readString(acknowledgedFile, StandardCharsets.UTF_8).trim());
      long present = table.countBelow(acknowledged);
      out.printf("After the replay: %,d rows; the crashed run acknowledged %,d puts, %,d of them are in the"
          + " table: %s%n", rows, acknowledged, present, present == acknowledged ? "none lost" : "LOST SOME");
    } else {
      out.printf("After the replay: %,d rows%n", rows);
    }
  }

  /** Prints the lag once a second until it is 0 (the program waits to show it; the cache never does). */
  private static void drain(PrintStream out, OrdersTable table, WriteBehindMetrics metrics) throws Exception {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      long lag = metrics.journalLag();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (lag == 0) {
        out.printf("  [drain %4.1fs] journal lag 0: every operation is in the database (%,d rows)%n", seconds,
            table.count());
        return;
      }
      out.printf("  [drain %4.1fs] journal lag %,d%s  rows %,d%n", seconds, lag, oldest(metrics), table.count());
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("write-behind did not drain in 120 s: " + metrics);
      }
      awaitLagZero(metrics, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
    }
  }

  /** The age of the oldest operation the flusher holds; the metric is 0 while it holds none (between batches). */
  private static String oldest(WriteBehindMetrics metrics) {
    long millis = metrics.oldestUnacknowledgedAgeMillis();
    return millis > 0 ? String.format("  (oldest %,d ms)", millis) : "";
  }

  /** Sleeps in small steps until the lag is 0 or {@code until} (System.nanoTime) passed. */
  private static void awaitLagZero(WriteBehindMetrics metrics, long until) throws InterruptedException {
    while (metrics.journalLag() > 0 && System.nanoTime() < until) {
      Thread.sleep(20);
    }
  }

  /** Records the count, then dies as {@code kill -9} would: no shutdown hooks, no close, no flush. */
  private static void crash(PrintStream out, Path dir, int acknowledged, WriteBehindMetrics metrics) {
    try {
      Files.writeString(dir.resolve(ACKNOWLEDGED_FILE), acknowledged + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.printf("CRASH: Runtime.halt(%d) after %,d acknowledged puts, journal lag %,d (not in the database yet)%n",
        CRASH_EXIT_CODE, acknowledged, metrics.journalLag());
    out.flush();
    Runtime.getRuntime().halt(CRASH_EXIT_CODE);
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not remove " + dir, e);
    }
  }
}

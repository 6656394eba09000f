package io.goldylox.cache;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.MemoryUnit;
import io.goldylox.config.WriteBehindConfig;
import io.goldylox.spi.GoldyloxCachingProvider;
import io.goldylox.writebehind.WriteBehindMetrics;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * The child JVM of {@link WriteBehindCrashTest}: creates the cache {@value #CACHE} through the JCache API with
 * write-behind into an H2 file database, then makes the operations {@link #op(long, long) op(seed, first)},
 * {@code op(seed, first + 1)}, ... forever, printing {@code A <n>} after operation n's {@code put} or
 * {@code remove} returned (acknowledged), until it is killed. Prints {@code READY} once the cache is open.
 *
 * <p>The operations are a pure function of the seed and their number, so the test can tell what the child was
 * doing when it died without the child printing it. Also holds what the test and the child share: the cache's
 * configuration and the writer.
 *
 * <p>Arguments: {@code <journal dir> <jdbc url> <seed> <first op> <coalesce> <max lag>}: before each operation
 * the child waits (it, not the cache) until at most {@code max lag} operations are unacknowledged, so that when
 * it dies the writer has already stored most of what it acknowledged and a tail remains to replay: both halves
 * of the guarantee are checked.
 */
public final class CacheCrashChild {

  static final String CACHE = "crash";
  static final URI MANAGER = URI.create("urn:goldylox:cache-crash-test");
  static final int KEYS = 200;

  private CacheCrashChild() {}

  /** Operation {@code n} of the stream {@code seed}: a put of {@code "v<n>"} or (one in four) a remove. */
  record Op(long n, String key, String value) {
    boolean isRemove() {
      return value == null;
    }
  }

  static Op op(long seed, long n) {
    long bits = mix(seed ^ mix(n));
    String key = "k" + Math.floorMod(bits, KEYS);
    boolean remove = ((bits >>> 40) & 3) == 0;
    return new Op(n, key, remove ? null : "v" + n);
  }

  /** SplitMix64's finalizer. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  static GoldyloxConfiguration<String, String> configuration(Path journal, String url, boolean coalesce) {
    return GoldyloxConfiguration.builder(String.class, String.class)
        .heapMaxEntries(64) // entries also live off-heap: the tiers are in the path of every operation
        .offHeap(1, MemoryUnit.MB)
        .writeBehind(WriteBehindConfig.builder()
            .writer(new StoreFactory(url))
            .journal(journal)
            .batchSize(64)
            .maxDelay(Duration.ofMillis(1))
            .coalesce(coalesce)
            .retry(Duration.ofMillis(10), Duration.ofMillis(100), 5)
            .build())
        .build();
  }

  public static void main(String[] args) throws Exception {
    // One flush per line: each line leaves in one write(2) shorter than PIPE_BUF, so a kill never tears one, and a
    // line is in the pipe before the next operation starts.
    PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 12),
        false, StandardCharsets.UTF_8);
    Path journal = Path.of(args[0]);
    String url = args[1];
    long seed = Long.parseLong(args[2]);
    long first = Long.parseLong(args[3]);
    boolean coalesce = Boolean.parseBoolean(args[4]);
    long maxLag = Long.parseLong(args[5]);
    GoldyloxCachingProvider provider = new GoldyloxCachingProvider();
    CacheManager manager = provider.getCacheManager(MANAGER, CacheCrashChild.class.getClassLoader());
    Cache<String, String> cache = manager.createCache(CACHE, configuration(journal, url, coalesce));
    WriteBehindMetrics metrics = cache.unwrap(GoldyloxCache.class).writeBehind().metrics();
    out.println("READY");
    out.flush();
    for (long n = first; ; n++) {
      // The child keeps at most maxLag operations unacknowledged (the cache itself never waits for the writer):
      // so the kill finds most of the stream delivered and checkpointed, and a tail still to replay.
      while (metrics.journalLag() > maxLag) {
        LockSupport.parkNanos(100_000);
      }
      Op op = op(seed, n);
      if (op.isRemove()) {
        cache.remove(op.key());
      } else {
        cache.put(op.key(), op.value());
      }
      out.println("A " + n);
      out.flush();
    }
  }

  /** Creates a {@link Store} writer on the configured database, in whichever JVM opens the cache. */
  static final class StoreFactory implements Factory<CacheWriter<String, String>> {
    private static final long serialVersionUID = 1L;
    private final String url;

    StoreFactory(String url) {
      this.url = url;
    }

    @Override
    public CacheWriter<String, String> create() {
      return new Store(url);
    }
  }

  /**
   * The table {@code kv(k, v)} behind the cache: each call is one transaction, committed before it returns (with
   * {@code WRITE_DELAY=0} in the URL the commit is in the file by then, so it survives the kill), and empties the
   * collection it was given; a failed call rolls back and leaves the collection whole. Called by the flusher only.
   */
  static final class Store implements CacheWriter<String, String>, AutoCloseable, Serializable {
    private static final long serialVersionUID = 1L;
    private final String url;
    private transient Connection connection;

    Store(String url) {
      this.url = url;
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS kv(k VARCHAR(50) PRIMARY KEY, v VARCHAR(50))");
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }

    static Map<String, String> contents(String url) throws SQLException {
      Map<String, String> rows = new TreeMap<>();
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT k, v FROM kv")) {
        while (rs.next()) {
          rows.put(rs.getString(1), rs.getString(2));
        }
      }
      return rows;
    }

    @Override
    public synchronized void write(Cache.Entry<? extends String, ? extends String> entry) {
      writeAll(new ArrayList<>(List.of(entry)));
    }

    @Override
    public synchronized void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      transaction("MERGE INTO kv(k, v) KEY(k) VALUES(?, ?)", entries, (statement, entry) -> {
        statement.setString(1, entry.getKey());
        statement.setString(2, entry.getValue());
      });
    }

    @Override
    public synchronized void delete(Object key) {
      deleteAll(new ArrayList<>(List.of(key)));
    }

    @Override
    public synchronized void deleteAll(Collection<?> keys) {
      transaction("DELETE FROM kv WHERE k = ?", keys, (statement, key) -> statement.setString(1, (String) key));
    }

    private interface Binder<T> {
      void bind(PreparedStatement statement, T item) throws SQLException;
    }

    private <T> void transaction(String sql, Collection<T> items, Binder<? super T> binder) {
      try {
        if (connection == null) {
          connection = DriverManager.getConnection(url);
          connection.setAutoCommit(false);
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
          for (T item : items) {
            binder.bind(statement, item);
            statement.addBatch();
          }
          statement.executeBatch();
        }
        connection.commit();
      } catch (SQLException e) {
        close();
        throw new CacheWriterException("kv store failed: " + e.getMessage(), e);
      }
      items.clear();
    }

    @Override
    public synchronized void close() {
      if (connection != null) {
        try {
          connection.close(); // an uncommitted transaction is rolled back
        } catch (SQLException ignored) {
          // the connection is dropped either way
        }
        connection = null;
      }
    }
  }
}

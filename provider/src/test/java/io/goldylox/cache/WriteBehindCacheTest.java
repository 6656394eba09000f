package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.WriteBehindConfig;
import io.goldylox.spi.GoldyloxCachingProvider;
import io.goldylox.testing.MapStore;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write-behind through the JCache API: puts return while the writer is held, the store catches up in the
 * background, reads see unflushed writes, and a restart delivers what a closed cache left behind.
 */
class WriteBehindCacheTest {

  private static final AtomicInteger DATABASES = new AtomicInteger();

  @TempDir
  Path dir;

  private final GoldyloxCachingProvider provider = new GoldyloxCachingProvider();
  private final String url = "jdbc:h2:mem:write-behind-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";

  @AfterEach
  void closeProvider() {
    provider.close();
  }

  @Test
  void putsReturnWhileTheWriterIsHeldAndTheStoreCatchesUp() throws Exception {
    GateWriter writer = new GateWriter(url);
    try (CacheManager manager = manager()) {
      Cache<String, String> cache = manager.createCache("orders", configuration(writer));
      assertThat(cache.getConfiguration(GoldyloxConfiguration.class).isWriteThrough()).isFalse();

      // The writer is held shut: 2,000 puts and removes must still complete.
      for (int i = 0; i < 1_000; i++) {
        cache.put("k" + i, "v" + i);
      }
      for (int i = 0; i < 1_000; i += 2) {
        cache.remove("k" + i);
      }
      assertThat(writer.rows()).isEmpty();
      assertThat(cache.get("k1")).isEqualTo("v1");

      writer.open.countDown();
      awaitDelivered(cache);
      Map<String, String> expected = new HashMap<>();
      for (int i = 1; i < 1_000; i += 2) {
        expected.put("k" + i, "v" + i);
      }
      assertThat(writer.rows()).isEqualTo(expected);
      assertThat(cache.unwrap(GoldyloxCache.class).writeBehind().metrics().journalLag()).isZero();
    }
  }

  @Test
  void aReadSeesAnUnflushedWriteEvenAfterTheEntryLeftTheCache() throws Exception {
    GateWriter writer = new GateWriter(url);
    try (CacheManager manager = manager()) {
      Cache<String, String> cache = manager.createCache("orders", configuration(writer));
      cache.put("a", "1");
      cache.put("b", "2");
      cache.remove("b");
      cache.clear(); // the entries leave the cache; their operations are still in the journal
      assertThat(cache.get("a")).isEqualTo("1");
      assertThat(cache.get("b")).isNull();
      assertThat(cache.getAll(java.util.Set.of("a", "b"))).containsExactly(Map.entry("a", "1"));
      writer.open.countDown();
      awaitDelivered(cache);
      assertThat(writer.rows()).containsExactly(Map.entry("a", "1"));
    }
  }

  @Test
  void whatAClosedCacheLeftUndeliveredReachesTheStoreAfterARestart() throws Exception {
    GateWriter held = new GateWriter(url);
    try (CacheManager manager = manager()) {
      Cache<String, String> cache = manager.createCache("orders", configuration(held, Duration.ofMillis(200)));
      for (int i = 0; i < 100; i++) {
        cache.put("k" + i, "v" + i);
      }
    } // close gives up after 200 ms: the writer never opened
    assertThat(held.rows()).isEmpty();

    GateWriter open = new GateWriter(url);
    open.open.countDown();
    try (CacheManager manager = manager()) {
      awaitDelivered(manager.createCache("orders", configuration(open)));
      assertThat(open.rows()).hasSize(100).containsEntry("k42", "v42");
    }
  }

  @Test
  void aValueStoredByValueIsSerializedOnceForTheCacheAndTheJournal() throws Exception {
    MapStore<String, Counted> store = new MapStore<>();
    GoldyloxConfiguration<String, Counted> configuration = new GoldyloxConfiguration<>();
    configuration.setTypes(String.class, Counted.class);
    configuration.setStoreByValue(true);
    configuration.setWriteBehind(WriteBehindConfig.builder()
        .writer(store.writerFactory())
        .journal(dir.resolve("journal"))
        .maxDelay(Duration.ofMillis(20))
        .build());
    try (CacheManager manager = manager()) {
      Cache<String, Counted> cache = manager.createCache("counted", configuration);
      Counted value = new Counted("first");
      int before = Counted.SERIALIZED.get();
      cache.put("k", value);
      assertThat(Counted.SERIALIZED.get() - before).as("serializations of one put").isEqualTo(1);
      value.text = "changed after the put";
      awaitDelivered(cache);
      assertThat(store.rows.get("k").text).as("the writer gets the value as it was put").isEqualTo("first");
      assertThat(cache.get("k").text).isEqualTo("first");
    }
  }

  /** A mutable value (so a cache by value serializes it) that counts its serializations. */
  static final class Counted implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger SERIALIZED = new AtomicInteger();
    String text;

    Counted(String text) {
      this.text = text;
    }

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
      SERIALIZED.incrementAndGet();
      out.defaultWriteObject();
    }
  }

  @Test
  void anOperationRefusedAtMaxLagLeavesTheCacheAsItWas() throws Exception {
    GateWriter writer = new GateWriter(url);
    try (CacheManager manager = manager()) {
      GoldyloxConfiguration<String, String> configuration = configuration(writer);
      configuration.setWriteBehind(configuration.writeBehind().orElseThrow().toBuilder().maxLag(10)
          .onMaxLag(WriteBehindConfig.OnMaxLag.REJECT).build());
      Cache<String, String> cache = manager.createCache("orders", configuration);
      for (int i = 0; i < 10; i++) {
        cache.put("k" + i, "v" + i);
      }
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> cache.put("k0", "refused"))
          .isInstanceOf(CacheWriterException.class).hasMessageContaining("max-lag 10");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> cache.remove("k1"))
          .isInstanceOf(CacheWriterException.class);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> cache.put("new", "refused"))
          .isInstanceOf(CacheWriterException.class);
      assertThat(cache.get("k0")).isEqualTo("v0");
      assertThat(cache.get("k1")).isEqualTo("v1");
      assertThat(cache.containsKey("new")).isFalse();
      writer.open.countDown();
      awaitDelivered(cache);
      cache.put("new", "accepted"); // the writer caught up: accepted again
      awaitDelivered(cache);
      assertThat(writer.rows()).hasSize(11).containsEntry("new", "accepted").containsEntry("k0", "v0");
    }
  }

  /**
   * A cache whose journal path changed, or whose write-behind was taken out, with a disk tier that the old
   * journal fed: a WARN names the old journal while it holds writes that may not have been delivered
   * (new-user trial: a backlog stranded without a word), and none for a journal whose last close delivered
   * everything (review: a WARN at every start that nothing could stop).
   */
  @Test
  void aDiskTierWarnsWhileAJournalItWasUsedWithMayHoldUndeliveredWrites() throws Exception {
    GateWriter stuck = new GateWriter(url); // its gate stays closed until the end: close() leaves "k" journaled
    GoldyloxConfiguration<String, String> first = configuration(stuck, Duration.ofMillis(200));
    first.setDisk(dir.resolve("disk"), 1 << 20);
    try (CacheManager manager = manager()) {
      manager.createCache("orders", first).put("k", "v");
    }
    GateWriter open = new GateWriter(url);
    open.open.countDown();
    GoldyloxConfiguration<String, String> moved = configuration(open);
    moved.setDisk(dir.resolve("disk"), 1 << 20);
    moved.setWriteBehind(moved.writeBehind().orElseThrow().toBuilder().journal(dir.resolve("journal2")).build());
    try (io.goldylox.testing.LogCapture log = new io.goldylox.testing.LogCapture(
        Class.forName("io.goldylox.tier.DiskTierFormat"))) {
      try (CacheManager manager = manager()) {
        manager.createCache("orders", moved).put("k", "v2"); // delivered: journal2's close leaves nothing
      }
      assertThat(log.records).singleElement().satisfies(record -> assertThat(record.getMessage())
          .contains("was used with the write-behind journal " + dir.resolve("journal") + ",")
          .contains("the cache now uses " + dir.resolve("journal2"))
          .contains("Drain --journal <that directory> --dry-run"));
      try (CacheManager manager = manager()) {
        manager.createCache("orders", moved);
      }
      assertThat(log.records).as("said at every open while the former journal may hold writes").hasSize(2);
    }
    GoldyloxConfiguration<String, String> none = new GoldyloxConfiguration<>();
    none.setTypes(String.class, String.class);
    none.setDisk(dir.resolve("disk"), 1 << 20);
    try (io.goldylox.testing.LogCapture log = new io.goldylox.testing.LogCapture(
        Class.forName("io.goldylox.tier.DiskTierFormat"))) {
      try (CacheManager manager = manager()) {
        assertThat(manager.createCache("orders", none).get("k")).isEqualTo("v2");
      }
      assertThat(log.records).singleElement().satisfies(record -> assertThat(record.getMessage())
          .contains("journal " + dir.resolve("journal") + ",").doesNotContain("journal2")
          .contains("the cache has no write-behind now"));
    }
    try (var files = java.nio.file.Files.newDirectoryStream(dir.resolve("journal"), "*.cq4")) {
      for (Path file : files) { // as Drain leaves a journal it emptied
        java.nio.file.Files.delete(file);
      }
    }
    try (io.goldylox.testing.LogCapture log = new io.goldylox.testing.LogCapture(
        Class.forName("io.goldylox.tier.DiskTierFormat"))) {
      try (CacheManager manager = manager()) {
        assertThat(manager.createCache("orders", none).get("k")).isEqualTo("v2");
      }
      assertThat(log.records).as("no former journal holds files any more").isEmpty();
    } finally {
      stuck.open.countDown();
    }
  }

  private CacheManager manager() {
    return provider.getCacheManager(URI.create("urn:goldylox:write-behind-test"), getClass().getClassLoader());
  }

  @Test
  void severalWriterThreadsDeliverWhatTheCacheWasGiven() throws Exception {
    GateWriter writer = new GateWriter(url); // thread-safe: a connection per call
    GoldyloxConfiguration<String, String> configuration = configuration(writer);
    configuration.setWriteBehind(configuration.writeBehind().orElseThrow().toBuilder().concurrency(3).build());
    try (CacheManager manager = manager()) {
      Cache<String, String> cache = manager.createCache("orders", configuration);
      GoldyloxConfiguration<?, ?> live = cache.getConfiguration(GoldyloxConfiguration.class);
      assertThat(live.writeBehind().orElseThrow().concurrency()).isEqualTo(3);
      Map<String, String> expected = new HashMap<>();
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 2_000; i++) {
          cache.put("k" + i, "v" + round + "-" + i);
          expected.put("k" + i, "v" + round + "-" + i);
        }
        for (int i = round; i < 2_000; i += 7) {
          cache.remove("k" + i);
          expected.remove("k" + i);
        }
      }
      writer.open.countDown();
      awaitDelivered(cache);
      assertThat(writer.rows()).isEqualTo(expected);
    }
  }

  private GoldyloxConfiguration<String, String> configuration(GateWriter writer) {
    return configuration(writer, Duration.ofSeconds(5));
  }

  private GoldyloxConfiguration<String, String> configuration(GateWriter writer, Duration closeTimeout) {
    GoldyloxConfiguration<String, String> configuration = new GoldyloxConfiguration<>();
    configuration.setTypes(String.class, String.class);
    configuration.setWriteBehind(WriteBehindConfig.builder()
        .writer(FactoryBuilder.factoryOf(writer))
        .journal(dir.resolve("journal"))
        .batchSize(100)
        .maxDelay(Duration.ofMillis(20))
        .retry(Duration.ofMillis(10), Duration.ofMillis(50), 3)
        .closeTimeout(closeTimeout)
        .build());
    return configuration;
  }

  /** Waits until the writer acknowledged every journaled operation (the row count alone passes through states). */
  private static void awaitDelivered(Cache<?, ?> cache) throws Exception {
    io.goldylox.writebehind.WriteBehindJournal<?, ?> journal = cache.unwrap(GoldyloxCache.class).writeBehind();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (journal.metrics().journalLag() != 0 || journal.pendingKeys() != 0) {
      assertThat(System.nanoTime() - deadline).as("journal: %s", journal).isNegative();
      Thread.sleep(10);
    }
  }

  /** A JDBC writer into an H2 table that blocks every call until {@link #open} is counted down. */
  static final class GateWriter implements CacheWriter<String, String>, java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final transient CountDownLatch open = new CountDownLatch(1);
    private final String url;

    GateWriter(String url) throws SQLException {
      this.url = url;
      try (Connection connection = DriverManager.getConnection(url);
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE IF NOT EXISTS orders (k VARCHAR PRIMARY KEY, v VARCHAR)");
      }
    }

    private void await() {
      try {
        open.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CacheWriterException("interrupted while held", e);
      }
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      writeAll(new java.util.ArrayList<>(java.util.List.of(entry)));
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      await();
      try (Connection connection = DriverManager.getConnection(url);
          PreparedStatement merge = connection.prepareStatement("MERGE INTO orders (k, v) KEY (k) VALUES (?, ?)")) {
        for (Iterator<Cache.Entry<? extends String, ? extends String>> it = entries.iterator(); it.hasNext(); ) {
          Cache.Entry<? extends String, ? extends String> entry = it.next();
          merge.setString(1, entry.getKey());
          merge.setString(2, entry.getValue());
          merge.executeUpdate();
          it.remove();
        }
      } catch (SQLException e) {
        throw new CacheWriterException(e);
      }
    }

    @Override
    public void delete(Object key) {
      deleteAll(new java.util.ArrayList<>(java.util.List.of(key)));
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      await();
      try (Connection connection = DriverManager.getConnection(url);
          PreparedStatement delete = connection.prepareStatement("DELETE FROM orders WHERE k = ?")) {
        for (Iterator<?> it = keys.iterator(); it.hasNext(); ) {
          delete.setString(1, (String) it.next());
          delete.executeUpdate();
          it.remove();
        }
      } catch (SQLException e) {
        throw new CacheWriterException(e);
      }
    }

    Map<String, String> rows() throws SQLException {
      Map<String, String> rows = new HashMap<>();
      try (Connection connection = DriverManager.getConnection(url);
          Statement statement = connection.createStatement();
          ResultSet result = statement.executeQuery("SELECT k, v FROM orders")) {
        while (result.next()) {
          rows.put(result.getString(1), result.getString(2));
        }
      }
      return rows;
    }
  }
}

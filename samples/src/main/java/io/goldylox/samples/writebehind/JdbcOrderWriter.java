package io.goldylox.samples.writebehind;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Objects;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * A {@link CacheWriter} of orders (id to description) into an {@link OrdersTable}: each {@code writeAll} or
 * {@code deleteAll} is one JDBC batch in one transaction, so a call either stores everything it was given (and
 * empties the collection, telling the cache nothing failed) or nothing (and leaves the collection whole for the
 * cache to retry). Writes are upserts and deletes of possibly missing rows, so an operation delivered twice (write-
 * behind delivers at least once: after a crash it replays what was not acknowledged) does no harm.
 *
 * <p>Threads: write-behind calls it from the cache's one flusher thread; the methods are synchronized anyway,
 * because the connection it keeps between calls is not thread-safe. {@link #close} closes that connection.
 */
public final class JdbcOrderWriter implements CacheWriter<Long, String>, AutoCloseable {

  /** Creates the writer in the cache's JVM; a cache configuration holds this (serializable) factory. */
  public static final class Factory implements javax.cache.configuration.Factory<CacheWriter<Long, String>> {
    private static final long serialVersionUID = 1L;
    private final OrdersTable table;

    public Factory(OrdersTable table) {
      this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public CacheWriter<Long, String> create() {
      return new JdbcOrderWriter(table);
    }
  }

  private final OrdersTable table;
  private Connection connection; // guarded by this

  public JdbcOrderWriter(OrdersTable table) {
    this.table = Objects.requireNonNull(table, "table");
  }

  @Override
  public void write(Cache.Entry<? extends Long, ? extends String> entry) {
    writeAll(new java.util.ArrayList<>(java.util.List.of(entry)));
  }

  @Override
  public synchronized void writeAll(Collection<Cache.Entry<? extends Long, ? extends String>> entries) {
    String upsert = table.upsertSql();
    try {
      Connection c = connection();
      if (upsert != null) {
        try (PreparedStatement statement = c.prepareStatement(upsert)) {
          for (Cache.Entry<? extends Long, ? extends String> entry : entries) {
            statement.setLong(1, entry.getKey());
            statement.setString(2, entry.getValue());
            statement.addBatch();
          }
          statement.executeBatch();
        }
      } else {
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + OrdersTable.TABLE + " WHERE id = ?");
            PreparedStatement insert = c.prepareStatement(
                "INSERT INTO " + OrdersTable.TABLE + " (id, description) VALUES (?, ?)")) {
          for (Cache.Entry<? extends Long, ? extends String> entry : entries) {
            delete.setLong(1, entry.getKey());
            delete.addBatch();
            insert.setLong(1, entry.getKey());
            insert.setString(2, entry.getValue());
            insert.addBatch();
          }
          delete.executeBatch();
          insert.executeBatch();
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw failed("write " + entries.size() + " orders", e);
    }
    entries.clear(); // committed: nothing is left to retry
  }

  @Override
  public void delete(Object key) {
    deleteAll(new java.util.ArrayList<>(java.util.List.of(key)));
  }

  @Override
  public synchronized void deleteAll(Collection<?> keys) {
    try {
      Connection c = connection();
      try (PreparedStatement statement = c.prepareStatement("DELETE FROM " + OrdersTable.TABLE + " WHERE id = ?")) {
        for (Object key : keys) {
          statement.setLong(1, (Long) key);
          statement.addBatch();
        }
        statement.executeBatch();
      }
      c.commit();
    } catch (SQLException e) {
      throw failed("delete " + keys.size() + " orders", e);
    }
    keys.clear();
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = table.connect();
      connection.setAutoCommit(false);
    }
    return connection;
  }

  /** Rolls back and drops the connection (the next call reconnects); the whole call is retried by the cache. */
  private CacheWriterException failed(String what, SQLException cause) {
    Connection broken = connection;
    connection = null;
    if (broken != null) {
      try {
        broken.rollback();
        broken.close();
      } catch (SQLException suppressed) {
        cause.addSuppressed(suppressed);
      }
    }
    return new CacheWriterException("Could not " + what + " in " + table + ": " + cause.getMessage(), cause);
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing: nothing is left to write through this connection
      } finally {
        connection = null;
      }
    }
  }
}

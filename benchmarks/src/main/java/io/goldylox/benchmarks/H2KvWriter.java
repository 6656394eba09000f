package io.goldylox.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.Iterator;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * The writer of the write-behind benchmarks: a {@link CacheWriter} over an H2 table {@code kv(k, v)}, as a user
 * would write one: {@code writeAll} is one JDBC batch of {@code MERGE}s and {@code deleteAll} one batch of
 * {@code DELETE}s, each in one transaction, on one connection. With {@code ;WRITE_DELAY=0} in the URL every commit
 * is handed to the operating system before it returns, so the writer is durable when it returns (what
 * write-behind's at-least-once delivery needs). Called by one thread at a time (the flusher, or the floor loop).
 */
final class H2KvWriter implements CacheWriter<String, String>, AutoCloseable {

  private final Connection connection;
  private final PreparedStatement merge;
  private final PreparedStatement delete;

  H2KvWriter(String url) {
    try {
      connection = DriverManager.getConnection(url);
      try (Statement s = connection.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS kv(k VARCHAR(64) PRIMARY KEY, v VARCHAR(512))");
      }
      connection.setAutoCommit(false);
      merge = connection.prepareStatement("MERGE INTO kv(k, v) KEY(k) VALUES(?, ?)");
      delete = connection.prepareStatement("DELETE FROM kv WHERE k = ?");
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot open " + url, e);
    }
  }

  @Override
  public void write(Cache.Entry<? extends String, ? extends String> entry) {
    writeAll(new java.util.ArrayList<>(java.util.List.of(entry)));
  }

  @Override
  public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
    try {
      for (Cache.Entry<? extends String, ? extends String> e : entries) {
        merge.setString(1, e.getKey());
        merge.setString(2, e.getValue());
        merge.addBatch();
      }
      merge.executeBatch();
      connection.commit();
      entries.clear();
    } catch (SQLException e) {
      rollback();
      throw new CacheWriterException("H2 writeAll failed", e);
    }
  }

  @Override
  public void delete(Object key) {
    deleteAll(new java.util.ArrayList<>(java.util.List.of(key)));
  }

  @Override
  public void deleteAll(Collection<?> keys) {
    try {
      for (Iterator<?> it = keys.iterator(); it.hasNext(); ) {
        delete.setString(1, (String) it.next());
        delete.addBatch();
      }
      delete.executeBatch();
      connection.commit();
      keys.clear();
    } catch (SQLException e) {
      rollback();
      throw new CacheWriterException("H2 deleteAll failed", e);
    }
  }

  /** Rows in the table (to check that a run delivered what it should). */
  long rows() {
    try (Statement s = connection.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM kv")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void rollback() {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // The call fails anyway.
    }
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}

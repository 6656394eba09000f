package io.goldylox.samples.writebehind;

import java.io.Serializable;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Where the samples' orders are stored: a JDBC URL with its credentials and the table
 * {@code orders(id BIGINT PRIMARY KEY, description VARCHAR)}. An immutable, serializable value (a cache
 * configuration holds it through {@link JdbcOrderWriter.Factory}); each method opens its own connection, so any
 * thread may call it.
 *
 * <p>Two dialects are known for the upsert: H2 ({@code MERGE ... KEY}) and PostgreSQL
 * ({@code INSERT ... ON CONFLICT}); any other database gets a delete followed by an insert, in the writer's
 * transaction.
 */
public final class OrdersTable implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The table's name. */
  public static final String TABLE = "orders";

  private final String url;
  private final String user;
  private final String password;

  /**
   * @param user null or empty for none
   * @param password null or empty for none
   */
  public OrdersTable(String url, String user, String password) {
    this.url = Objects.requireNonNull(url, "url");
    if (!url.startsWith("jdbc:")) {
      throw new IllegalArgumentException("Not a JDBC URL (it must start with \"jdbc:\"): " + url);
    }
    this.user = user == null ? "" : user;
    this.password = password == null ? "" : password;
  }

  /**
   * An embedded H2 database in the file {@code <directory>/<name>.mv.db}. {@code WRITE_DELAY=0} makes every commit
   * reach the file before {@code commit()} returns (H2's default keeps commits in the process for up to 500 ms, and
   * a write-behind writer must be durable when it returns: after that the journal forgets the operations).
   */
  public static OrdersTable h2File(Path directory, String name) {
    return new OrdersTable("jdbc:h2:file:" + directory.resolve(name).toAbsolutePath()
        + ";FILE_LOCK=FS;WRITE_DELAY=0", "sa", "");
  }

  public String url() {
    return url;
  }

  /** A new connection (the caller closes it). */
  public Connection connect() throws SQLException {
    return user.isEmpty() ? DriverManager.getConnection(url) : DriverManager.getConnection(url, user, password);
  }

  /** Creates the table unless it exists. */
  public void create() throws SQLException {
    try (Connection connection = connect(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE
          + " (id BIGINT PRIMARY KEY, description VARCHAR(1000))");
    }
  }

  /** Empties the table. */
  public void truncate() throws SQLException {
    try (Connection connection = connect(); Statement statement = connection.createStatement()) {
      statement.execute("DELETE FROM " + TABLE);
    }
  }

  /** The number of rows. */
  public long count() throws SQLException {
    try (Connection connection = connect(); Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("SELECT COUNT(*) FROM " + TABLE)) {
      result.next();
      return result.getLong(1);
    }
  }

  /** The number of rows whose id is below {@code limit}. */
  public long countBelow(long limit) throws SQLException {
    try (Connection connection = connect();
        PreparedStatement select = connection.prepareStatement(
            "SELECT COUNT(*) FROM " + TABLE + " WHERE id < ?")) {
      select.setLong(1, limit);
      try (ResultSet result = select.executeQuery()) {
        result.next();
        return result.getLong(1);
      }
    }
  }

  /** The description of order {@code id}, or null if there is no row. */
  public String find(long id) throws SQLException {
    try (Connection connection = connect();
        PreparedStatement select = connection.prepareStatement(
            "SELECT description FROM " + TABLE + " WHERE id = ?")) {
      select.setLong(1, id);
      try (ResultSet result = select.executeQuery()) {
        return result.next() ? result.getString(1) : null;
      }
    }
  }

  /** Every row, by id. */
  public Map<Long, String> contents() throws SQLException {
    Map<Long, String> rows = new TreeMap<>();
    try (Connection connection = connect(); Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("SELECT id, description FROM " + TABLE)) {
      while (result.next()) {
        rows.put(result.getLong(1), result.getString(2));
      }
    }
    return rows;
  }

  /** The statement that writes one row whether or not it exists (parameters: id, description); null: none. */
  String upsertSql() {
    if (url.startsWith("jdbc:h2:")) {
      return "MERGE INTO " + TABLE + " (id, description) KEY (id) VALUES (?, ?)";
    }
    if (url.startsWith("jdbc:postgresql:")) {
      return "INSERT INTO " + TABLE + " (id, description) VALUES (?, ?)"
          + " ON CONFLICT (id) DO UPDATE SET description = EXCLUDED.description";
    }
    return null;
  }

  /** Says where, without the password. */
  @Override
  public String toString() {
    return url + (user.isEmpty() ? "" : " as " + user);
  }
}

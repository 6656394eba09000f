package io.goldylox.writebehind;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * A CacheWriter over a real H2 table {@code kv(k VARCHAR PRIMARY KEY, v VARCHAR)}: upserts and deletes in one
 * transaction per call, honouring the partial-failure contract (what it could not write stays in the
 * collection). Test knobs: keys that always fail, keys that fail their first N attempts, a gate that holds the
 * first call, and a log of every call.
 */
final class H2Writer implements CacheWriter<String, String>, AutoCloseable {

  /** One writer call: "W" or "D", and the keys (with values for W) it was given. */
  static final class Call {
    final char kind;
    final Map<String, String> given;

    Call(char kind, Map<String, String> given) {
      this.kind = kind;
      this.given = given;
    }

    @Override
    public String toString() {
      return kind + "" + given;
    }
  }

  private final String url;
  private Connection connection;
  final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
  final Set<String> failAlways = ConcurrentHashMap.newKeySet();
  final Map<String, AtomicInteger> failFirst = new ConcurrentHashMap<>();
  /** Only a put of exactly this key=value fails (used to fail one value but not a later one). */
  final Map<String, String> failValue = new ConcurrentHashMap<>();
  /** Time every writeAll/deleteAll takes on top of its work (a slow database), in milliseconds. */
  volatile long delayMillis;
  private volatile CountDownLatch gate;
  final CountDownLatch gateReached = new CountDownLatch(1);

  H2Writer(String url) {
    this.url = url;
    createTable(url);
  }

  static void createTable(String url) {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS kv(k VARCHAR(200) PRIMARY KEY, v VARCHAR(2000))");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, String> contents(String url) {
    Map<String, String> rows = new TreeMap<>();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT k, v FROM kv")) {
      while (rs.next()) {
        rows.put(rs.getString(1), rs.getString(2));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return rows;
  }

  /** Holds every call until {@link #open()}. */
  H2Writer closeGate() {
    gate = new CountDownLatch(1);
    return this;
  }

  void open() {
    CountDownLatch g = gate;
    if (g != null) {
      g.countDown();
    }
  }

  private void passGate() {
    long delay = delayMillis;
    if (delay > 0) {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CacheWriterException("interrupted while delayed");
      }
    }
    CountDownLatch g = gate;
    if (g != null) {
      gateReached.countDown();
      try {
        if (!g.await(30, TimeUnit.SECONDS)) {
          throw new CacheWriterException("test gate never opened");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CacheWriterException("interrupted at the test gate");
      }
    }
  }

  private boolean fails(String key, String value) {
    if (failAlways.contains(key)) {
      return true;
    }
    if (value != null && value.equals(failValue.get(key))) {
      return true;
    }
    AtomicInteger left = failFirst.get(key);
    return left != null && left.getAndDecrement() > 0;
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = DriverManager.getConnection(url);
      connection.setAutoCommit(false);
    }
    return connection;
  }

  @Override
  public void write(Cache.Entry<? extends String, ? extends String> entry) {
    List<Cache.Entry<? extends String, ? extends String>> one = new ArrayList<>(List.of(entry));
    writeAll(one);
  }

  @Override
  public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
    passGate();
    Map<String, String> given = new TreeMap<>();
    for (Cache.Entry<? extends String, ? extends String> e : entries) {
      given.put(e.getKey(), e.getValue());
    }
    calls.add(new Call('W', given));
    boolean failed = false;
    try {
      Connection c = connection();
      try (PreparedStatement merge = c.prepareStatement("MERGE INTO kv(k, v) KEY(k) VALUES(?, ?)")) {
        Iterator<Cache.Entry<? extends String, ? extends String>> it = entries.iterator();
        while (it.hasNext()) {
          Cache.Entry<? extends String, ? extends String> e = it.next();
          if (fails(e.getKey(), e.getValue())) {
            failed = true;
            continue;
          }
          merge.setString(1, e.getKey());
          merge.setString(2, e.getValue());
          merge.executeUpdate();
          it.remove();
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new CacheWriterException(e);
    }
    if (failed) {
      throw new CacheWriterException("test writer refused " + entries.size() + " entries");
    }
  }

  @Override
  public void delete(Object key) {
    List<Object> one = new ArrayList<>(List.of(key));
    deleteAll(one);
  }

  @Override
  public void deleteAll(Collection<?> keys) {
    passGate();
    Map<String, String> given = new TreeMap<>();
    for (Object k : keys) {
      given.put((String) k, null);
    }
    calls.add(new Call('D', given));
    boolean failed = false;
    try {
      Connection c = connection();
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM kv WHERE k = ?")) {
        Iterator<?> it = keys.iterator();
        while (it.hasNext()) {
          String k = (String) it.next();
          if (fails(k, null)) {
            failed = true;
            continue;
          }
          delete.setString(1, k);
          delete.executeUpdate();
          it.remove();
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new CacheWriterException(e);
    }
    if (failed) {
      throw new CacheWriterException("test writer refused " + keys.size() + " deletes");
    }
  }

  /** Indexes of the calls that were given {@code key}. */
  List<Integer> callsWith(String key) {
    List<Integer> found = new ArrayList<>();
    synchronized (calls) {
      for (int i = 0; i < calls.size(); i++) {
        if (calls.get(i).given.containsKey(key)) {
          found.add(i);
        }
      }
    }
    return found;
  }

  List<Call> snapshot() {
    synchronized (calls) {
      return new ArrayList<>(calls);
    }
  }

  @Override
  public void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // test helper
      }
    }
  }
}

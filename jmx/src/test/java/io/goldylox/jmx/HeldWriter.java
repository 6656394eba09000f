package io.goldylox.jmx;

import java.io.Serializable;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * An in-memory store behind a write-behind cache: every call waits until {@link #release()} (or is let through at
 * once if created released), then stores what it is given, except keys starting with {@code bad}, which it leaves
 * in the collection and fails (the JCache contract for a partial failure). Called on the flusher thread.
 */
final class HeldWriter implements CacheWriter<String, String>, Serializable {

  private static final long serialVersionUID = 1L;

  private final transient CountDownLatch gate = new CountDownLatch(1);
  private final transient Map<String, String> rows = new ConcurrentHashMap<>();

  static HeldWriter held() {
    return new HeldWriter();
  }

  static HeldWriter open() {
    HeldWriter writer = new HeldWriter();
    writer.release();
    return writer;
  }

  private HeldWriter() {}

  void release() {
    gate.countDown();
  }

  Map<String, String> rows() {
    return rows;
  }

  private void awaitGate() {
    try {
      if (!gate.await(30, TimeUnit.SECONDS)) {
        throw new CacheWriterException("the test never released the writer");
      }
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
    awaitGate();
    for (Iterator<Cache.Entry<? extends String, ? extends String>> it = entries.iterator(); it.hasNext(); ) {
      Cache.Entry<? extends String, ? extends String> entry = it.next();
      if (!entry.getKey().startsWith("bad")) {
        rows.put(entry.getKey(), entry.getValue());
        it.remove();
      }
    }
    if (!entries.isEmpty()) {
      throw new CacheWriterException("refusing " + entries.size() + " bad entries");
    }
  }

  @Override
  public void delete(Object key) {
    deleteAll(new java.util.ArrayList<>(java.util.List.of(key)));
  }

  @Override
  public void deleteAll(Collection<?> keys) {
    awaitGate();
    for (Iterator<?> it = keys.iterator(); it.hasNext(); ) {
      Object key = it.next();
      if (!key.toString().startsWith("bad")) {
        rows.remove(key);
        it.remove();
      }
    }
    if (!keys.isEmpty()) {
      throw new CacheWriterException("refusing " + keys.size() + " bad keys");
    }
  }
}

package io.goldylox.writebehind;

import java.util.Collection;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * The writer that {@link DrainTest}'s configuration files name by class, as an application's would be: a public
 * class with a public no-argument constructor. It writes to an H2 database through {@link H2Writer}, configured by
 * system properties of the JVM it runs in: {@value #URL} the JDBC URL, {@value #DELAY} milliseconds to sleep
 * before each call (a slow or held store), {@value #REFUSE} comma-separated keys it always refuses.
 */
public final class DrainWriter implements CacheWriter<String, String>, AutoCloseable {

  static final String URL = "drain.test.jdbc-url";
  static final String DELAY = "drain.test.delay-ms";
  static final String REFUSE = "drain.test.refuse";

  private final H2Writer store;
  private final long delayMillis;

  public DrainWriter() {
    String url = System.getProperty(URL);
    if (url == null) {
      throw new IllegalStateException("-D" + URL + " is not set");
    }
    store = new H2Writer(url);
    delayMillis = Long.getLong(DELAY, 0L);
    for (String key : System.getProperty(REFUSE, "").split(",")) {
      if (!key.isBlank()) {
        store.failAlways.add(key.trim());
      }
    }
  }

  private void pause() {
    if (delayMillis > 0) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        // A held store that is given up on fails the call; with the interrupt set H2 would close its files.
        throw new CacheWriterException("interrupted while the test store was held");
      }
    }
  }

  @Override
  public void write(Cache.Entry<? extends String, ? extends String> entry) {
    pause();
    store.write(entry);
  }

  @Override
  public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
    pause();
    store.writeAll(entries);
  }

  @Override
  public void delete(Object key) {
    pause();
    store.delete(key);
  }

  @Override
  public void deleteAll(Collection<?> keys) {
    pause();
    store.deleteAll(keys);
  }

  @Override
  public void close() {
    store.close();
  }
}

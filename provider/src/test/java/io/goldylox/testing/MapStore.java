package io.goldylox.testing;

import java.io.Serializable;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * A system of record for write-through and read-through tests: a {@link ConcurrentHashMap} behind a
 * {@link CacheWriter} and a {@link CacheLoader} that follow the JSR-107 contracts (writeAll and deleteAll remove
 * what they handled from the collection they are given and throw for the rest), with keys that can be made to
 * fail. Stands in for a real database until the provider module has H2 as a test dependency.
 *
 * <p>Thread-safe; the factories hand every cache the same instance (they are not meant to be serialized).
 */
public final class MapStore<K, V> {

  /** What the store holds. */
  public final Map<K, V> rows = new ConcurrentHashMap<>();
  /** Keys whose write or delete throws. */
  public final Set<Object> failing = ConcurrentHashMap.newKeySet();
  /** When true, writeAll and deleteAll stop at the first failing key (the rest stays unwritten too). */
  public volatile boolean stopAtFirstFailure;

  public final AtomicInteger writes = new AtomicInteger();
  public final AtomicInteger deletes = new AtomicInteger();
  public final AtomicInteger loads = new AtomicInteger();

  private final Writer writer = new Writer();
  private final Loader loader = new Loader();

  public CacheWriter<K, V> writer() {
    return writer;
  }

  public CacheLoader<K, V> loader() {
    return loader;
  }

  public Factory<CacheWriter<? super K, ? super V>> writerFactory() {
    return new Same<>(writer);
  }

  public Factory<CacheLoader<K, V>> loaderFactory() {
    return new Same<>(loader);
  }

  /** A factory that always returns one instance (the instance itself is not serialized). */
  private static final class Same<T> implements Factory<T>, Serializable {
    private static final long serialVersionUID = 1L;
    private final transient T instance;

    Same(T instance) {
      this.instance = instance;
    }

    @Override
    public T create() {
      return instance;
    }
  }

  private final class Writer implements CacheWriter<K, V> {
    @Override
    public void write(Cache.Entry<? extends K, ? extends V> entry) {
      if (failing.contains(entry.getKey())) {
        throw new CacheWriterException("store refuses key " + entry.getKey());
      }
      rows.put(entry.getKey(), entry.getValue());
      writes.incrementAndGet();
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends K, ? extends V>> entries) {
      Object failed = null;
      for (Iterator<Cache.Entry<? extends K, ? extends V>> it = entries.iterator(); it.hasNext(); ) {
        Cache.Entry<? extends K, ? extends V> entry = it.next();
        if (failing.contains(entry.getKey())) {
          failed = failed == null ? entry.getKey() : failed;
          if (stopAtFirstFailure) {
            break;
          }
          continue;
        }
        write(entry);
        it.remove();
      }
      if (failed != null) {
        throw new CacheWriterException("store refuses key " + failed);
      }
    }

    @Override
    public void delete(Object key) {
      if (failing.contains(key)) {
        throw new CacheWriterException("store refuses to delete key " + key);
      }
      rows.remove(key);
      deletes.incrementAndGet();
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      Object failed = null;
      for (Iterator<?> it = keys.iterator(); it.hasNext(); ) {
        Object key = it.next();
        if (failing.contains(key)) {
          failed = failed == null ? key : failed;
          if (stopAtFirstFailure) {
            break;
          }
          continue;
        }
        delete(key);
        it.remove();
      }
      if (failed != null) {
        throw new CacheWriterException("store refuses to delete key " + failed);
      }
    }
  }

  private final class Loader implements CacheLoader<K, V> {
    @Override
    public V load(K key) {
      loads.incrementAndGet();
      return rows.get(key);
    }

    @Override
    public Map<K, V> loadAll(Iterable<? extends K> keys) {
      Map<K, V> found = new HashMap<>();
      for (K key : keys) {
        V value = load(key);
        if (value != null) {
          found.put(key, value);
        }
      }
      return found;
    }
  }
}

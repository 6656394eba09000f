package io.goldylox.benchmarks;

import java.util.Map;
import java.util.Set;

/**
 * What a benchmark does to a cache: the JCache calls measured, over either a real JCache {@link
 * javax.cache.Cache} ({@link JCacheBenchCache}) or a raw {@link java.util.concurrent.ConcurrentHashMap}, the
 * ceiling ({@link ChmBenchCache}). Only one implementation is loaded in a benchmark fork, so calls through this
 * interface are monomorphic and inlined. Used by benchmark threads concurrently; implementations are as
 * thread-safe as the cache beneath.
 */
public interface BenchCache extends AutoCloseable {

  Payload get(Long key);

  void put(Long key, Payload value);

  Map<Long, Payload> getAll(Set<Long> keys);

  void putAll(Map<Long, Payload> entries);

  /** Applies {@link Increment} to the key's entry. */
  Object increment(Long key);

  /** How many of these keys are present (each looked up with {@link #get}). */
  default int countPresent(Long[] keys) {
    int present = 0;
    for (Long key : keys) {
      if (get(key) != null) {
        present++;
      }
    }
    return present;
  }

  /** Destroys the cache and releases its manager. */
  @Override
  void close();
}

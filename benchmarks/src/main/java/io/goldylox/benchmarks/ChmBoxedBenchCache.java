package io.goldylox.benchmarks;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A diagnostic for {@link PutCeilingBenchmark}: a raw {@link ConcurrentHashMap} whose every put stores a new
 * 24-byte holder, as a cache stores an entry object; only get and put are supported. Thread-safe as the map.
 */
public final class ChmBoxedBenchCache implements BenchCache {
  static final class Holder {
    final Object value;
    final long deadline;
    Holder(Object value, long deadline) {
      this.value = value;
      this.deadline = deadline;
    }
  }

  private final ConcurrentHashMap<Long, Holder> map = new ConcurrentHashMap<>();

  @Override
  public Payload get(Long key) {
    Holder h = map.get(key);
    return h == null ? null : (Payload) h.value;
  }

  @Override
  public void put(Long key, Payload value) {
    map.put(key, new Holder(value, Long.MAX_VALUE));
  }

  @Override
  public Map<Long, Payload> getAll(Set<Long> keys) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void putAll(Map<Long, Payload> entries) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Object increment(Long key) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {
    map.clear();
  }
}

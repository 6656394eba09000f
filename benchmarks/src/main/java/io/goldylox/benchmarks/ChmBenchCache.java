package io.goldylox.benchmarks;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ceiling: a raw {@link ConcurrentHashMap} with no JCache semantics (no copies, no events, no statistics,
 * no expiry). It ignores store-by-value: it is the by-reference ceiling in every table.
 */
public final class ChmBenchCache implements BenchCache {

  private final ConcurrentHashMap<Long, Payload> map = new ConcurrentHashMap<>();

  @Override
  public Payload get(Long key) {
    return map.get(key);
  }

  @Override
  public void put(Long key, Payload value) {
    map.put(key, value);
  }

  @Override
  public Map<Long, Payload> getAll(Set<Long> keys) {
    Map<Long, Payload> result = new HashMap<>(keys.size() * 2);
    for (Long key : keys) {
      Payload value = map.get(key);
      if (value != null) {
        result.put(key, value);
      }
    }
    return result;
  }

  @Override
  public void putAll(Map<Long, Payload> entries) {
    map.putAll(entries);
  }

  @Override
  public Object increment(Long key) {
    map.computeIfPresent(key, (k, v) -> v.next());
    return null;
  }

  @Override
  public void close() {
    map.clear();
  }
}

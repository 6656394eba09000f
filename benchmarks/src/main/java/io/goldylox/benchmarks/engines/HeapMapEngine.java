package io.goldylox.benchmarks.engines;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The ceiling: a {@code ConcurrentHashMap<Long, byte[]>} that keeps the caller's arrays (no copy in, no copy out),
 * so it measures the hash probe alone. Used by the harness thread only.
 */
final class HeapMapEngine implements Engine {

  private ConcurrentHashMap<Long, byte[]> map;

  HeapMapEngine(int n) {
    this.map = new ConcurrentHashMap<>(n);
  }

  @Override
  public void put(Long key, byte[] value) {
    map.put(key, value);
  }

  @Override
  public byte[] get(Long key) {
    return map.get(key);
  }

  @Override
  public long size() {
    return map.mappingCount();
  }

  @Override
  public long bytesUsed() {
    return -1;
  }

  @Override
  public void close() {
    map = null;
  }
}

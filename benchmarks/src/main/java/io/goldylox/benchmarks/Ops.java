package io.goldylox.benchmarks;

import java.util.Map;

/**
 * The measured operations, used by {@link ThroughputBenchmark}: each reads the
 * thread's next key index from the shared stream and makes one call on the cache. Small static methods, inlined
 * by the JIT into the generated benchmark loops.
 */
final class Ops {

  private Ops() {}

  static Payload get(CacheState state, Cursor cursor) {
    Payload value = state.cache.get(state.keys[state.stream[cursor.next()]]);
    if (value == null) {
      cursor.misses++;
    }
    return value;
  }

  /**
   * A put of a new instance (as an application puts a new object), so that no provider can skip work because the
   * very same instance is stored already.
   */
  static void put(CacheState state, Cursor cursor) {
    int index = state.stream[cursor.next()];
    state.cache.put(state.keys[index], state.values[index].next());
  }

  /** 80% get, 20% put (every fifth operation of the thread). */
  static Payload mixed(CacheState state, Cursor cursor) {
    int index = state.stream[cursor.next()];
    if (cursor.putTurn()) {
      state.cache.put(state.keys[index], state.values[index].next());
      return null;
    }
    Payload value = state.cache.get(state.keys[index]);
    if (value == null) {
      cursor.misses++;
    }
    return value;
  }

  static Map<Long, Payload> getAll(CacheState state, Cursor cursor) {
    return state.cache.getAll(state.keyBatches.get(cursor.next() & (CacheState.BATCHES - 1)));
  }

  static void putAll(CacheState state, Cursor cursor) {
    state.cache.putAll(state.entryBatches.get(cursor.next() & (CacheState.BATCHES - 1)));
  }

  static Object invoke(CacheState state, Cursor cursor) {
    return state.cache.increment(state.keys[state.stream[cursor.next()]]);
  }
}

package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.Parallel;
import io.goldylox.testing.TestManagers;
import java.io.Serializable;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;
import javax.cache.Cache;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.processor.EntryProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code Cache.invoke} is one atomic step per key: concurrent read-modify-write processors on one key lose no
 * update and never see the same value twice, and processors on distinct keys do not disturb each other. Checked
 * for store-by-reference and store-by-value, with an immutable value type (stored as is) and a mutable one
 * (stored serialized, so each processor works on its own copy).
 */
class InvokeAtomicityTest {

  private static final int THREADS = 8;
  private static final int INCREMENTS = 10_000;
  private static final Duration LIMIT = Duration.ofSeconds(60);

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  /** Adds one to the value (absent counts as 0) and returns the new value. */
  static final class Increment implements EntryProcessor<String, Long, Long> {
    @Override
    public Long process(javax.cache.processor.MutableEntry<String, Long> entry, Object... arguments) {
      long next = (entry.exists() ? entry.getValue() : 0L) + 1;
      entry.setValue(next);
      return next;
    }
  }

  /** A mutable counter: by value it is stored serialized, by reference the processor may change it in place. */
  static final class Counter implements Serializable {
    private static final long serialVersionUID = 1L;
    long count;
  }

  static final class IncrementCounter implements EntryProcessor<String, Counter, Long> {
    @Override
    public Long process(javax.cache.processor.MutableEntry<String, Counter> entry, Object... arguments) {
      Counter counter = entry.exists() ? entry.getValue() : new Counter();
      counter.count++;
      entry.setValue(counter);
      return counter.count;
    }
  }

  private Cache<String, Long> longCache(boolean storeByValue) {
    return managers.newManager("invoke").createCache("counters",
        new MutableConfiguration<String, Long>().setTypes(String.class, Long.class).setStoreByValue(storeByValue));
  }

  @ParameterizedTest(name = "storeByValue={0}")
  @ValueSource(booleans = {false, true})
  void concurrentIncrementsOfOneKeyLoseNoUpdate(boolean storeByValue) throws Exception {
    Cache<String, Long> cache = longCache(storeByValue);
    int total = THREADS * INCREMENTS;
    // Each returned value must be seen by exactly one invocation: two seeing the same means a lost update.
    AtomicIntegerArray seen = new AtomicIntegerArray(total + 1);

    Parallel.run(THREADS, LIMIT, thread -> {
      Increment increment = new Increment();
      for (int i = 0; i < INCREMENTS; i++) {
        long value = cache.invoke("hot", increment);
        seen.incrementAndGet((int) value);
      }
    });

    assertThat(cache.get("hot")).isEqualTo((long) total);
    for (int value = 1; value <= total; value++) {
      assertThat(seen.get(value)).as("invocations that returned %d", value).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "storeByValue={0}")
  @ValueSource(booleans = {false, true})
  void concurrentIncrementsOfAMutableValueLoseNoUpdate(boolean storeByValue) throws Exception {
    Cache<String, Counter> cache = managers.newManager("invoke-mutable").createCache("counters",
        new MutableConfiguration<String, Counter>().setTypes(String.class, Counter.class)
            .setStoreByValue(storeByValue));
    int threads = 4;
    int increments = 5_000;

    Parallel.run(threads, LIMIT, thread -> {
      IncrementCounter increment = new IncrementCounter();
      for (int i = 0; i < increments; i++) {
        cache.invoke("hot", increment);
      }
    });

    assertThat(cache.get("hot").count).isEqualTo((long) threads * increments);
  }

  @ParameterizedTest(name = "storeByValue={0}")
  @ValueSource(booleans = {false, true})
  void invokeOnDistinctKeysInParallelKeepsEveryKeyExact(boolean storeByValue) throws Exception {
    Cache<String, Long> cache = longCache(storeByValue);
    int keysPerThread = 64;
    int rounds = 200;

    Parallel.run(THREADS, LIMIT, thread -> {
      Increment increment = new Increment();
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < keysPerThread; k++) {
          long value = cache.invoke("t" + thread + "-k" + k, increment);
          assertThat(value).isEqualTo(round + 1L);
        }
      }
    });

    for (int thread = 0; thread < THREADS; thread++) {
      for (int k = 0; k < keysPerThread; k++) {
        assertThat(cache.get("t" + thread + "-k" + k)).as("t%d-k%d", thread, k).isEqualTo((long) rounds);
      }
    }
  }

  @Test
  void invokeOnSharedKeysFromManyThreadsAddsUpExactly() throws Exception {
    Cache<String, Long> cache = longCache(true);
    int keys = 16;

    Parallel.run(THREADS, LIMIT, thread -> {
      Increment increment = new Increment();
      for (int i = 0; i < INCREMENTS; i++) {
        cache.invoke("shared-" + ((i + thread) % keys), increment);
      }
    });

    long sum = 0;
    for (int k = 0; k < keys; k++) {
      Long value = cache.get("shared-" + k);
      assertThat(value).isEqualTo((long) THREADS * INCREMENTS / keys);
      sum += value;
    }
    assertThat(sum).isEqualTo((long) THREADS * INCREMENTS);
  }
}

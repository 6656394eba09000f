package io.goldylox.cache;

import static io.goldylox.cache.AtomicSteps.GET_TIME;
import static io.goldylox.cache.AtomicSteps.HIT_OR_MISS;
import static io.goldylox.cache.AtomicSteps.LOAD_ALLOWED;
import static io.goldylox.cache.AtomicSteps.PUT_TIME;
import static io.goldylox.cache.AtomicSteps.REMOVE_TIME;
import static io.goldylox.cache.OperationBodies.GET_AND_PUT;
import static io.goldylox.cache.OperationBodies.GET_AND_REMOVE;
import static io.goldylox.cache.OperationBodies.GET_AND_REPLACE;
import static io.goldylox.cache.OperationBodies.INVOKE;
import static io.goldylox.cache.OperationBodies.PUT_IF_ABSENT;
import static io.goldylox.cache.OperationBodies.REMOVE;
import static io.goldylox.cache.OperationBodies.REMOVE_IF_EQUAL;
import static io.goldylox.cache.OperationBodies.REPLACE;
import static io.goldylox.cache.OperationBodies.REPLACE_IF_EQUAL;

import io.goldylox.serialization.Copier;
import io.goldylox.stats.CacheStatistics;
import java.util.Objects;
import javax.cache.processor.EntryProcessor;

/**
 * The single-key operations of a {@link GoldyloxCache} that always run as one atomic step of the tier, with no
 * fast path around it: {@code getAndPut}, {@code putIfAbsent}, both {@code remove}s, {@code getAndRemove}, both
 * {@code replace}s, {@code getAndReplace} and {@code invoke}. Each checks that the cache is open and its
 * arguments, runs its body ({@link OperationBodies}) through {@link AtomicSteps#execute}, and records its
 * statistics and delivers its synchronous events with {@link AtomicSteps#finish}. {@code get} and {@code put} stay
 * in the cache, whose lock-free hit and store-only put must not pay for a call more.
 *
 * <p>Holds no mutable state. Runs on the callers' threads (and on the async executor for {@link AsyncView}'s
 * changes over a remote tier).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class SingleKeyOperations<K, V> {

  private final GoldyloxCache<K, V> cache;
  private final AtomicSteps<K, V> steps;
  private final Copier copier;
  private final CacheStatistics statistics;
  /** Whether a miss may find a value without the tiers: {@code invoke} may then load (constant). */
  private final boolean missMayFind;

  SingleKeyOperations(GoldyloxCache<K, V> cache, AtomicSteps<K, V> steps, Copier copier,
      CacheStatistics statistics, boolean missMayFind) {
    this.cache = cache;
    this.steps = steps;
    this.copier = copier;
    this.statistics = statistics;
    this.missMayFind = missMayFind;
  }

  /** {@code Cache.getAndPut}. */
  V getAndPut(K key, V value) {
    cache.requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    cache.types.mapping(key, value);
    long start = statistics.startNanos();
    EntryOperation<K, V> op = steps.execute(copier.copyKey(key), GET_AND_PUT, value, null, 0);
    steps.finish(op, start, HIT_OR_MISS | GET_TIME | PUT_TIME);
    return op.result();
  }

  /** {@code Cache.putIfAbsent}. */
  boolean putIfAbsent(K key, V value) {
    cache.requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    cache.types.mapping(key, value);
    long start = statistics.startNanos();
    EntryOperation<K, V> op = steps.execute(copier.copyKey(key), PUT_IF_ABSENT, value, null, 0);
    steps.finish(op, start, HIT_OR_MISS | PUT_TIME);
    return (Boolean) op.result;
  }

  /** {@code Cache.remove}. */
  boolean remove(K key) {
    cache.requireOpen();
    Objects.requireNonNull(key, "key");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = steps.execute(key, REMOVE, null, null, 0);
    steps.finish(op, start, REMOVE_TIME);
    return (Boolean) op.result;
  }

  /** {@code Cache.remove(key, oldValue)}. */
  boolean remove(K key, V oldValue) {
    cache.requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(oldValue, "oldValue");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = steps.execute(key, REMOVE_IF_EQUAL, oldValue, null, 0);
    steps.finish(op, start, HIT_OR_MISS | GET_TIME | REMOVE_TIME);
    return (Boolean) op.result;
  }

  /** {@code Cache.getAndRemove}. */
  V getAndRemove(K key) {
    cache.requireOpen();
    Objects.requireNonNull(key, "key");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = steps.execute(key, GET_AND_REMOVE, null, null, 0);
    steps.finish(op, start, HIT_OR_MISS | GET_TIME | REMOVE_TIME);
    return op.result();
  }

  /** {@code Cache.replace(key, oldValue, newValue)}. */
  boolean replace(K key, V oldValue, V newValue) {
    cache.requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(oldValue, "oldValue");
    Objects.requireNonNull(newValue, "newValue");
    cache.types.mapping(key, newValue);
    long start = statistics.startNanos();
    EntryOperation<K, V> op = steps.execute(key, REPLACE_IF_EQUAL, oldValue, newValue, 0);
    steps.finish(op, start, HIT_OR_MISS | GET_TIME | PUT_TIME);
    return (Boolean) op.result;
  }

  /** {@code Cache.replace}. */
  boolean replace(K key, V value) {
    cache.requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    cache.types.mapping(key, value);
    long start = statistics.startNanos();
    EntryOperation<K, V> op = steps.execute(key, REPLACE, value, null, 0);
    steps.finish(op, start, HIT_OR_MISS | GET_TIME | PUT_TIME);
    return (Boolean) op.result;
  }

  /** {@code Cache.getAndReplace}. */
  V getAndReplace(K key, V value) {
    cache.requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    cache.types.mapping(key, value);
    long start = statistics.startNanos();
    EntryOperation<K, V> op = steps.execute(key, GET_AND_REPLACE, value, null, 0);
    steps.finish(op, start, HIT_OR_MISS | GET_TIME | PUT_TIME);
    return op.result();
  }

  /** {@code Cache.invoke}. */
  <T> T invoke(K key, EntryProcessor<K, V, T> processor, Object... arguments) {
    cache.requireOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(processor, "entryProcessor");
    long start = statistics.startNanos();
    EntryOperation<K, V> op = steps.execute(copier.copyKey(key), INVOKE, processor, arguments,
        missMayFind ? LOAD_ALLOWED : 0);
    steps.finish(op, start, HIT_OR_MISS | GET_TIME);
    return op.result();
  }
}

package io.goldylox.cache;

import io.goldylox.tier.StoredEntry;
import io.goldylox.tier.Tier;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import javax.cache.CacheException;
import javax.cache.processor.EntryProcessor;

/**
 * The {@link AsyncCache} of one {@link GoldyloxCache}. Holds no state of its own: reads ask the tier for a stage
 * ({@link Tier#getAsync}) and finish on whatever thread completes it when nothing more can wait, else on the
 * manager's bounded async executor; changes run on the caller for a local cache and on that executor over a
 * remote tier. Any thread.
 */
final class AsyncView<K, V> implements AsyncCache<K, V> {

  private final GoldyloxCache<K, V> cache;
  private final Tier<K> tier;
  private final Executor executor;

  AsyncView(GoldyloxCache<K, V> cache, Tier<K> tier, Executor executor) {
    this.cache = cache;
    this.tier = tier;
    this.executor = executor;
  }

  @Override
  public CompletionStage<V> getAsync(K key) {
    cache.requireOpen();
    Objects.requireNonNull(key, "key");
    CompletionStage<StoredEntry> found;
    try {
      found = tier.getAsync(key);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    long start = cache.statistics().startNanos(); // a get's time, as get(key) records it: until the value is known
    return found.thenCompose(entry -> readCompletesAtOnce(entry)
        ? CompletableFuture.completedFuture(timedRead(key, entry, start))
        : submit(() -> timedRead(key, entry, start)));
  }

  private V timedRead(K key, StoredEntry entry, long start) {
    V value = cache.read(key, entry);
    cache.statistics().recordGetTime(start);
    return value;
  }

  @Override
  public CompletionStage<Void> putAsync(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return change(() -> {
      cache.put(key, value);
      return null;
    });
  }

  @Override
  public CompletionStage<Boolean> removeAsync(K key) {
    Objects.requireNonNull(key, "key");
    return change(() -> cache.remove(key));
  }

  @Override
  public <T> CompletionStage<T> invokeAsync(K key, EntryProcessor<K, V, T> processor, Object... arguments) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(processor, "processor");
    return change(() -> cache.invoke(key, processor, arguments));
  }

  private <T> CompletionStage<T> change(Supplier<T> operation) {
    cache.requireOpen();
    if (!changesMayWait()) {
      try {
        return CompletableFuture.completedFuture(operation.get());
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return submit(operation);
  }

  /**
   * Whether a read of {@code entry} finishes without waiting on anything: a live entry, or a miss that no loader
   * and no write-behind journal can answer.
   */
  private boolean readCompletesAtOnce(StoredEntry entry) {
    if (entry == null) {
      return !cache.missMayFind();
    }
    return !entry.isMortal() || !entry.isExpiredAt(System.currentTimeMillis());
  }

  /** Whether changes may wait on another process (a remote tier): they are then handed to the executor. */
  private boolean changesMayWait() {
    return tier instanceof io.goldylox.remote.NearCacheTier;
  }

  /** Runs {@code operation} on the async executor; a full queue fails the stage and does nothing. */
  private <T> CompletableFuture<T> submit(Supplier<T> operation) {
    try {
      return CompletableFuture.supplyAsync(operation, executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new CacheException("Cache " + cache.getName() + ": "
          + io.goldylox.internal.Workers.ASYNC_QUEUE + " asynchronous operations already wait for a thread (or the"
          + " cache manager is closed); this one was not started", e));
    }
  }
}

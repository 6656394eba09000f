package io.goldylox.cache;

import java.util.concurrent.CompletionStage;
import javax.cache.processor.EntryProcessor;

/**
 * An asynchronous view of a Goldylox cache: {@code cache.unwrap(AsyncCache.class)}. Each method checks its
 * arguments at once (a null key is a {@link NullPointerException} thrown to the caller, as in the synchronous API)
 * and returns a stage that completes with what the synchronous method returns, or exceptionally with what it
 * throws.
 *
 * <ul>
 *   <li>A read that the local tiers answer completes before the method returns, on the caller's thread, which
 *       never waits: it is the synchronous hit path.</li>
 *   <li>A read that goes to a remote tier blocks no thread: the stage completes on the remote client's I/O thread
 *       (so do not block in what you chain to it; use the {@code *Async} variants with your own executor).</li>
 *   <li>A read that must load ({@code CacheLoader}) or find a write-behind value, and every change over a remote
 *       tier, runs on the cache manager's async threads ({@code goldylox-<manager>-async-N}). At most
 *       {@value io.goldylox.internal.Workers#ASYNC_QUEUE} such operations wait for a thread; past that the
 *       stage completes exceptionally with a {@code CacheException} that says so, and nothing is done.</li>
 *   <li>A change on a cache without a remote tier runs on the caller, as the synchronous call does (it is one
 *       atomic step on one key), and the stage is complete when the method returns.</li>
 * </ul>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface AsyncCache<K, V> {

  /** {@link javax.cache.Cache#get}. */
  CompletionStage<V> getAsync(K key);

  /** {@link javax.cache.Cache#put}. */
  CompletionStage<Void> putAsync(K key, V value);

  /** {@link javax.cache.Cache#remove(Object)}: whether a mapping was removed. */
  CompletionStage<Boolean> removeAsync(K key);

  /** {@link javax.cache.Cache#invoke}. */
  <T> CompletionStage<T> invokeAsync(K key, EntryProcessor<K, V, T> processor, Object... arguments);
}

package io.goldylox.jmx;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryListenerException;

/**
 * An asynchronous CREATED listener that holds its delivery thread until {@link #release()}, then throws on every
 * event: so events pile up (pending), overflow (dropped) and fail (failed) in counts a test can predict exactly.
 */
final class BlockingListener implements CacheEntryCreatedListener<String, String> {

  private final CountDownLatch released = new CountDownLatch(1);

  void release() {
    released.countDown();
  }

  MutableCacheEntryListenerConfiguration<String, String> asyncConfiguration() {
    return new MutableCacheEntryListenerConfiguration<>(() -> this, null, false, false);
  }

  @Override
  public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
    try {
      if (!released.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("test never released the listener");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new CacheEntryListenerException("failing on purpose");
  }
}

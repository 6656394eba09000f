package io.goldylox.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.TestManagers;
import java.io.Serializable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryEventFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A synchronous listener whose filter is running when the listener is deregistered is not called after
 * deregisterCacheEntryListener returned (the delivery checks again after the filter, which may take long).
 */
class DeregistrationDuringFilterTest {

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  static final CountDownLatch inFilter = new CountDownLatch(1);
  static final CountDownLatch release = new CountDownLatch(1);
  static volatile boolean deregistered;
  static final AtomicInteger callsAfterDeregistration = new AtomicInteger();

  static final class SlowFilter implements CacheEntryEventFilter<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean evaluate(CacheEntryEvent<? extends String, ? extends String> event) {
      inFilter.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return true;
    }
  }

  static final class Counting implements CacheEntryCreatedListener<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      if (deregistered) {
        callsAfterDeregistration.incrementAndGet();
      }
    }
  }

  @Test
  void aListenerIsNotCalledAfterDeregistrationReturnedWhileItsFilterRan() throws Exception {
    Cache<String, String> cache = managers.newManager("dereg-filter").createCache("c",
        new MutableConfiguration<String, String>().setTypes(String.class, String.class));
    MutableCacheEntryListenerConfiguration<String, String> configuration =
        new MutableCacheEntryListenerConfiguration<>(FactoryBuilder.factoryOf(new Counting()),
            FactoryBuilder.factoryOf(new SlowFilter()), false, true);
    cache.registerCacheEntryListener(configuration);
    Thread putter = new Thread(() -> cache.put("k", "v"), "putter");
    putter.setDaemon(true);
    putter.start();
    assertThat(inFilter.await(10, TimeUnit.SECONDS)).isTrue();
    cache.deregisterCacheEntryListener(configuration);
    deregistered = true;
    release.countDown();
    putter.join(10_000);
    assertThat(callsAfterDeregistration.get())
        .as("synchronous listener calls after deregisterCacheEntryListener returned").isZero();
  }
}

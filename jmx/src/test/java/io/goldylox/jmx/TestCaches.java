package io.goldylox.jmx;

import io.goldylox.spi.GoldyloxCachingProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.cache.CacheManager;

/** Real Goldylox cache managers for the tests, each under a URI no other test uses. */
final class TestCaches {

  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final GoldyloxCachingProvider PROVIDER = new GoldyloxCachingProvider();

  private TestCaches() {}

  static CacheManager newManager() {
    return PROVIDER.getCacheManager(nextUri(), TestCaches.class.getClassLoader());
  }

  static CacheManager newManager(Properties properties) {
    return PROVIDER.getCacheManager(nextUri(), TestCaches.class.getClassLoader(), properties);
  }

  private static URI nextUri() {
    return URI.create("urn:goldylox:jmx-test-" + SEQUENCE.incrementAndGet());
  }

  /** Waits (on the test thread) until {@code condition} holds; fails after {@code timeout}. */
  static void await(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("Timed out after " + timeout + " waiting until " + what);
      }
      Thread.sleep(2);
    }
  }
}

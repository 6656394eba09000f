package io.goldylox.testing;

import io.goldylox.spi.GoldyloxCachingProvider;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;

/**
 * Test support: cache managers of the real provider under unique URIs (closed by {@link #close()}, called from
 * {@code @AfterEach}), and a bounded wait that parks between checks. Used by one test thread at a time.
 */
public final class TestManagers implements AutoCloseable {

  /** The provider's class name, as {@code Caching.getCachingProvider(String)} takes it. */
  public static final String PROVIDER = "io.goldylox.spi.GoldyloxCachingProvider";

  private static final AtomicLong NEXT = new AtomicLong();

  private final List<CacheManager> managers = new ArrayList<>();

  /** A fresh manager of the provider that {@link Caching} finds by name, under a URI nobody else uses. */
  public CacheManager newManager(String purpose) {
    CachingProvider provider = Caching.getCachingProvider(PROVIDER);
    CacheManager manager = provider.getCacheManager(uniqueUri(purpose), getClass().getClassLoader());
    managers.add(manager);
    return manager;
  }

  /** A fresh manager of the provider that {@link Caching} finds by name, with manager properties. */
  public CacheManager newManager(String purpose, java.util.Properties properties) {
    CachingProvider provider = Caching.getCachingProvider(PROVIDER);
    CacheManager manager = provider.getCacheManager(uniqueUri(purpose), getClass().getClassLoader(), properties);
    managers.add(manager);
    return manager;
  }

  /** A fresh manager of a provider instance the caller owns (closing it touches no other test). */
  public CacheManager newManager(GoldyloxCachingProvider provider, String purpose) {
    CacheManager manager = provider.getCacheManager(uniqueUri(purpose), getClass().getClassLoader());
    managers.add(manager);
    return manager;
  }

  /** {@code urn:goldylox:test-<purpose>-<n>}, unique in this JVM. */
  public static URI uniqueUri(String purpose) {
    return URI.create("urn:goldylox:test-" + purpose + "-" + NEXT.incrementAndGet() + "-" + System.nanoTime());
  }

  /** The prefix of the names of the worker threads of {@code manager} ({@code goldylox-<ssp, sanitized>-}). */
  public static String threadPrefix(CacheManager manager) {
    return "goldylox-" + manager.getURI().getSchemeSpecificPart().replaceAll("[,:=*?\"\\n\\r]", ".") + "-";
  }

  /** Names of the live threads whose name starts with {@code prefix}. */
  public static Set<String> liveThreads(String prefix) {
    Set<String> names = new TreeSet<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.isAlive() && thread.getName().startsWith(prefix)) {
        names.add(thread.getName());
      }
    }
    return names;
  }

  /**
   * Waits until {@code condition} holds, parking 5 ms between checks, and fails with {@code what} (and the last
   * {@code state}) after {@code limit}. Only for test threads: the provider itself never waits like this.
   */
  public static void await(Duration limit, String what, BooleanSupplier condition, Supplier<?> state) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("Timed out after " + limit + " waiting until " + what + "; state: " + state.get());
      }
      LockSupport.parkNanos(5_000_000L);
    }
  }

  public static void await(Duration limit, String what, BooleanSupplier condition) {
    await(limit, what, condition, () -> "-");
  }

  @Override
  public void close() {
    for (CacheManager manager : managers) {
      manager.close();
    }
    managers.clear();
  }
}

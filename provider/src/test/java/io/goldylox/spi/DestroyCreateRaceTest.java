package io.goldylox.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.management.MBeanRegistrar;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * destroyCache (a cache's close) racing createCache of the same name: the closing cache used to give its name back
 * first, before unregistering its MBeans and closing its tiers, so a createCache in that window either found the
 * disk directory still locked or lost its statistics MBean to the old cache's unregister. The name is now given
 * back last; until then createCache says the cache exists.
 */
class DestroyCreateRaceTest {

  @TempDir
  Path dir;

  /** With a file's default disk root, every runtime cache "c" has the same directory. */
  @Test
  void createCacheRightAfterAConcurrentDestroyDoesNotFindTheDirectoryLocked() throws Exception {
    Path conf = Files.writeString(dir.resolve("g.conf"), "goldylox.default { heap.max-entries = 100, disk { path = \""
        + dir.resolve("disks") + "\", size = 64MiB } }\n");
    List<Throwable> failures = race(conf.toUri(), false);
    assertThat(failures).isEmpty();
  }

  /** Statistics enabled, but no CacheStatistics MBean for the open cache. */
  @Test
  void theCacheCreatedAfterAConcurrentDestroyHasItsStatisticsBean() throws Exception {
    List<Throwable> failures = race(URI.create("urn:review:mbeans"), true);
    assertThat(failures).isEmpty();
  }

  private List<Throwable> race(URI uri, boolean checkBean) throws Exception {
    GoldyloxCachingProvider provider = new GoldyloxCachingProvider();
    CacheManager manager = provider.getCacheManager(uri, getClass().getClassLoader());
    MutableConfiguration<Object, Object> configuration = new MutableConfiguration<>().setStatisticsEnabled(true);
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      manager.createCache("c", configuration);
      while (System.nanoTime() < deadline && failures.isEmpty()) {
        Cache<Object, Object> cache = manager.getCache("c");
        for (int i = 0; i < 500; i++) {
          cache.put(i, "value-" + i);
        }
        CountDownLatch go = new CountDownLatch(1);
        Thread destroyer = new Thread(() -> {
          try {
            go.await();
            manager.destroyCache("c");
          } catch (Throwable t) {
            failures.add(t);
          }
        });
        destroyer.start();
        go.countDown();
        while (true) {
          try {
            manager.createCache("c", configuration);
            break;
          } catch (CacheException e) {
            if (e.getMessage() != null && e.getMessage().contains("already exists")) {
              continue;
            }
            failures.add(e);
            break;
          }
        }
        destroyer.join(10_000);
        if (manager.getCache("c") == null) {
          manager.createCache("c", configuration);
        }
        if (checkBean && !ManagementFactory.getPlatformMBeanServer().isRegistered(
            MBeanRegistrar.objectName(MBeanRegistrar.Kind.STATISTICS, uri, "c"))) {
          failures.add(new AssertionError("cache c is open with statistics enabled, but its CacheStatistics MBean"
              + " is not registered"));
        }
      }
    } finally {
      provider.close();
    }
    return failures;
  }
}

package io.goldylox.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * getCacheManager(uri, loader) racing close() of that URI's manager: the provider must not hand out a new manager
 * while the old one's caches still hold their disk directories (it used to forget the old manager as its close
 * began, so the new one failed with "Disk tier path ... already in use"); it waits for the close to finish.
 */
class ManagerCloseRaceTest {

  @TempDir
  Path dir;

  @Test
  void getCacheManagerWhileTheOldManagerClosesNeverFails() throws Exception {
    Path conf = dir.resolve("goldylox.conf");
    Files.writeString(conf, "goldylox.caches.c { heap.max-entries = 100, disk { path = \""
        + dir.resolve("disk") + "\", size = 64MiB } }\n");
    URI uri = conf.toUri();
    GoldyloxCachingProvider provider = new GoldyloxCachingProvider();
    ClassLoader loader = getClass().getClassLoader();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    int rounds = 0;
    try {
      while (System.nanoTime() < deadline && failures.isEmpty()) {
        rounds++;
        CacheManager old = provider.getCacheManager(uri, loader);
        Cache<Object, Object> cache = old.getCache("c");
        for (int i = 0; i < 2_000; i++) {
          cache.put(i, "value-" + i);
        }
        CountDownLatch go = new CountDownLatch(1);
        Thread closer = new Thread(() -> {
          try {
            go.await();
            old.close();
          } catch (Throwable t) {
            failures.add(t);
          }
        });
        closer.start();
        go.countDown();
        try {
          CacheManager next;
          do {
            next = provider.getCacheManager(uri, loader);
          } while (next == old);
        } catch (Throwable t) {
          failures.add(t);
        }
        closer.join(10_000);
      }
    } finally {
      provider.close();
    }
    assertThat(failures).as("after %d rounds", rounds).isEmpty();
  }
}

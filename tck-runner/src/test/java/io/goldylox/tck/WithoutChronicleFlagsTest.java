package io.goldylox.tck;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.WriteBehindConfig;
import io.goldylox.spi.GoldyloxCachingProvider;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheWriter;
import org.junit.Test;

/**
 * This module's JVM runs without Chronicle's flags, as an application that never configured write-behind would:
 * plain caches work (the whole TCK shows it), and a write-behind cache is refused with a message that lists the
 * flags, before any Chronicle class could fail obscurely. (JUnit 4, like the TCK this module runs.)
 */
public class WithoutChronicleFlagsTest {

  /** A writer for the configuration; never called. */
  public static final class NoWriter implements CacheWriter<Object, Object> {
    @Override
    public void write(Cache.Entry<?, ?> entry) {}

    @Override
    public void writeAll(Collection<Cache.Entry<?, ?>> entries) {}

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(Collection<?> keys) {}
  }

  @Test
  public void aWriteBehindCacheIsRefusedWithTheFlagsToAddWhileOtherCachesWork() throws Exception {
    Path directory = Files.createTempDirectory("goldylox-no-flags");
    Path journal = directory.resolve("journal");
    try (CacheManager manager = new GoldyloxCachingProvider().getCacheManager(
        URI.create("urn:goldylox:without-chronicle-flags"), getClass().getClassLoader())) {
      Cache<String, String> plain = manager.createCache("plain", new MutableConfiguration<String, String>());
      plain.put("a", "1");
      assertEquals("1", plain.get("a"));

      GoldyloxConfiguration<String, String> configuration = new GoldyloxConfiguration<>();
      configuration.setWriteBehind(WriteBehindConfig.builder().writer(NoWriter.class).journal(journal).build());
      try {
        manager.createCache("behind", configuration);
        fail("a write-behind cache was created in a JVM without Chronicle's flags");
      } catch (CacheException expected) {
        String message = expected.getMessage();
        assertTrue(message, message.contains("--add-opens=java.base/java.lang=ALL-UNNAMED"));
        assertTrue(message, message.contains("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED"));
        assertTrue(message, message.contains("Missing:"));
      }
      assertEquals("1", plain.get("a"));
      assertTrue(manager.getCache("behind") == null);
      assertFalse("a refused write-behind cache created its journal", Files.exists(journal));
    } finally {
      try (Stream<Path> files = Files.walk(directory)) { // just the directory, unless the assertion above failed
        for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(file);
        }
      }
    }
  }
}

package io.goldylox.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.config.ConfigurationException;
import io.goldylox.config.GoldyloxConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cache manager whose URI names a HOCON file creates the caches declared there and applies its defaults. */
class ConfiguredManagerTest {

  @TempDir
  Path dir;

  private final GoldyloxCachingProvider provider = new GoldyloxCachingProvider();

  @Test
  void createsDeclaredCachesAndAppliesDefaultsToRuntimeCaches() throws Exception {
    Path file = dir.resolve("goldylox.conf");
    Files.writeString(file, String.join("\n",
        "goldylox {",
        "  default { statistics = true, store-by-value = false }",
        "  caches {",
        "    orders { key-type = \"java.lang.Long\", value-type = \"java.lang.String\", expiry { after-write = 10m } }",
        "  }",
        "}"));
    try (CacheManager manager = provider.getCacheManager(file.toUri(), getClass().getClassLoader())) {
      Cache<Long, String> orders = manager.getCache("orders", Long.class, String.class);
      assertThat(orders).isNotNull();
      orders.put(1L, "one");
      assertThat(orders.get(1L)).isEqualTo("one");
      CompleteConfiguration<?, ?> declared = orders.getConfiguration(CompleteConfiguration.class);
      ExpiryPolicy expiry = (ExpiryPolicy) declared.getExpiryPolicyFactory().create();
      assertThat(expiry.getExpiryForCreation()).isEqualTo(new Duration(java.util.concurrent.TimeUnit.MINUTES, 10));
      assertThat(declared.isStatisticsEnabled()).isTrue();

      // A cache created at runtime with a plain MutableConfiguration (as Spring and Hibernate do) gets the defaults.
      Cache<String, Object> runtime = manager.createCache("runtime", new MutableConfiguration<String, Object>());
      GoldyloxConfiguration<?, ?> applied = runtime.getConfiguration(GoldyloxConfiguration.class);
      assertThat(applied.isStatisticsEnabled()).isTrue();
      assertThat(applied.isStoreByValue()).isFalse();
    }
  }

  @Test
  void aBadFileFailsNamingFileKeyAndReason() throws Exception {
    Path file = dir.resolve("bad.conf");
    Files.writeString(file, "goldylox { caches { orders { heap.max-entrie = 10 } } }");
    assertThatThrownBy(() -> provider.getCacheManager(file.toUri(), getClass().getClassLoader()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(file.getFileName().toString())
        .hasMessageContaining("goldylox.caches.orders.heap.max-entrie");
  }

  @Test
  void aThreeTierCacheFromAFileKeepsEveryEntryAndSurvivesARestart() throws Exception {
    Path file = dir.resolve("tiers.conf");
    Files.writeString(file, String.join("\n",
        "goldylox.caches.orders {",
        "  key-type = \"java.lang.Long\", value-type = \"java.lang.String\"",
        "  heap.max-entries = 16",
        "  off-heap.size = 1MiB",
        "  disk { path = \"" + dir.resolve("orders-disk").toString().replace("\\", "/") + "\", size = 16MiB }",
        "}"));
    try (CacheManager manager = provider.getCacheManager(file.toUri(), getClass().getClassLoader())) {
      Cache<Long, String> orders = manager.getCache("orders", Long.class, String.class);
      for (long i = 0; i < 2_000; i++) {
        orders.put(i, "order-" + i);
      }
      for (long i = 0; i < 2_000; i++) {
        assertThat(orders.get(i)).as("entry %d", i).isEqualTo("order-" + i);
      }
      orders.remove(7L);
      assertThat(orders.get(7L)).isNull();
    }
    // A clean close writes every tier down to disk: a new manager on the same file finds all of it.
    try (CacheManager manager = provider.getCacheManager(file.toUri(), getClass().getClassLoader())) {
      Cache<Long, String> orders = manager.getCache("orders", Long.class, String.class);
      for (long i = 0; i < 2_000; i++) {
        assertThat(orders.get(i)).as("entry %d after restart", i).isEqualTo(i == 7 ? null : "order-" + i);
      }
    }
  }

  /** A writer class for configurations that need one. */
  public static final class NoWriter implements javax.cache.integration.CacheWriter<Object, Object> {
    @Override
    public void write(Cache.Entry<?, ?> entry) {}

    @Override
    public void writeAll(java.util.Collection<Cache.Entry<?, ?>> entries) {}

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(java.util.Collection<?> keys) {}
  }
}

package io.goldylox.config;

import io.goldylox.tier.OnIncompatible;
import static io.goldylox.config.MemoryUnit.GB;
import static io.goldylox.config.MemoryUnit.MB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The programmatic configuration: builder, copies, cross-setting rules and the merge with a file's defaults. */
class GoldyloxConfigurationTest {

  @TempDir
  Path dir;

  private final CacheEntryListenerConfiguration<Long, String> audit = new MutableCacheEntryListenerConfiguration<>(
      FactoryBuilder.factoryOf(Fixtures.Audit.class.getName()), null, true, false);

  @Test
  void builderRoundTrip() {
    WriteBehindConfig writeBehind = WriteBehindConfig.builder()
        .writer(Fixtures.OrderWriter.class)
        .journal(dir.resolve("journal"))
        .batchSize(50)
        .maxDelay(Duration.ofMillis(5))
        .coalesce(false)
        .durability(WriteBehindConfig.Durability.OS)
        .syncInterval(Duration.ofMillis(20))
        .retry(Duration.ofMillis(1), Duration.ofSeconds(1), 3)
        .deadLetter(dir.resolve("dead"))
        .closeTimeout(Duration.ofSeconds(1))
        .build();

    GoldyloxConfiguration<Long, String> built = GoldyloxConfiguration.builder(Long.class, String.class)
        .storeByValue(false)
        .statistics(true)
        .management(true)
        .heapMaxEntries(10_000)
        .offHeap(64, MB)
        .disk(dir.resolve("disk"), 1, GB)
        .onIncompatible(OnIncompatible.WIPE)
        .expireAfterWrite(Duration.ofMinutes(10))
        .readThrough(FactoryBuilder.factoryOf(Fixtures.OrderLoader.class))
        .writeBehind(writeBehind)
        .listener(audit)
        .build();

    assertThat(built.getKeyType()).isEqualTo(Long.class);
    assertThat(built.getValueType()).isEqualTo(String.class);
    assertThat(built.isStoreByValue()).isFalse();
    assertThat(built.isStatisticsEnabled()).isTrue();
    assertThat(built.isManagementEnabled()).isTrue();
    assertThat(built.heapMaxEntries()).hasValue(10_000);
    assertThat(built.offHeapBytes()).hasValue(64L * 1024 * 1024);
    assertThat(built.diskPath()).contains(dir.resolve("disk"));
    assertThat(built.diskBytes()).hasValue(1L << 30);
    assertThat(built.onIncompatible()).isEqualTo(OnIncompatible.WIPE);
    ExpiryPolicy expiry = built.getExpiryPolicyFactory().create();
    assertThat(expiry.getExpiryForCreation()).isEqualTo(new javax.cache.expiry.Duration(TimeUnit.MINUTES, 10));
    assertThat(expiry.getExpiryForUpdate()).isEqualTo(new javax.cache.expiry.Duration(TimeUnit.MINUTES, 10));
    assertThat(built.isReadThrough()).isTrue();
    assertThat(built.getCacheLoaderFactory().create()).isInstanceOf(Fixtures.OrderLoader.class);
    assertThat(built.isWriteThrough()).isFalse();
    assertThat(built.writeBehind()).contains(writeBehind);
    assertThat(built.getCacheEntryListenerConfigurations()).containsExactly(audit);

    // Copies through every door keep every setting.
    assertThat(new GoldyloxConfiguration<>(built)).isEqualTo(built).hasSameHashCodeAs(built);
    assertThat(new GoldyloxConfiguration<>((Configuration<Long, String>) built)).isEqualTo(built);
    MutableConfiguration<Long, String> jcacheCopy = new MutableConfiguration<>(built);
    assertThat(jcacheCopy.getCacheLoaderFactory()).isSameAs(built.getCacheLoaderFactory());
    assertThat(new GoldyloxConfiguration<>(built).setHeapMaxEntries(9)).isNotEqualTo(built);
    assertThat(new GoldyloxConfiguration<>(built).setNoDisk()).isNotEqualTo(built);
    assertThat(new GoldyloxConfiguration<>(built).setWriteBehind(null)).isNotEqualTo(built);
  }

  @Test
  void builtConfigurationIsIndependentOfItsBuilder() {
    GoldyloxConfiguration.Builder<Long, String> builder =
        GoldyloxConfiguration.builder(Long.class, String.class).heapMaxEntries(5);
    GoldyloxConfiguration<Long, String> first = builder.build();

    builder.heapMaxEntries(6);

    assertThat(first.heapMaxEntries()).hasValue(5);
    assertThat(builder.build().heapMaxEntries()).hasValue(6);
  }

  @Test
  void defaultsAreTheSpecsAndNoExtraTiers() {
    GoldyloxConfiguration<Object, Object> plain = new GoldyloxConfiguration<>();

    assertThat(plain).isEqualTo(new GoldyloxConfiguration<>(new MutableConfiguration<>()));
    assertThat(plain.getKeyType()).isEqualTo(Object.class);
    assertThat(plain.isStoreByValue()).isTrue();
    assertThat(plain.getExpiryPolicyFactory()).isEqualTo(EternalExpiryPolicy.factoryOf());
    assertThat(plain.heapMaxEntries()).isEmpty();
    assertThat(plain.offHeapBytes()).isEmpty();
    assertThat(plain.diskPath()).isEmpty();
    assertThat(plain.diskBytes()).isEmpty();
    assertThat(plain.onIncompatible()).isEqualTo(OnIncompatible.FAIL);
    assertThat(plain.writeBehind()).isEmpty();
  }

  @Test
  void serializesWithItsGoldyloxSettings() throws IOException, ClassNotFoundException {
    GoldyloxConfiguration<Long, String> built = GoldyloxConfiguration.builder(Long.class, String.class)
        .heapMaxEntries(3).offHeap(1, MB).disk(dir, 2, MB)
        .writeBehind(WriteBehindConfig.builder().writer(Fixtures.OrderWriter.class).journal(dir.resolve("j")).build())
        .build();

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(built);
    }
    Object copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = in.readObject();
    }

    assertThat(copy).isEqualTo(built);
  }

  @Test
  void builderRejectsImpossibleSettings() {
    assertThatThrownBy(() -> GoldyloxConfiguration.builder(Long.class, String.class).heapMaxEntries(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heap max-entries must be positive");
    assertThatThrownBy(() -> GoldyloxConfiguration.builder(Long.class, String.class).offHeap(-1, MB))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be negative");
    assertThatThrownBy(() -> GoldyloxConfiguration.builder(Long.class, String.class).offHeap(Long.MAX_VALUE, GB))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more bytes than a long can hold");
    assertThatThrownBy(() -> GoldyloxConfiguration.builder(Long.class, String.class)
        .offHeap(2, MB).disk(dir, 2, MB).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be smaller than disk size");
    assertThatThrownBy(() -> GoldyloxConfiguration.builder(Long.class, String.class)
        .offHeapBytes(DirectMemory.maxDirectMemory() + 1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MaxDirectMemorySize");
    assertThatThrownBy(() -> GoldyloxConfiguration.builder(Long.class, String.class)
        .writeThrough(FactoryBuilder.factoryOf(Fixtures.OrderWriter.class))
        .writeBehind(WriteBehindConfig.builder().writer(Fixtures.OrderWriter.class).journal(dir).build())
        .build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exclude each other");
    assertThatThrownBy(() -> GoldyloxConfiguration.builder(Long.class, String.class)
        .expireAfterAccess(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
    assertThatThrownBy(() -> WriteBehindConfig.builder().writer(Fixtures.OrderWriter.class).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("journal");
    assertThatThrownBy(() -> WriteBehindConfig.builder().writer(String.class))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither a javax.cache.integration.CacheWriter");
    // The control: the largest legal off-heap below a larger disk builds.
    assertThat(GoldyloxConfiguration.builder(Long.class, String.class).offHeapBytes(2 * 1024 * 1024 - 1)
        .disk(dir, 2, MB).build().offHeapBytes()).hasValue(2 * 1024 * 1024 - 1);
  }

  // ---------------------------------------------------------------------------------------------------------
  // merge

  private final Defaults fileDefaults = Defaults.builder()
      .storeByValue(false)
      .statistics(true)
      .management(true)
      .heapMaxEntries(4)
      .offHeapBytes(1 << 20)
      .disk(Path.of("/var/cache/app"), 2 << 20)
      .onIncompatible(OnIncompatible.WIPE)
      .build();

  @Test
  void mergeGivesAMutableConfigurationLeftAtDefaultsTheFilesDefaults() {
    MutableConfiguration<Long, String> user = new MutableConfiguration<Long, String>()
        .setTypes(Long.class, String.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(javax.cache.expiry.Duration.ONE_MINUTE))
        .setCacheLoaderFactory(FactoryBuilder.factoryOf(Fixtures.OrderLoader.class))
        .setReadThrough(true)
        .addCacheEntryListenerConfiguration(audit);

    GoldyloxConfiguration<Long, String> merged = GoldyloxConfiguration.merge(fileDefaults, "orders", user);

    // The user's settings win...
    assertThat(merged.getKeyType()).isEqualTo(Long.class);
    assertThat(merged.getValueType()).isEqualTo(String.class);
    assertThat(merged.getExpiryPolicyFactory()).isSameAs(user.getExpiryPolicyFactory());
    assertThat(merged.getCacheLoaderFactory()).isSameAs(user.getCacheLoaderFactory());
    assertThat(merged.isReadThrough()).isTrue();
    assertThat(merged.getCacheEntryListenerConfigurations()).containsExactly(audit);
    // ...the flags left at the spec's defaults take the file's, and the tiers come from the file.
    assertThat(merged.isStoreByValue()).isFalse();
    assertThat(merged.isStatisticsEnabled()).isTrue();
    assertThat(merged.isManagementEnabled()).isTrue();
    assertThat(merged.heapMaxEntries()).hasValue(4);
    assertThat(merged.offHeapBytes()).hasValue(1 << 20);
    assertThat(merged.diskPath()).contains(Path.of("/var/cache/app/orders"));
    assertThat(merged.diskBytes()).hasValue(2 << 20);
    assertThat(merged.onIncompatible()).isEqualTo(OnIncompatible.WIPE);
    // The user's object is not touched.
    assertThat(user.isStoreByValue()).isTrue();
    assertThat(user.isStatisticsEnabled()).isFalse();
  }

  @Test
  void mergeKeepsFlagsTheUserMovedAwayFromTheSpecDefault() {
    Defaults opposite = Defaults.builder().storeByValue(true).statistics(false).management(false).build();
    MutableConfiguration<Long, String> user = new MutableConfiguration<Long, String>()
        .setStoreByValue(false).setStatisticsEnabled(true).setManagementEnabled(true);

    GoldyloxConfiguration<Long, String> merged = GoldyloxConfiguration.merge(opposite, "c", user);

    assertThat(merged.isStoreByValue()).isFalse();
    assertThat(merged.isStatisticsEnabled()).isTrue();
    assertThat(merged.isManagementEnabled()).isTrue();
  }

  @Test
  void mergeWithoutDefaultsIsAFaithfulCopy() {
    MutableConfiguration<Long, String> user = new MutableConfiguration<Long, String>()
        .setTypes(Long.class, String.class).setStatisticsEnabled(true).addCacheEntryListenerConfiguration(audit);

    GoldyloxConfiguration<Long, String> merged = GoldyloxConfiguration.merge(Defaults.NONE, "c", user);

    assertThat(user).isEqualTo(merged); // MutableConfiguration's own equality: every JCache setting copied
    assertThat(merged.heapMaxEntries()).isEmpty();
    assertThat(merged.offHeapBytes()).isEmpty();
    assertThat(merged.diskPath()).isEmpty();
  }

  @Test
  void mergeGivesAPlainConfigurationTheFilesFlags() {
    Configuration<Long, String> plain = new Configuration<>() {
      private static final long serialVersionUID = 1L;

      @Override
      public Class<Long> getKeyType() {
        return Long.class;
      }

      @Override
      public Class<String> getValueType() {
        return String.class;
      }

      @Override
      public boolean isStoreByValue() {
        return true;
      }
    };
    Defaults statisticsOff = Defaults.builder().statistics(false).management(true).build();

    GoldyloxConfiguration<Long, String> merged = GoldyloxConfiguration.merge(fileDefaults, "c", plain);
    GoldyloxConfiguration<Long, String> other = GoldyloxConfiguration.merge(statisticsOff, "c", plain);

    assertThat(merged.getKeyType()).isEqualTo(Long.class);
    assertThat(merged.isStoreByValue()).isFalse();
    assertThat(merged.isStatisticsEnabled()).isTrue();
    assertThat(merged.heapMaxEntries()).hasValue(4);
    assertThat(other.isStatisticsEnabled()).isFalse();
    assertThat(other.isManagementEnabled()).isTrue();
    assertThat(other.isStoreByValue()).isTrue();
  }

  @Test
  void mergeTakesAGoldyloxConfigurationAsItIs() {
    GoldyloxConfiguration<Long, String> explicit = GoldyloxConfiguration.builder(Long.class, String.class).build();

    GoldyloxConfiguration<Long, String> merged = GoldyloxConfiguration.merge(fileDefaults, "c", explicit);

    assertThat(merged).isEqualTo(explicit).isNotSameAs(explicit);
    assertThat(merged.heapMaxEntries()).isEmpty();
    assertThat(merged.isStoreByValue()).isTrue();
  }

  @Test
  void mergeGivesEveryCacheItsOwnDiskDirectory() {
    MutableConfiguration<Object, Object> user = new MutableConfiguration<>();

    Path a = GoldyloxConfiguration.merge(fileDefaults, "a/b", user).diskPath().orElseThrow();
    Path b = GoldyloxConfiguration.merge(fileDefaults, "a_b", user).diskPath().orElseThrow();
    Path dots = GoldyloxConfiguration.merge(fileDefaults, "..", user).diskPath().orElseThrow();

    assertThat(a).isNotEqualTo(b);
    assertThat(a.getParent()).isEqualTo(Path.of("/var/cache/app"));
    assertThat(a.getFileName().toString()).startsWith("a_b-");
    assertThat(b.getFileName().toString()).isEqualTo("a_b");
    assertThat(dots.getParent()).isEqualTo(Path.of("/var/cache/app"));
  }

  @Test
  void mergeWithTheDefaultsOfAFile() throws IOException {
    Path file = Files.writeString(dir.resolve("goldylox.conf"),
        "goldylox.default { heap.max-entries = 4, off-heap.size = 1MiB,"
        + " disk { path = \"" + dir.resolve("tiers") + "\", size = 2MiB } }\n");
    Defaults defaults = ConfigLoader.load(file.toUri(), getClass().getClassLoader()).defaults();

    // What a JCache client such as the TCK passes to createCache.
    CompleteConfiguration<String, Long> merged =
        GoldyloxConfiguration.merge(defaults, "tck", new MutableConfiguration<String, Long>());

    GoldyloxConfiguration<?, ?> goldylox = (GoldyloxConfiguration<?, ?>) merged;
    assertThat(goldylox.heapMaxEntries()).hasValue(4);
    assertThat(goldylox.offHeapBytes()).hasValue(1 << 20);
    assertThat(goldylox.diskPath()).contains(dir.resolve("tiers").resolve("tck"));
    assertThat(merged.isStoreByValue()).isTrue();
    assertThat(merged.isStatisticsEnabled()).isFalse();
  }

  @Test
  void factoriesNamedByClassCreateTheirProducts() {
    WriteBehindConfig byFactory = WriteBehindConfig.builder()
        .writer(FactoryBuilder.factoryOf(Fixtures.OrderWriter.class)).journal(dir).build();
    CacheWriter<?, ?> writer = byFactory.writerFactory().create();
    assertThat(writer).isInstanceOf(Fixtures.OrderWriter.class);

    CacheLoader<?, ?> loader = ClassFactories.factoryFor(Fixtures.CustomerLoaderFactory.class, CacheLoader.class)
        .create();
    assertThat(loader).isNotNull();
    assertThat(ClassFactories.factoryFor(Fixtures.OrderLoader.class, CacheLoader.class))
        .isEqualTo(ClassFactories.factoryFor(Fixtures.OrderLoader.class, CacheLoader.class));
  }
}

package io.goldylox.config;

import io.goldylox.tier.DiskTier;
import io.goldylox.tier.OnIncompatible;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import javax.cache.configuration.Factory;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;

/**
 * Turns one parsed configuration file into a {@link GoldyloxFileConfig}: first checks every key against
 * {@link KeySchema}, then reads the {@code default} block and each declared cache, loading named classes with
 * the manager's class loader and checking every value. Any problem becomes a {@link ConfigurationException}
 * naming the file, the full key path and the reason. One instance per load, on the loading thread.
 */
final class FileConfigReader {

  private static final String DEFAULT_PATH = "goldylox.default";
  private static final String CACHES_PATH = "goldylox.caches";

  private final URI source;
  private final ClassLoader classLoader;

  FileConfigReader(URI source, ClassLoader classLoader) {
    this.source = source;
    this.classLoader = classLoader;
  }

  GoldyloxFileConfig read(Config root) {
    checkKeys(root.root(), KeySchema.ROOT, "");
    Defaults defaults = root.hasPath(DEFAULT_PATH)
        ? readDefaults(new ConfigSection(source, classLoader, root.getConfig(DEFAULT_PATH), DEFAULT_PATH)) : Defaults.NONE;
    Map<String, GoldyloxConfiguration<?, ?>> caches = new LinkedHashMap<>();
    if (root.hasPath(CACHES_PATH)) {
      List<Map.Entry<String, ConfigValue>> declared = new ArrayList<>(root.getObject(CACHES_PATH).entrySet());
      // File order (ConfigObject's own order is unspecified), then name for entries merged from includes.
      declared.sort(Comparator.<Map.Entry<String, ConfigValue>>comparingInt(e -> e.getValue().origin().lineNumber())
          .thenComparing(Map.Entry::getKey));
      for (Map.Entry<String, ConfigValue> entry : declared) {
        String path = ConfigSection.join(CACHES_PATH, entry.getKey());
        ConfigSection cache = new ConfigSection(source, classLoader, ((ConfigObject) entry.getValue()).toConfig(), path);
        caches.put(entry.getKey(), readCache(entry.getKey(), cache, defaults));
      }
    }
    checkDistinctDirectories(caches);
    return new GoldyloxFileConfig(source, true, defaults, caches, readSerializerAllow(root));
  }

  /** {@code goldylox.serializer.allow}: a list of class names, {@code pkg.*} or {@code pkg.**}. */
  private List<String> readSerializerAllow(Config root) {
    String path = "goldylox.serializer.allow";
    if (!root.hasPath(path)) {
      return List.of();
    }
    List<String> entries = new ArrayList<>();
    List<? extends ConfigValue> values = root.getList(path);
    for (int i = 0; i < values.size(); i++) {
      ConfigValue value = values.get(i);
      if (value.valueType() != ConfigValueType.STRING) {
        throw new ConfigurationException(source, path + "[" + i + "]", "wrong type: expected a class name,"
            + " package.* or package.** in quotes, found " + ConfigSection.describe(value));
      }
      String entry = (String) value.unwrapped();
      try {
        io.goldylox.serialization.ClassPolicy.of("check", List.of(), List.of(entry));
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException(source, path + "[" + i + "]", e.getMessage());
      }
      entries.add(entry.trim());
    }
    return entries;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Key whitelist

  private void checkKeys(ConfigValue value, KeySchema schema, String path) {
    switch (schema.kind) {
      case OBJECT:
      case NAMED: {
        if (value.valueType() != ConfigValueType.OBJECT) {
          throw wrongShape(path, schema, value);
        }
        for (Map.Entry<String, ConfigValue> entry : ((ConfigObject) value).entrySet()) {
          String childPath = ConfigSection.join(path, entry.getKey());
          KeySchema child = schema.kind == KeySchema.Kind.NAMED ? schema.element : schema.children.get(entry.getKey());
          if (child == null) {
            throw new ConfigurationException(source, childPath, "unknown key '" + entry.getKey() + "'"
                + ConfigSection.line(entry.getValue()) + "; the keys allowed " + (path.isEmpty() ? "at the top level" : "in " + path)
                + " are " + schema.children.keySet());
          }
          checkChild(entry.getValue(), child, childPath);
        }
        return;
      }
      case LIST: {
        if (value.valueType() != ConfigValueType.LIST) {
          throw wrongShape(path, schema, value);
        }
        List<?> list = (List<?>) value;
        for (int i = 0; i < list.size(); i++) {
          checkChild((ConfigValue) list.get(i), schema.element, path + "[" + i + "]");
        }
        return;
      }
      default:
        if (value.valueType() == ConfigValueType.OBJECT || value.valueType() == ConfigValueType.LIST) {
          throw wrongShape(path, schema, value);
        }
    }
  }

  private void checkChild(ConfigValue value, KeySchema schema, String path) {
    if (value.valueType() == ConfigValueType.NULL) {
      if (!schema.nullable) {
        throw new ConfigurationException(source, path, "null is not allowed here" + ConfigSection.line(value)
            + "; expected " + schema.describe());
      }
      return;
    }
    checkKeys(value, schema, path);
  }

  private ConfigurationException wrongShape(String path, KeySchema schema, ConfigValue value) {
    return new ConfigurationException(source, path.isEmpty() ? null : path,
        "wrong type: expected " + schema.describe() + ", found " + ConfigSection.describe(value));
  }

  // ---------------------------------------------------------------------------------------------------------
  // The default block

  private Defaults readDefaults(ConfigSection block) {
    Defaults.Builder builder = Defaults.builder();
    if (block.has("store-by-value")) {
      builder.storeByValue(block.bool("store-by-value"));
    }
    if (block.has("statistics")) {
      builder.statistics(block.bool("statistics"));
    }
    if (block.has("management")) {
      builder.management(block.bool("management"));
    }
    if (block.has("heap.max-entries")) {
      builder.heapMaxEntries(block.positiveWholeNumber("heap.max-entries"));
    }
    long offHeap = -1;
    if (block.has("off-heap")) {
      offHeap = block.offHeapBytes("off-heap.size");
      builder.offHeapBytes(offHeap);
    }
    if (block.has("disk")) {
      block.require("disk.path", "a disk tier needs a path and a size");
      block.require("disk.size", "a disk tier needs a path and a size");
      long disk = block.positiveBytes("disk.size");
      if (disk < DiskTier.MIN_CAPACITY_BYTES) {
        throw block.fail("disk.size", GoldyloxConfiguration.diskTooSmall(disk));
      }
      if (offHeap > 0 && offHeap >= disk) {
        throw block.fail("off-heap.size", GoldyloxConfiguration.offHeapNotBelowDisk(offHeap, disk));
      }
      builder.disk(block.path("disk.path"), disk);
    }
    if (block.has("on-incompatible")) {
      builder.onIncompatible(block.onIncompatible("on-incompatible"));
    }
    if (block.has("remote")) {
      builder.remote(readRemote(block));
    }
    return builder.build();
  }

  // ---------------------------------------------------------------------------------------------------------
  // One declared cache

  @SuppressWarnings({"unchecked", "rawtypes"})
  private GoldyloxConfiguration<?, ?> readCache(String name, ConfigSection cache, Defaults defaults) {
    GoldyloxConfiguration configuration = new GoldyloxConfiguration<>();
    Class<?> keyType = cache.has("key-type") ? cache.loadClass("key-type") : Object.class;
    Class<?> valueType = cache.has("value-type") ? cache.loadClass("value-type") : Object.class;
    configuration.setTypes((Class) keyType, (Class) valueType);
    configuration.setStoreByValue(cache.has("store-by-value")
        ? cache.bool("store-by-value") : defaults.storeByValue().orElse(true));
    configuration.setStatisticsEnabled(cache.has("statistics")
        ? cache.bool("statistics") : defaults.statistics().orElse(false));
    configuration.setManagementEnabled(cache.has("management")
        ? cache.bool("management") : defaults.management().orElse(false));
    configuration.setOnIncompatible(cache.has("on-incompatible")
        ? cache.onIncompatible("on-incompatible") : defaults.onIncompatible().orElse(OnIncompatible.FAIL));
    readTiers(name, cache, defaults, configuration);
    if (cache.has("expiry")) {
      configuration.setExpiryPolicyFactory(readExpiry(cache));
    }
    if (cache.has("read-through")) {
      cache.require("read-through.loader", "read-through needs a loader");
      configuration.setCacheLoaderFactory(cache.factory("read-through.loader", CacheLoader.class));
      configuration.setReadThrough(true);
    }
    if (cache.has("write-through")) {
      cache.require("write-through.writer", "write-through needs a writer");
      configuration.setCacheWriterFactory(cache.factory("write-through.writer", CacheWriter.class));
      configuration.setWriteThrough(true);
    }
    if (cache.has("listeners")) {
      List<? extends ConfigObject> listeners = cache.config.getObjectList("listeners");
      for (int i = 0; i < listeners.size(); i++) {
        ConfigSection listener = new ConfigSection(source, classLoader, listeners.get(i).toConfig(), cache.key("listeners") + "[" + i + "]");
        try {
          configuration.addCacheEntryListenerConfiguration(readListener(listener));
        } catch (IllegalArgumentException duplicate) {
          throw new ConfigurationException(source, listener.path, "the same listener is declared twice");
        }
      }
    }
    if (cache.has("write-behind")) {
      if (configuration.isWriteThrough()) {
        throw cache.fail("write-behind", GoldyloxConfiguration.WRITE_BEHIND_AND_THROUGH);
      }
      configuration.setWriteBehind(readWriteBehind(new ConfigSection(source, classLoader, cache.config.getConfig("write-behind"),
          cache.key("write-behind"))));
    }
    if (cache.has("remote")) {
      configuration.setRemote(readRemote(cache));
    } else if (!cache.isNull("remote")) {
      defaults.remote().ifPresent(remote -> configuration.setRemote(remote.forCache(name)));
    }
    return configuration;
  }

  /** Reads heap, off-heap and disk, each inherited from the default block unless set (or set to null) here. */
  private void readTiers(String name, ConfigSection cache, Defaults defaults, GoldyloxConfiguration<?, ?> configuration) {
    if (cache.has("heap.max-entries")) {
      configuration.setHeapMaxEntries(cache.positiveWholeNumber("heap.max-entries"));
    } else if (!cache.isNull("heap.max-entries")) {
      defaults.heapMaxEntries().ifPresent(configuration::setHeapMaxEntries);
    }
    boolean offHeapHere = cache.has("off-heap");
    if (offHeapHere) {
      configuration.setOffHeapBytes(cache.offHeapBytes("off-heap.size"));
    } else if (!cache.isNull("off-heap")) {
      defaults.offHeapBytes().ifPresent(configuration::setOffHeapBytes);
    }
    boolean diskHere = cache.has("disk");
    if (diskHere) {
      cache.require("disk.path", "a disk tier needs a path and a size");
      cache.require("disk.size", "a disk tier needs a path and a size");
      long diskBytes = cache.positiveBytes("disk.size");
      if (diskBytes < DiskTier.MIN_CAPACITY_BYTES) {
        throw cache.fail("disk.size", GoldyloxConfiguration.diskTooSmall(diskBytes));
      }
      configuration.setDisk(cache.path("disk.path"), diskBytes);
    } else if (!cache.isNull("disk")) {
      defaults.diskPathFor(name).ifPresent(path -> configuration.setDisk(path, defaults.diskBytes().getAsLong()));
    }
    OptionalLong offHeap = configuration.offHeapBytes();
    OptionalLong disk = configuration.diskBytes();
    if (offHeap.isPresent() && disk.isPresent() && offHeap.getAsLong() >= disk.getAsLong()) {
      String reason = GoldyloxConfiguration.offHeapNotBelowDisk(offHeap.getAsLong(), disk.getAsLong());
      if (offHeapHere) {
        throw cache.fail("off-heap.size", reason + (diskHere ? "" : " (the disk size is inherited from "
            + DEFAULT_PATH + ".disk.size)"));
      }
      throw cache.fail("disk.size", reason + " (the off-heap size is inherited from " + DEFAULT_PATH
          + ".off-heap.size)");
    }
  }

  private Factory<? extends ExpiryPolicy> readExpiry(ConfigSection cache) {
    int set = (cache.has("expiry.after-write") ? 1 : 0) + (cache.has("expiry.after-access") ? 1 : 0)
        + (cache.has("expiry.policy") ? 1 : 0);
    if (set != 1) {
      throw cache.fail("expiry", set == 0 ? "expiry needs one of after-write, after-access or policy"
          : "set only one of after-write, after-access or policy");
    }
    if (cache.has("expiry.after-write")) {
      return ModifiedExpiryPolicy.factoryOf(cache.expiryDuration("expiry.after-write"));
    }
    if (cache.has("expiry.after-access")) {
      return TouchedExpiryPolicy.factoryOf(cache.expiryDuration("expiry.after-access"));
    }
    return cache.factory("expiry.policy", ExpiryPolicy.class);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private MutableCacheEntryListenerConfiguration<?, ?> readListener(ConfigSection listener) {
    listener.require("class", "a listener needs a class");
    Class<?> type = listener.loadClass("class");
    if (CacheEntryListener.class.isAssignableFrom(type)
        && !CacheEntryCreatedListener.class.isAssignableFrom(type)
        && !CacheEntryUpdatedListener.class.isAssignableFrom(type)
        && !CacheEntryRemovedListener.class.isAssignableFrom(type)
        && !CacheEntryExpiredListener.class.isAssignableFrom(type)) {
      throw listener.fail("class", type.getName() + " implements none of CacheEntryCreatedListener, "
          + "CacheEntryUpdatedListener, CacheEntryRemovedListener, CacheEntryExpiredListener");
    }
    Factory listenerFactory = listener.factory("class", type, CacheEntryListener.class);
    Factory filterFactory = listener.has("filter")
        ? listener.factory("filter", CacheEntryEventFilter.class) : null;
    boolean oldValue = listener.has("old-value") && listener.bool("old-value");
    boolean synchronous = listener.has("synchronous") && listener.bool("synchronous");
    return new MutableCacheEntryListenerConfiguration<>(listenerFactory, filterFactory, oldValue, synchronous);
  }

  private WriteBehindConfig readWriteBehind(ConfigSection block) {
    block.require("writer", "write-behind needs a writer");
    block.require("journal", "write-behind needs a journal path");
    WriteBehindConfig.Builder builder = WriteBehindConfig.builder();
    Class<?> writer = block.loadClass("writer");
    block.apply("writer", () -> builder.writer(writer));
    Path journal = block.path("journal");
    builder.journal(journal);
    if (block.has("batch-size")) {
      long batchSize = block.positiveWholeNumber("batch-size");
      if (batchSize > Integer.MAX_VALUE) {
        throw block.fail("batch-size", "must be at most " + Integer.MAX_VALUE + ", not " + batchSize);
      }
      block.apply("batch-size", () -> builder.batchSize((int) batchSize));
    }
    if (block.has("concurrency")) {
      long concurrency = block.positiveWholeNumber("concurrency");
      if (concurrency > WriteBehindConfig.MAX_CONCURRENCY) {
        throw block.fail("concurrency", "must be at most " + WriteBehindConfig.MAX_CONCURRENCY + ", not "
            + concurrency);
      }
      block.apply("concurrency", () -> builder.concurrency((int) concurrency));
    }
    if (block.has("max-delay")) {
      Duration maxDelay = block.duration("max-delay");
      block.apply("max-delay", () -> builder.maxDelay(maxDelay));
    }
    if (block.has("coalesce")) {
      builder.coalesce(block.bool("coalesce"));
    }
    if (block.has("durability")) {
      String text = block.string("durability");
      WriteBehindConfig.Durability durability = WriteBehindConfig.Durability.parse(text);
      if (durability == null) {
        throw block.fail("durability", "expected process or os, found '" + text + "'" + block.line("durability"));
      }
      builder.durability(durability);
    }
    if (block.has("sync-interval")) {
      Duration syncInterval = block.duration("sync-interval");
      block.apply("sync-interval", () -> builder.syncInterval(syncInterval));
    }
    if (block.has("retry")) {
      WriteBehindConfig.Retry defaults = WriteBehindConfig.Retry.DEFAULT;
      Duration initialDelay = block.has("retry.initial-delay")
          ? block.duration("retry.initial-delay") : defaults.initialDelay();
      Duration maxDelay = block.has("retry.max-delay") ? block.duration("retry.max-delay") : defaults.maxDelay();
      long maxAttempts = block.has("retry.max-attempts")
          ? block.positiveWholeNumber("retry.max-attempts") : defaults.maxAttempts();
      if (maxAttempts > Integer.MAX_VALUE) {
        throw block.fail("retry.max-attempts", "must be at most " + Integer.MAX_VALUE + ", not " + maxAttempts);
      }
      block.apply("retry", () -> builder.retry(initialDelay, maxDelay, (int) maxAttempts));
    }
    if (block.has("dead-letter")) {
      builder.deadLetter(block.path("dead-letter"));
    }
    if (block.has("close-timeout")) {
      if (block.isString("close-timeout")
          && block.string("close-timeout").equalsIgnoreCase(WriteBehindConfig.INFINITE)) {
        builder.closeTimeout(WriteBehindConfig.UNBOUNDED_CLOSE);
      } else {
        Duration closeTimeout = block.duration("close-timeout");
        block.apply("close-timeout", () -> builder.closeTimeout(closeTimeout));
      }
    }
    if (block.has("max-lag")) {
      long maxLag = block.positiveWholeNumber("max-lag");
      block.apply("max-lag", () -> builder.maxLag(maxLag));
    }
    if (block.has("on-max-lag")) {
      String text = block.string("on-max-lag");
      WriteBehindConfig.OnMaxLag policy = WriteBehindConfig.OnMaxLag.parse(text);
      if (policy == null) {
        throw block.fail("on-max-lag", "expected accept or reject, found '" + text + "'" + block.line("on-max-lag"));
      }
      builder.onMaxLag(policy);
    }
    WriteBehindConfig[] built = new WriteBehindConfig[1];
    block.apply("dead-letter", () -> built[0] = builder.build());
    return built[0];
  }

  /** Reads {@code remote.redis} of {@code parent}; the password comes from exactly one of three places. */
  private RemoteConfig readRemote(ConfigSection parent) {
    parent.require("remote.redis", "remote needs a redis block (the only kind of remote store so far)");
    ConfigSection block = new ConfigSection(source, classLoader, parent.config.getConfig("remote.redis"), parent.key("remote.redis"));
    block.require("uri", "a redis remote needs a uri, such as redis://127.0.0.1:6379/0");
    String uri = block.string("uri");
    RemoteConfig.Builder[] builder = new RemoteConfig.Builder[1];
    block.apply("uri", () -> builder[0] = RemoteConfig.builder(uri));
    RemoteConfig.Builder remote = builder[0];
    if (block.has("key-prefix")) {
      String prefix = block.string("key-prefix");
      block.apply("key-prefix", () -> remote.keyPrefix(prefix));
    }
    for (String key : new String[] {"timeout", "lock-wait", "lock-lease"}) {
      if (block.has(key)) {
        Duration value = block.duration(key);
        block.apply(key, () -> {
          if (key.equals("timeout")) {
            remote.timeout(value);
          } else if (key.equals("lock-wait")) {
            remote.lockWait(value);
          } else {
            remote.lockLease(value);
          }
        });
      }
    }
    if (block.has("on-failure")) {
      String text = block.string("on-failure");
      RemoteConfig.OnFailure onFailure = RemoteConfig.Builder.parseOnFailure(text);
      if (onFailure == null) {
        throw block.fail("on-failure", "expected fail or local, found '" + text + "'" + block.line("on-failure"));
      }
      remote.onFailure(onFailure);
    }
    if (block.has("user")) {
      remote.user(block.string("user"));
    }
    int passwords = (block.has("password") ? 1 : 0) + (block.has("password-env") ? 1 : 0)
        + (block.has("password-file") ? 1 : 0);
    if (passwords > 1) {
      throw block.fail("password", "set only one of password, password-env or password-file");
    }
    if (block.has("password")) {
      remote.password(block.string("password"));
    } else if (block.has("password-env")) {
      String variable = block.string("password-env");
      String password = System.getenv(variable);
      if (password == null || password.isEmpty()) {
        throw block.fail("password-env", "the environment variable " + variable + " is not set");
      }
      remote.password(password);
    } else if (block.has("password-file")) {
      Path file = block.path("password-file");
      try {
        remote.password(Files.readString(file).strip());
      } catch (IOException | RuntimeException e) {
        throw block.fail("password-file", "cannot read " + file + ": " + e.getClass().getSimpleName());
      }
    }
    return remote.build();
  }

  /** Two caches sharing a disk, journal or dead-letter directory would lock or corrupt each other. */
  private void checkDistinctDirectories(Map<String, GoldyloxConfiguration<?, ?>> caches) {
    Map<Path, String> owners = new HashMap<>();
    for (Map.Entry<String, GoldyloxConfiguration<?, ?>> entry : caches.entrySet()) {
      String cachePath = ConfigSection.join(CACHES_PATH, entry.getKey());
      GoldyloxConfiguration<?, ?> configuration = entry.getValue();
      List<Map.Entry<String, Path>> directories = new ArrayList<>();
      configuration.diskPath().ifPresent(path -> directories.add(Map.entry(cachePath + ".disk.path", path)));
      configuration.writeBehind().ifPresent(writeBehind -> {
        directories.add(Map.entry(cachePath + ".write-behind.journal", writeBehind.journal()));
        directories.add(Map.entry(cachePath + ".write-behind.dead-letter", writeBehind.deadLetter()));
      });
      for (Map.Entry<String, Path> directory : directories) {
        String owner = owners.putIfAbsent(directory.getValue(), directory.getKey());
        if (owner != null) {
          throw new ConfigurationException(source, directory.getKey(), "the directory " + directory.getValue()
              + " is also used by " + owner + "; every tier, journal and dead-letter needs its own");
        }
      }
    }
  }
}

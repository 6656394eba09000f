package io.goldylox.config;

import io.goldylox.tier.DiskTier;
import io.goldylox.tier.OnIncompatible;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.Factory;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;

/**
 * A cache's complete configuration: everything a JCache {@link MutableConfiguration} holds (types, store-by-value,
 * statistics, management, read/write-through, loader, writer and expiry factories, listeners), plus Goldylox's own
 * settings: the tiers ({@code heap.max-entries}, {@code off-heap.size}, {@code disk {path, size}}), what to do with
 * incompatible data on disk ({@code on-incompatible}) and write-behind.
 *
 * <p>Extending {@link MutableConfiguration} keeps every JCache caller working: {@code getConfiguration(
 * MutableConfiguration.class)} and {@code CompleteConfiguration.class} still apply. Like its parent it is mutable
 * and not thread-safe: build one ({@link #builder}), hand it to {@code createCache}, and the cache keeps its own
 * copy. A setter rejects a bad single value at once; rules that join two settings (off-heap below disk, off-heap
 * within {@code MaxDirectMemorySize}, write-behind excluding write-through) are checked by {@link #validate()},
 * which {@link Builder#build()} and {@link #merge} call.
 *
 * <h2>Tiers</h2> An absent setting means the tier does not exist: no {@code heapMaxEntries} is an unbounded heap
 * (the spec's default), no off-heap size is no off-heap tier, no disk is no disk tier. Heap is bounded in
 * entries and the others in bytes, so only "off-heap smaller than disk" can be checked between tiers.
 *
 * <h2>Merging file defaults into a runtime configuration ({@link #merge})</h2>
 * <ul>
 *   <li>A {@code GoldyloxConfiguration} is explicit in every setting and is taken as it is: the file's
 *       {@code default} block does not apply to it.
 *   <li>Any other {@link Configuration} (a plain {@code MutableConfiguration} from Spring or Hibernate, say):
 *       its types, listeners, factories, read/write-through and expiry always win. {@code store-by-value},
 *       {@code statistics} and {@code management} come from the {@code default} block when the block sets them
 *       and the user's value is the spec's default (store-by-value {@code true}, statistics and management
 *       {@code false}), because a {@code MutableConfiguration} cannot tell "left at default" from "set to the
 *       default": a value that differs from the spec's default was set on purpose and wins. A plain
 *       {@code Configuration} has no statistics or management flags, so the block's values apply. The tiers and
 *       {@code on-incompatible} cannot be expressed in a {@code MutableConfiguration} and always come from the
 *       block; the block's disk path is a root under which each cache gets its own directory
 *       ({@link Defaults#diskPathFor}).
 * </ul>
 */
public final class GoldyloxConfiguration<K, V> extends MutableConfiguration<K, V> {

  private static final long serialVersionUID = 1L;
  private static final long ABSENT = -1;

  private long heapMaxEntries = ABSENT;
  private long offHeapBytes = ABSENT;
  // A String, not a Path: java.nio.file.Path is not Serializable, and JCache configurations are.
  private String diskPath;
  private long diskBytes = ABSENT;
  private OnIncompatible onIncompatible = OnIncompatible.FAIL;
  private WriteBehindConfig writeBehind;
  private RemoteConfig remote;

  /** The spec's defaults: Object keys and values, store-by-value, eternal, heap only and unbounded. */
  public GoldyloxConfiguration() {}

  /**
   * A copy of any configuration: a {@link CompleteConfiguration} is copied whole, a plain {@link Configuration}
   * gives its types and store-by-value; a {@code GoldyloxConfiguration} also gives its Goldylox settings.
   */
  public GoldyloxConfiguration(Configuration<K, V> configuration) {
    Objects.requireNonNull(configuration, "configuration");
    keyType = configuration.getKeyType();
    valueType = configuration.getValueType();
    isStoreByValue = configuration.isStoreByValue();
    if (configuration instanceof CompleteConfiguration) {
      CompleteConfiguration<K, V> complete = (CompleteConfiguration<K, V>) configuration;
      for (CacheEntryListenerConfiguration<K, V> listener : complete.getCacheEntryListenerConfigurations()) {
        listenerConfigurations.add(listener);
      }
      cacheLoaderFactory = complete.getCacheLoaderFactory();
      cacheWriterFactory = complete.getCacheWriterFactory();
      if (complete.getExpiryPolicyFactory() != null) {
        expiryPolicyFactory = complete.getExpiryPolicyFactory();
      }
      isReadThrough = complete.isReadThrough();
      isWriteThrough = complete.isWriteThrough();
      isStatisticsEnabled = complete.isStatisticsEnabled();
      isManagementEnabled = complete.isManagementEnabled();
    }
    if (configuration instanceof GoldyloxConfiguration) {
      GoldyloxConfiguration<?, ?> goldylox = (GoldyloxConfiguration<?, ?>) configuration;
      heapMaxEntries = goldylox.heapMaxEntries;
      offHeapBytes = goldylox.offHeapBytes;
      diskPath = goldylox.diskPath;
      diskBytes = goldylox.diskBytes;
      onIncompatible = goldylox.onIncompatible;
      writeBehind = goldylox.writeBehind;
      remote = goldylox.remote;
    }
  }

  /** A fluent builder for a cache of {@code keyType} to {@code valueType}. */
  public static <K, V> Builder<K, V> builder(Class<K> keyType, Class<V> valueType) {
    return new Builder<>(keyType, valueType);
  }

  /**
   * The configuration a cache named {@code cacheName} is created with, when its creator passed
   * {@code userConfig} and the manager's file has the {@code default} block {@code defaults} (see the class
   * comment for the rule). Always a new object.
   *
   * @throws IllegalArgumentException if the result fails {@link #validate()}
   */
  public static <K, V> GoldyloxConfiguration<K, V> merge(Defaults defaults, String cacheName,
      Configuration<K, V> userConfig) {
    Objects.requireNonNull(defaults, "defaults");
    Objects.requireNonNull(cacheName, "cacheName");
    GoldyloxConfiguration<K, V> merged = new GoldyloxConfiguration<>(userConfig);
    if (userConfig instanceof GoldyloxConfiguration) {
      merged.validate();
      return merged;
    }
    boolean complete = userConfig instanceof CompleteConfiguration;
    if (userConfig.isStoreByValue()) {
      defaults.storeByValue().ifPresent(value -> merged.isStoreByValue = value);
    }
    if (!complete || !merged.isStatisticsEnabled) {
      defaults.statistics().ifPresent(value -> merged.isStatisticsEnabled = value);
    }
    if (!complete || !merged.isManagementEnabled) {
      defaults.management().ifPresent(value -> merged.isManagementEnabled = value);
    }
    defaults.heapMaxEntries().ifPresent(value -> merged.heapMaxEntries = value);
    defaults.offHeapBytes().ifPresent(value -> merged.offHeapBytes = value);
    defaults.diskPathFor(cacheName).ifPresent(path -> {
      merged.diskPath = path.toString();
      merged.diskBytes = defaults.diskBytes().getAsLong();
    });
    merged.onIncompatible = defaults.onIncompatible().orElse(OnIncompatible.FAIL);
    defaults.remote().ifPresent(value -> merged.remote = value.forCache(cacheName));
    merged.validate();
    return merged;
  }

  /**
   * Checks the rules that join two settings.
   *
   * @throws IllegalArgumentException if off-heap is not smaller than disk, off-heap exceeds what this JVM may
   *     allocate directly, or write-behind is combined with write-through
   */
  public GoldyloxConfiguration<K, V> validate() {
    if (offHeapBytes != ABSENT) {
      long maxDirect = DirectMemory.maxDirectMemory();
      if (offHeapBytes > maxDirect) {
        throw new IllegalArgumentException(offHeapTooLarge(offHeapBytes, maxDirect));
      }
      if (diskPath != null && offHeapBytes >= diskBytes) {
        throw new IllegalArgumentException(offHeapNotBelowDisk(offHeapBytes, diskBytes));
      }
    }
    if (writeBehind != null && isWriteThrough) {
      throw new IllegalArgumentException(WRITE_BEHIND_AND_THROUGH);
    }
    return this;
  }

  static final String WRITE_BEHIND_AND_THROUGH = "write-behind and write-through exclude each other: with "
      + "write-behind the cache delivers writes in the background and reports isWriteThrough() == false";

  static String offHeapTooLarge(long offHeapBytes, long maxDirect) {
    return "off-heap size " + offHeapBytes + " bytes is more than this JVM may allocate off the heap ("
        + maxDirect + " bytes); raise -XX:MaxDirectMemorySize or lower the size";
  }

  static String diskTooSmall(long diskBytes) {
    return "disk size must be at least " + DiskTier.MIN_CAPACITY_BYTES + " bytes (8 KiB: two segments of the"
        + " smallest size), not " + diskBytes;
  }

  static String offHeapNotBelowDisk(long offHeapBytes, long diskBytes) {
    return "off-heap size (" + offHeapBytes + " bytes) must be smaller than disk size (" + diskBytes
        + " bytes): a higher tier that is not smaller than the tier below it only duplicates it";
  }

  // ---------------------------------------------------------------------------------------------------------
  // Goldylox settings

  /** The most entries the heap tier holds; empty for an unbounded heap. */
  public OptionalLong heapMaxEntries() {
    return heapMaxEntries == ABSENT ? OptionalLong.empty() : OptionalLong.of(heapMaxEntries);
  }

  /** The off-heap tier's size in bytes; empty when there is no off-heap tier. */
  public OptionalLong offHeapBytes() {
    return offHeapBytes == ABSENT ? OptionalLong.empty() : OptionalLong.of(offHeapBytes);
  }

  /** The disk tier's own directory; empty when there is no disk tier. */
  public Optional<Path> diskPath() {
    return diskPath == null ? Optional.empty() : Optional.of(Path.of(diskPath));
  }

  /** The disk tier's size in bytes; empty when there is no disk tier. */
  public OptionalLong diskBytes() {
    return diskPath == null ? OptionalLong.empty() : OptionalLong.of(diskBytes);
  }

  /** What the disk tier does when it finds data written for other key or value classes. */
  public OnIncompatible onIncompatible() {
    return onIncompatible;
  }

  /** The write-behind settings; empty when writes are not delivered behind. */
  public Optional<WriteBehindConfig> writeBehind() {
    return Optional.ofNullable(writeBehind);
  }

  /** Bounds the heap tier to {@code maxEntries} entries (positive). */
  public GoldyloxConfiguration<K, V> setHeapMaxEntries(long maxEntries) {
    if (maxEntries <= 0) {
      throw new IllegalArgumentException("heap max-entries must be positive, not " + maxEntries);
    }
    this.heapMaxEntries = maxEntries;
    return this;
  }

  /** Makes the heap tier unbounded (the spec's default). */
  public GoldyloxConfiguration<K, V> setHeapUnbounded() {
    this.heapMaxEntries = ABSENT;
    return this;
  }

  /** Adds an off-heap tier of {@code bytes} bytes (positive). */
  public GoldyloxConfiguration<K, V> setOffHeapBytes(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("off-heap size must be positive, not " + bytes);
    }
    this.offHeapBytes = bytes;
    return this;
  }

  /** Adds an off-heap tier of {@code amount} {@code unit}s. */
  public GoldyloxConfiguration<K, V> setOffHeap(long amount, MemoryUnit unit) {
    return setOffHeapBytes(unit.toBytes(amount));
  }

  /** Removes the off-heap tier. */
  public GoldyloxConfiguration<K, V> setNoOffHeap() {
    this.offHeapBytes = ABSENT;
    return this;
  }

  /**
   * Adds a disk tier of {@code bytes} bytes in the directory {@code path} (which belongs to this cache alone; a
   * relative path is resolved against the working directory now).
   */
  public GoldyloxConfiguration<K, V> setDisk(Path path, long bytes) {
    Objects.requireNonNull(path, "path");
    if (bytes < DiskTier.MIN_CAPACITY_BYTES) {
      throw new IllegalArgumentException(diskTooSmall(bytes));
    }
    this.diskPath = path.toAbsolutePath().normalize().toString();
    this.diskBytes = bytes;
    return this;
  }

  public GoldyloxConfiguration<K, V> setDisk(Path path, long amount, MemoryUnit unit) {
    return setDisk(path, unit.toBytes(amount));
  }

  /** Removes the disk tier. */
  public GoldyloxConfiguration<K, V> setNoDisk() {
    this.diskPath = null;
    this.diskBytes = ABSENT;
    return this;
  }

  public GoldyloxConfiguration<K, V> setOnIncompatible(OnIncompatible onIncompatible) {
    this.onIncompatible = Objects.requireNonNull(onIncompatible, "onIncompatible");
    return this;
  }

  /** The shared store under the local tiers (which then act as a near cache); empty for a local cache. */
  public Optional<RemoteConfig> remote() {
    return Optional.ofNullable(remote);
  }

  /** Puts a shared store (Redis) under the local tiers; null makes the cache local again. */
  public GoldyloxConfiguration<K, V> setRemote(RemoteConfig remote) {
    this.remote = remote;
    return this;
  }

  /** Delivers writes behind through a journal; null turns write-behind off. */
  public GoldyloxConfiguration<K, V> setWriteBehind(WriteBehindConfig writeBehind) {
    this.writeBehind = writeBehind;
    return this;
  }

  // ---------------------------------------------------------------------------------------------------------
  // JCache setters, returning this type

  @Override
  public GoldyloxConfiguration<K, V> setTypes(Class<K> keyType, Class<V> valueType) {
    super.setTypes(keyType, valueType);
    return this;
  }

  @Override
  public GoldyloxConfiguration<K, V> addCacheEntryListenerConfiguration(
      CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    super.addCacheEntryListenerConfiguration(listenerConfiguration);
    return this;
  }

  @Override
  public GoldyloxConfiguration<K, V> removeCacheEntryListenerConfiguration(
      CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    super.removeCacheEntryListenerConfiguration(listenerConfiguration);
    return this;
  }

  @Override
  public GoldyloxConfiguration<K, V> setCacheLoaderFactory(Factory<? extends CacheLoader<K, V>> factory) {
    super.setCacheLoaderFactory(factory);
    return this;
  }

  @Override
  public GoldyloxConfiguration<K, V> setCacheWriterFactory(
      Factory<? extends CacheWriter<? super K, ? super V>> factory) {
    super.setCacheWriterFactory(factory);
    return this;
  }

  @Override
  public GoldyloxConfiguration<K, V> setExpiryPolicyFactory(Factory<? extends ExpiryPolicy> factory) {
    super.setExpiryPolicyFactory(factory);
    return this;
  }

  @Override
  public GoldyloxConfiguration<K, V> setReadThrough(boolean isReadThrough) {
    super.setReadThrough(isReadThrough);
    return this;
  }

  @Override
  public GoldyloxConfiguration<K, V> setWriteThrough(boolean isWriteThrough) {
    super.setWriteThrough(isWriteThrough);
    return this;
  }

  @Override
  public GoldyloxConfiguration<K, V> setStoreByValue(boolean isStoreByValue) {
    super.setStoreByValue(isStoreByValue);
    return this;
  }

  @Override
  public GoldyloxConfiguration<K, V> setStatisticsEnabled(boolean enabled) {
    super.setStatisticsEnabled(enabled);
    return this;
  }

  @Override
  public GoldyloxConfiguration<K, V> setManagementEnabled(boolean enabled) {
    super.setManagementEnabled(enabled);
    return this;
  }

  /**
   * Equal when the JCache settings and the Goldylox settings are. Only another {@code GoldyloxConfiguration}
   * can be equal (a plain {@code MutableConfiguration} compares only the JCache settings, so it may call itself
   * equal to this one: the asymmetry is the parent's).
   */
  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof GoldyloxConfiguration) || !super.equals(other)) {
      return false;
    }
    GoldyloxConfiguration<?, ?> that = (GoldyloxConfiguration<?, ?>) other;
    return isManagementEnabled == that.isManagementEnabled
        && heapMaxEntries == that.heapMaxEntries && offHeapBytes == that.offHeapBytes
        && Objects.equals(diskPath, that.diskPath) && diskBytes == that.diskBytes
        && onIncompatible == that.onIncompatible && Objects.equals(writeBehind, that.writeBehind)
        && Objects.equals(remote, that.remote);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + Objects.hash(heapMaxEntries, offHeapBytes, diskPath, diskBytes, onIncompatible,
        writeBehind, remote);
  }

  @Override
  public String toString() {
    return "GoldyloxConfiguration{keyType=" + keyType.getName() + ", valueType=" + valueType.getName()
        + ", storeByValue=" + isStoreByValue + ", statistics=" + isStatisticsEnabled
        + ", management=" + isManagementEnabled + ", readThrough=" + isReadThrough
        + ", writeThrough=" + isWriteThrough + ", listeners=" + listenerConfigurations.size()
        + ", heapMaxEntries=" + (heapMaxEntries == ABSENT ? "unbounded" : heapMaxEntries)
        + ", offHeapBytes=" + (offHeapBytes == ABSENT ? "none" : offHeapBytes)
        + ", disk=" + (diskPath == null ? "none" : diskPath + " (" + diskBytes + " bytes)")
        + ", onIncompatible=" + onIncompatible.configName()
        + ", writeBehind=" + writeBehind + (remote != null ? ", remote=" + remote : "") + "}";
  }

  /**
   * Fluent construction: {@code GoldyloxConfiguration.builder(Long.class, String.class).heapMaxEntries(10_000)
   * .offHeap(64, MB).disk(path, 1, GB).expireAfterWrite(Duration.ofMinutes(10)).build()}. Not thread-safe.
   */
  public static final class Builder<K, V> {

    private final GoldyloxConfiguration<K, V> configuration = new GoldyloxConfiguration<>();

    private Builder(Class<K> keyType, Class<V> valueType) {
      configuration.setTypes(keyType, valueType);
    }

    public Builder<K, V> storeByValue(boolean storeByValue) {
      configuration.setStoreByValue(storeByValue);
      return this;
    }

    public Builder<K, V> statistics(boolean enabled) {
      configuration.setStatisticsEnabled(enabled);
      return this;
    }

    public Builder<K, V> management(boolean enabled) {
      configuration.setManagementEnabled(enabled);
      return this;
    }

    public Builder<K, V> heapMaxEntries(long maxEntries) {
      configuration.setHeapMaxEntries(maxEntries);
      return this;
    }

    public Builder<K, V> offHeap(long amount, MemoryUnit unit) {
      configuration.setOffHeap(amount, unit);
      return this;
    }

    public Builder<K, V> offHeapBytes(long bytes) {
      configuration.setOffHeapBytes(bytes);
      return this;
    }

    public Builder<K, V> disk(Path path, long amount, MemoryUnit unit) {
      configuration.setDisk(path, amount, unit);
      return this;
    }

    public Builder<K, V> disk(Path path, long bytes) {
      configuration.setDisk(path, bytes);
      return this;
    }

    public Builder<K, V> onIncompatible(OnIncompatible onIncompatible) {
      configuration.setOnIncompatible(onIncompatible);
      return this;
    }

    /** Entries expire {@code duration} after they were created or last updated ({@link ModifiedExpiryPolicy}). */
    public Builder<K, V> expireAfterWrite(java.time.Duration duration) {
      configuration.setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(
          JCacheDurations.of(duration, "expire-after-write")));
      return this;
    }

    /**
     * Entries expire {@code duration} after they were created, last read or last updated
     * ({@link TouchedExpiryPolicy}).
     */
    public Builder<K, V> expireAfterAccess(java.time.Duration duration) {
      configuration.setExpiryPolicyFactory(TouchedExpiryPolicy.factoryOf(
          JCacheDurations.of(duration, "expire-after-access")));
      return this;
    }

    public Builder<K, V> expiry(Factory<? extends ExpiryPolicy> factory) {
      configuration.setExpiryPolicyFactory(factory);
      return this;
    }

    /** Sets the loader and turns read-through on. */
    public Builder<K, V> readThrough(Factory<? extends CacheLoader<K, V>> loaderFactory) {
      configuration.setCacheLoaderFactory(Objects.requireNonNull(loaderFactory, "loaderFactory"));
      configuration.setReadThrough(true);
      return this;
    }

    /** Sets the loader used by {@code loadAll} without turning read-through on. */
    public Builder<K, V> loader(Factory<? extends CacheLoader<K, V>> loaderFactory) {
      configuration.setCacheLoaderFactory(loaderFactory);
      return this;
    }

    /** Sets the writer and turns write-through on. */
    public Builder<K, V> writeThrough(Factory<? extends CacheWriter<? super K, ? super V>> writerFactory) {
      configuration.setCacheWriterFactory(Objects.requireNonNull(writerFactory, "writerFactory"));
      configuration.setWriteThrough(true);
      return this;
    }

    public Builder<K, V> writeBehind(WriteBehindConfig writeBehind) {
      configuration.setWriteBehind(Objects.requireNonNull(writeBehind, "writeBehind"));
      return this;
    }

    public Builder<K, V> remote(RemoteConfig remote) {
      configuration.setRemote(Objects.requireNonNull(remote, "remote"));
      return this;
    }

    public Builder<K, V> listener(CacheEntryListenerConfiguration<K, V> listener) {
      configuration.addCacheEntryListenerConfiguration(listener);
      return this;
    }

    /**
     * A new configuration holding this builder's values (the builder may go on being used).
     *
     * @throws IllegalArgumentException as {@link GoldyloxConfiguration#validate()}
     */
    public GoldyloxConfiguration<K, V> build() {
      return new GoldyloxConfiguration<>(configuration).validate();
    }
  }
}

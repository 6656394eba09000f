package io.goldylox.config;

import io.goldylox.tier.DiskTier;
import io.goldylox.tier.OnIncompatible;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The {@code goldylox.default} block of a configuration file: settings applied to every cache of a manager,
 * declared in the file or created at runtime (see {@link GoldyloxConfiguration#merge} for the rule). Every
 * setting is optional; an absent one leaves the spec's default, or the user's value, alone. Immutable.
 *
 * <pre>{@code
 * goldylox.default {
 *   store-by-value = false
 *   statistics = true
 *   management = true
 *   heap.max-entries = 10000
 *   off-heap.size = 64MiB
 *   disk { path = "/var/cache/app", size = 1GiB }   # a root: each cache gets <path>/<cache name>
 *   on-incompatible = wipe
 * }
 * }</pre>
 */
public final class Defaults {

  /** No default block: the spec's defaults. */
  public static final Defaults NONE = builder().build();

  private final Boolean storeByValue;
  private final Boolean statistics;
  private final Boolean management;
  private final long heapMaxEntries;
  private final long offHeapBytes;
  private final Path diskRoot;
  private final long diskBytes;
  private final OnIncompatible onIncompatible;
  private final RemoteConfig remote;

  private Defaults(Builder builder) {
    this.storeByValue = builder.storeByValue;
    this.statistics = builder.statistics;
    this.management = builder.management;
    this.heapMaxEntries = builder.heapMaxEntries;
    this.offHeapBytes = builder.offHeapBytes;
    this.diskRoot = builder.diskRoot;
    this.diskBytes = builder.diskBytes;
    this.onIncompatible = builder.onIncompatible;
    this.remote = builder.remote;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Optional<Boolean> storeByValue() {
    return Optional.ofNullable(storeByValue);
  }

  public Optional<Boolean> statistics() {
    return Optional.ofNullable(statistics);
  }

  public Optional<Boolean> management() {
    return Optional.ofNullable(management);
  }

  public OptionalLong heapMaxEntries() {
    return heapMaxEntries > 0 ? OptionalLong.of(heapMaxEntries) : OptionalLong.empty();
  }

  public OptionalLong offHeapBytes() {
    return offHeapBytes > 0 ? OptionalLong.of(offHeapBytes) : OptionalLong.empty();
  }

  /** The directory under which each cache gets its own disk directory; empty when caches have no disk tier. */
  public Optional<Path> diskRoot() {
    return Optional.ofNullable(diskRoot);
  }

  /** Each cache's disk size; empty when caches have no disk tier. */
  public OptionalLong diskBytes() {
    return diskRoot != null ? OptionalLong.of(diskBytes) : OptionalLong.empty();
  }

  /**
   * The shared store every cache gets; its key prefix is a root under which each cache gets its own
   * ({@link RemoteConfig#forCache}).
   */
  public Optional<RemoteConfig> remote() {
    return Optional.ofNullable(remote);
  }

  public Optional<OnIncompatible> onIncompatible() {
    return Optional.ofNullable(onIncompatible);
  }

  /**
   * The disk directory of the cache {@code cacheName}: {@code <root>/<name>}, where a name holding characters
   * other than letters, digits, {@code . _ -} (or being {@code .} or {@code ..}) has them replaced by {@code _}
   * and gets a suffix of its CRC-32, so that distinct names get distinct directories. A name that already ends
   * in such a suffix ({@code -} and 8 hex digits) gets one too, so it cannot take an escaped name's directory.
   */
  public Optional<Path> diskPathFor(String cacheName) {
    return diskRoot == null ? Optional.empty() : Optional.of(diskRoot.resolve(directoryName(cacheName)));
  }

  /**
   * Ends like an escaped name's directory. (Escaped names keep their unpadded suffix, as their directories
   * always had; one with fewer than 8 digits, 1 in 16 of them, can still meet a plain name spelt the same.)
   */
  private static final Pattern LOOKS_ESCAPED = Pattern.compile(".*-[0-9a-f]{8}");

  static String directoryName(String cacheName) {
    StringBuilder safe = new StringBuilder(cacheName.length());
    for (int i = 0; i < cacheName.length(); i++) {
      char c = cacheName.charAt(i);
      boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      safe.append(plain ? c : '_');
    }
    String name = safe.toString();
    boolean escaped = !name.equals(cacheName) || name.isEmpty() || name.equals(".") || name.equals("..");
    if (!escaped && !LOOKS_ESCAPED.matcher(name).matches()) {
      return name; // every other plain name keeps the directory it always had
    }
    CRC32 crc = new CRC32();
    crc.update(cacheName.getBytes(StandardCharsets.UTF_8));
    // An escaped name keeps its historical (unpadded) suffix; a plain one that looked escaped gets 8 digits, so
    // its directory looks escaped too and no plain name can take it.
    return name + "-" + (escaped ? Long.toHexString(crc.getValue()) : String.format("%08x", crc.getValue()));
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof Defaults)) {
      return false;
    }
    Defaults that = (Defaults) other;
    return Objects.equals(storeByValue, that.storeByValue) && Objects.equals(statistics, that.statistics)
        && Objects.equals(management, that.management) && heapMaxEntries == that.heapMaxEntries
        && offHeapBytes == that.offHeapBytes && Objects.equals(diskRoot, that.diskRoot)
        && diskBytes == that.diskBytes && onIncompatible == that.onIncompatible
        && Objects.equals(remote, that.remote);
  }

  @Override
  public int hashCode() {
    return Objects.hash(storeByValue, statistics, management, heapMaxEntries, offHeapBytes, diskRoot, diskBytes,
        onIncompatible, remote);
  }

  @Override
  public String toString() {
    return "Defaults{storeByValue=" + storeByValue + ", statistics=" + statistics + ", management=" + management
        + ", heapMaxEntries=" + heapMaxEntries().stream().boxed().findAny().orElse(null)
        + ", offHeapBytes=" + offHeapBytes().stream().boxed().findAny().orElse(null)
        + ", disk=" + (diskRoot == null ? null : diskRoot + " (" + diskBytes + " bytes per cache)")
        + ", onIncompatible=" + onIncompatible + (remote != null ? ", remote=" + remote : "") + "}";
  }

  /** Collects a {@link Defaults}; each value is optional. Not thread-safe. */
  public static final class Builder {

    private Boolean storeByValue;
    private Boolean statistics;
    private Boolean management;
    private long heapMaxEntries = -1;
    private long offHeapBytes = -1;
    private Path diskRoot;
    private long diskBytes = -1;
    private OnIncompatible onIncompatible;
    private RemoteConfig remote;

    private Builder() {}

    public Builder remote(RemoteConfig remote) {
      this.remote = Objects.requireNonNull(remote, "remote");
      return this;
    }

    public Builder storeByValue(boolean storeByValue) {
      this.storeByValue = storeByValue;
      return this;
    }

    public Builder statistics(boolean statistics) {
      this.statistics = statistics;
      return this;
    }

    public Builder management(boolean management) {
      this.management = management;
      return this;
    }

    public Builder heapMaxEntries(long maxEntries) {
      if (maxEntries <= 0) {
        throw new IllegalArgumentException("heap max-entries must be positive, not " + maxEntries);
      }
      this.heapMaxEntries = maxEntries;
      return this;
    }

    public Builder offHeapBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("off-heap size must be positive, not " + bytes);
      }
      this.offHeapBytes = bytes;
      return this;
    }

    /** Each cache gets a disk tier of {@code bytes} in {@code <root>/<cache name>}. */
    public Builder disk(Path root, long bytes) {
      Objects.requireNonNull(root, "root");
      if (bytes < DiskTier.MIN_CAPACITY_BYTES) {
        throw new IllegalArgumentException(GoldyloxConfiguration.diskTooSmall(bytes));
      }
      this.diskRoot = root.toAbsolutePath().normalize();
      this.diskBytes = bytes;
      return this;
    }

    public Builder onIncompatible(OnIncompatible onIncompatible) {
      this.onIncompatible = Objects.requireNonNull(onIncompatible, "onIncompatible");
      return this;
    }

    /**
     * @throws IllegalArgumentException if off-heap is not smaller than disk or exceeds MaxDirectMemorySize
     */
    public Defaults build() {
      if (offHeapBytes > 0) {
        long maxDirect = DirectMemory.maxDirectMemory();
        if (offHeapBytes > maxDirect) {
          throw new IllegalArgumentException(GoldyloxConfiguration.offHeapTooLarge(offHeapBytes, maxDirect));
        }
        if (diskRoot != null && offHeapBytes >= diskBytes) {
          throw new IllegalArgumentException(GoldyloxConfiguration.offHeapNotBelowDisk(offHeapBytes, diskBytes));
        }
      }
      return new Defaults(this);
    }
  }
}

package io.goldylox.benchmarks.engines;

import io.goldylox.serialization.Serializer;
import io.goldylox.tier.DiskTier;
import io.goldylox.tier.OnIncompatible;
import io.goldylox.tier.PutResult;
import io.goldylox.tier.StoredBytes;
import io.goldylox.tier.StoredEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Goldylox's {@link DiskTier} (a Bitcask-style log) in a fresh directory under the scratch directory, deleted on
 * close. Sized at six times the log bytes N records take, so the insert pass, the update pass (which appends N
 * more records) and the compactor's copies all fit without the log evicting its oldest segment; segment files are
 * sparse, so the excess costs no disk. Used by the harness thread; the tier's own compactor thread runs beside
 * it and is part of what is measured.
 */
final class DiskTierEngine implements Engine {

  private final DiskTier<Long> tier;
  private final Path directory;

  private DiskTierEngine(DiskTier<Long> tier, Path directory) {
    this.tier = tier;
    this.directory = directory;
  }

  static DiskTierEngine open(int n, int valueBytes, Path scratch, Serializer serializer) {
    // Record layout (see DiskTier): crc 4, length 4, type 1, expireAt 8, keyLen 4, key, valueLen 4, value.
    long recordBytes = 25L + serializer.serialize(Long.valueOf(n)).length + valueBytes;
    long capacity = Math.max(1L << 20, 6 * n * recordBytes);
    Path directory;
    try {
      directory = Files.createTempDirectory(scratch, "disk-tier-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    DiskTier<Long> tier = DiskTier.open(directory, capacity, serializer, StorageEngines.class.getClassLoader(),
        Long.class, byte[].class, OnIncompatible.FAIL);
    return new DiskTierEngine(tier, directory);
  }

  @Override
  public void put(Long key, byte[] value) {
    if (tier.put(key, value, StoredEntry.ETERNAL) != PutResult.STORED) {
      throw new IllegalStateException("DiskTier rejected a " + value.length + "-byte value");
    }
  }

  @Override
  public byte[] get(Long key) {
    StoredBytes stored = tier.get(key);
    return stored == null ? null : stored.bytes();
  }

  @Override
  public long size() {
    return tier.size();
  }

  @Override
  public long evictions() {
    return tier.evictions();
  }

  @Override
  public long bytesUsed() {
    return tier.bytesUsed();
  }

  @Override
  public void close() {
    tier.close();
    deleteTree(directory);
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + root, e);
    }
  }
}

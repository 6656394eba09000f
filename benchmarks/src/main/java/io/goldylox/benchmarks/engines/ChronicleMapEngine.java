package io.goldylox.benchmarks.engines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

/**
 * Chronicle Map (net.openhft:chronicle-map), in memory or persisted to a file under the scratch directory
 * (deleted on close), created for exactly N entries with an average value size equal to the workload's (the
 * configuration a cache with variable-sized values would use). {@code put} is the plain Map call, which also
 * copies the previous value out on an update. The only class that names Chronicle types, so a JVM without the
 * flags Chronicle needs fails when this class is first used. Used by the harness thread only.
 */
final class ChronicleMapEngine implements Engine {

  private final ChronicleMap<Long, byte[]> map;
  private final Path file;

  private ChronicleMapEngine(ChronicleMap<Long, byte[]> map, Path file) {
    this.map = map;
    this.file = file;
  }

  private static ChronicleMapBuilder<Long, byte[]> builder(int n, int valueBytes) {
    return ChronicleMap.of(Long.class, byte[].class).name("storage-engines").entries(n)
        .averageValueSize(valueBytes);
  }

  static ChronicleMapEngine inMemory(int n, int valueBytes) {
    return new ChronicleMapEngine(builder(n, valueBytes).create(), null);
  }

  static ChronicleMapEngine persisted(int n, int valueBytes, Path scratch) throws IOException {
    Path file = Files.createTempFile(scratch, "chronicle-map-", ".dat");
    Files.delete(file); // Chronicle Map creates the file itself
    return new ChronicleMapEngine(builder(n, valueBytes).createPersistedTo(file.toFile()), file);
  }

  @Override
  public void put(Long key, byte[] value) {
    map.put(key, value);
  }

  @Override
  public byte[] get(Long key) {
    return map.get(key);
  }

  @Override
  public long size() {
    return map.longSize();
  }

  @Override
  public long bytesUsed() {
    return map.offHeapMemoryUsed();
  }

  @Override
  public void close() {
    map.close();
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("Cannot delete " + file, e);
      }
    }
  }
}

package io.goldylox.benchmarks.engines;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The engines the harness knows, each with the id used on the command line ({@code --engines}), the name printed
 * in the table, what its "bytes used" figure means, and how to create an empty instance sized for {@code n}
 * entries of {@code valueBytes} bytes under a scratch directory. Creation is the only place an engine's own
 * classes are first touched, so a library that cannot start (missing JVM flags) fails there and is skipped.
 */
enum EngineKind {
  CHM("chm", "ConcurrentHashMap<Long, byte[]> (ceiling)", "not told (on heap; keeps the caller's arrays)") {
    @Override
    Engine create(int n, int valueBytes, Path scratch) {
      return new HeapMapEngine(n);
    }
  },
  OFFHEAP("offheap", "Goldylox OffHeapTier", "OffHeapTier.bytesUsed(): value blocks (size class 128 B)") {
    @Override
    Engine create(int n, int valueBytes, Path scratch) {
      return OffHeapTierEngine.create(n, valueBytes);
    }
  },
  DISK("disk", "Goldylox DiskTier (JavaSerializer keys)", "DiskTier.bytesUsed(): log bytes written, dead records included") {
    @Override
    Engine create(int n, int valueBytes, Path scratch) {
      return DiskTierEngine.open(n, valueBytes, scratch, new io.goldylox.serialization.JavaSerializer());
    }
  },
  DISK_LONG("disk-longkey", "Goldylox DiskTier (8-byte key serializer; extra)",
      "DiskTier.bytesUsed(): log bytes written, dead records included") {
    @Override
    Engine create(int n, int valueBytes, Path scratch) {
      return DiskTierEngine.open(n, valueBytes, scratch, new LongKeySerializer());
    }
  },
  CHRONICLE_MEM("chronicle-mem", "Chronicle Map in memory", "ChronicleMap.offHeapMemoryUsed(): allocated for entries(N)") {
    @Override
    Engine create(int n, int valueBytes, Path scratch) throws Exception {
      return ChronicleMapEngine.inMemory(n, valueBytes);
    }
  },
  CHRONICLE_FILE("chronicle-file", "Chronicle Map persisted", "ChronicleMap.offHeapMemoryUsed(): allocated for entries(N)") {
    @Override
    Engine create(int n, int valueBytes, Path scratch) throws Exception {
      return ChronicleMapEngine.persisted(n, valueBytes, scratch);
    }
  };

  final String id;
  final String label;
  final String bytesMeaning;
  final boolean needsChronicleFlags;

  EngineKind(String id, String label, String bytesMeaning) {
    this.id = id;
    this.label = label;
    this.bytesMeaning = bytesMeaning;
    this.needsChronicleFlags = id.startsWith("chronicle");
  }

  abstract Engine create(int n, int valueBytes, Path scratch) throws Exception;

  static EngineKind byId(String id) {
    for (EngineKind kind : values()) {
      if (kind.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
        return kind;
      }
    }
    StringBuilder known = new StringBuilder();
    for (EngineKind kind : values()) {
      known.append(known.length() == 0 ? "" : ", ").append(kind.id);
    }
    throw new IllegalArgumentException("Unknown engine '" + id + "'; known: " + known);
  }
}

package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.serialization.ClassPolicy;
import io.goldylox.serialization.ForySerializer;
import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.Serializer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.cache.CacheException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk tier written before records had a format byte and the metadata named the serializer (format 1) opens
 * under the default serializer when its records are Java serialization's, and is wiped or refused, per
 * {@code on-incompatible}, when they are not: never misread. The directories under
 * {@code src/test/resources/legacy-disk-tier} were written by the Goldylox code of commit 83ebec9
 * ({@code WriteLegacyDiskTier.java.txt} beside them): {@code java} with the default of then, Java serialization,
 * {@code fory} with its opt-in Fory.
 */
class DiskTierFormatTest {

  @TempDir
  Path dir;

  private final ClassLoader loader = getClass().getClassLoader();
  private final Serializer fory = new ForySerializer(loader)
      .guarded(ClassPolicy.of("test", List.of(Object.class), List.of()));
  private final Serializer java = new JavaSerializer();

  private Path legacy(String name) throws IOException, URISyntaxException {
    Path source = Path.of(getClass().getResource("/legacy-disk-tier/" + name).toURI());
    Path target = dir.resolve(name);
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(source)) {
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(file.getFileName()));
      }
    }
    return target;
  }

  private DiskTier<Object> open(Path path, Serializer serializer, OnIncompatible onIncompatible) {
    return DiskTier.open(path, 16 << 10, serializer, loader, Object.class, Object.class, onIncompatible);
  }

  private Object read(DiskTier<Object> tier, Serializer serializer, Object key) {
    StoredBytes found = tier.get(key);
    return found == null ? null : serializer.deserialize(found.bytes(), loader);
  }

  private static Properties metadata(Path path) throws IOException {
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(path.resolve(DiskTier.META_FILE))) {
      properties.load(in);
    }
    return properties;
  }

  private static Map<String, byte[]> files(Path path) throws IOException {
    Map<String, byte[]> contents = new TreeMap<>();
    try (Stream<Path> list = Files.list(path)) {
      for (Path file : list.filter(f -> f.getFileName().toString().startsWith("seg-")).toList()) {
        contents.put(file.getFileName().toString(), Files.readAllBytes(file));
      }
    }
    return contents;
  }

  @Test
  void aTierWrittenWithJavaSerializationBeforeFormatBytesIsReadByTheDefault() throws Exception {
    Path path = legacy("java");
    assertThat(metadata(path).getProperty("format")).isEqualTo("1");
    try (DiskTier<Object> tier = open(path, fory, OnIncompatible.FAIL)) {
      assertThat(tier.size()).isEqualTo(4);
      assertThat(read(tier, fory, "greeting")).isEqualTo("hello");
      assertThat(read(tier, fory, 42L)).isEqualTo(List.of("a", "b"));
      assertThat(read(tier, fory, 7)).isEqualTo(LocalDate.of(2024, 2, 29));
      assertThat(read(tier, fory, "number")).isEqualTo(1_700_000_000_000L);
      assertThat(tier.get("gone")).isNull();
      assertThat(tier.corruptRecords()).isZero();
      assertThat(tier.rejectedRecords()).isZero();
      tier.put("new", fory.serialize(new java.util.ArrayList<>(List.of(1))), StoredEntry.ETERNAL);
    }
    Properties upgraded = metadata(path);
    assertThat(upgraded.getProperty("format")).isEqualTo("2");
    assertThat(upgraded.getProperty("serializer")).isEqualTo("fory");
    // Old and new records side by side, after another restart.
    try (DiskTier<Object> tier = open(path, fory, OnIncompatible.FAIL)) {
      assertThat(read(tier, fory, "greeting")).isEqualTo("hello");
      assertThat(read(tier, fory, "new")).isEqualTo(List.of(1));
    }
    // Java serialization cannot read the Fory records now in it: refused, not misread.
    assertThatThrownBy(() -> open(path, java, OnIncompatible.FAIL)).isInstanceOf(CacheException.class)
        .hasMessageContaining("written by the fory serializer").hasMessageContaining("on-incompatible = fail");
  }

  @Test
  void aTierWrittenByTheOldOptInForyIsRefusedOrWipedNeverMisread() throws Exception {
    Path path = legacy("fory");
    Map<String, byte[]> before = files(path);
    assertThatThrownBy(() -> open(path, fory, OnIncompatible.FAIL)).isInstanceOf(CacheException.class)
        .hasMessageContaining("format 1").hasMessageContaining("not Java serialization's")
        .hasMessageContaining("nothing was deleted");
    assertThat(files(path)).as("failing touched nothing").containsOnlyKeys(before.keySet());
    assertThat(files(path).get(before.keySet().iterator().next())).isEqualTo(before.values().iterator().next());
    // Java serialization refuses it too: its records are not Java's.
    assertThatThrownBy(() -> open(path, java, OnIncompatible.FAIL)).isInstanceOf(CacheException.class)
        .hasMessageContaining("format 1");
    try (DiskTier<Object> tier = open(path, fory, OnIncompatible.WIPE)) {
      assertThat(tier.size()).isZero();
      assertThat(tier.get("greeting")).isNull();
      tier.put("greeting", fory.serialize("fresh"), StoredEntry.ETERNAL);
    }
    try (DiskTier<Object> tier = open(path, fory, OnIncompatible.FAIL)) {
      assertThat(read(tier, fory, "greeting")).isEqualTo("fresh");
    }
  }

  @Test
  void aFormatOneTierOfOnlyLongsIsAmbiguousForForyButReadableAsJava() throws Exception {
    Path path = dir.resolve("longs");
    try (DiskTier<Object> tier = open(path, java, OnIncompatible.FAIL)) {
      tier.put(1L, java.serialize(1_700_000_000_000L), StoredEntry.ETERNAL);
    }
    downgradeToFormatOne(path);
    assertThatThrownBy(() -> open(path, fory, OnIncompatible.FAIL)).isInstanceOf(CacheException.class)
        .hasMessageContaining("9-byte values").hasMessageContaining("goldylox.serializer=java");
    try (DiskTier<Object> tier = open(path, java, OnIncompatible.FAIL)) {
      assertThat(read(tier, java, 1L)).isEqualTo(1_700_000_000_000L);
    }
    // Now recorded as java's: the default reads it.
    try (DiskTier<Object> tier = open(path, fory, OnIncompatible.FAIL)) {
      assertThat(read(tier, fory, 1L)).isEqualTo(1_700_000_000_000L);
    }
  }

  @Test
  void theMetadataRecordsTheSerializer() throws Exception {
    Path path = dir.resolve("fresh");
    try (DiskTier<Object> tier = open(path, java, OnIncompatible.FAIL)) {
      tier.put("k", java.serialize(new java.util.ArrayList<>(List.of("v"))), StoredEntry.ETERNAL);
    }
    assertThat(metadata(path).getProperty("serializer")).isEqualTo("java");
    try (DiskTier<Object> tier = open(path, fory, OnIncompatible.FAIL)) {
      assertThat(read(tier, fory, "k")).isEqualTo(List.of("v"));
    }
    assertThat(metadata(path).getProperty("serializer")).isEqualTo("fory");
  }

  /** Rewrites the metadata as the code before format 2 wrote it: no serializer, format 1. */
  private static void downgradeToFormatOne(Path path) throws IOException {
    Properties properties = metadata(path);
    properties.remove("serializer");
    properties.setProperty("format", "1");
    try (OutputStream out = Files.newOutputStream(path.resolve(DiskTier.META_FILE))) {
      properties.store(out, "Goldylox disk tier");
    }
  }

  /**
   * A former journal whose path holds ':' (the path separator here, a legal file-name character) is remembered
   * as it is: warned about at every open while it may hold writes (review: the joined list was split apart and
   * the journal forgotten after one WARN).
   */
  @Test
  void aFormerJournalWithAColonInItsPathIsWarnedAboutAtEveryOpen(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Path tier = Files.createDirectories(tmp.resolve("tier"));
    Files.writeString(tier.resolve(DiskTier.META_FILE), "format=1\n");
    Path old = Files.createDirectories(tmp.resolve("orders:2026").resolve("journal"));
    Files.write(old.resolve("20261207F.cq4"), new byte[16]); // a cycle file, no delivered mark
    try (io.goldylox.testing.LogCapture log = new io.goldylox.testing.LogCapture(DiskTierFormat.class)) {
      DiskTierFormat.recordJournal(tier, old, "c");
      DiskTierFormat.recordJournal(tier, tmp.resolve("j2"), "c"); // the path changed: a WARN names the old one
      DiskTierFormat.recordJournal(tier, tmp.resolve("j2"), "c");
      DiskTierFormat.recordJournal(tier, tmp.resolve("j3"), "c");
      assertThat(log.containing(old.toString())).isEqualTo(3);
      Files.write(old.resolve("goldylox-writebehind.delivered"), new byte[0]);
      DiskTierFormat.recordJournal(tier, tmp.resolve("j3"), "c");
      assertThat(log.containing(old.toString())).as("delivered: no WARN, and forgotten").isEqualTo(3);
      Files.delete(old.resolve("goldylox-writebehind.delivered"));
      DiskTierFormat.recordJournal(tier, tmp.resolve("j3"), "c");
      assertThat(log.containing(old.toString())).isEqualTo(3);
    }
  }
}

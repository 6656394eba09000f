package io.goldylox.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad file gets a {@link ConfigurationException} naming the file, the full key path and the
 * reason. Each case is a real file in a temporary directory.
 */
class ConfigValidationTest {

  private static final String AUDIT = Fixtures.Audit.class.getName();
  private static final String LOADER = Fixtures.OrderLoader.class.getName();
  private static final String WRITER = Fixtures.OrderWriter.class.getName();

  @TempDir
  Path dir;

  static Stream<Arguments> unknownKeys() {
    return Stream.of(
        arguments("goldylx { caches {} }", "goldylx", "keys allowed at the top level are [goldylox]"),
        arguments("goldylox.cache.orders {}", "goldylox.cache", "[serializer, default, caches]"),
        arguments("goldylox.default.expiry.after-write = 1m", "goldylox.default.expiry", "in goldylox.default"),
        arguments("goldylox.caches.orders { heap.max-entries = 5, off-heap.sise = 1MiB }",
            "goldylox.caches.orders.off-heap.sise", "are [size]"),
        arguments("goldylox.caches.orders.disk { path = \"/tmp/x\", size = 1GiB, compress = true }",
            "goldylox.caches.orders.disk.compress", "[path, size]"),
        arguments("goldylox.caches.orders.listeners = [ { class = \"" + AUDIT + "\", old-values = true } ]",
            "goldylox.caches.orders.listeners[0].old-values", "[class, filter, synchronous, old-value]"),
        arguments("goldylox.caches.orders.write-behind.retry.max-attempt = 3",
            "goldylox.caches.orders.write-behind.retry.max-attempt", "max-attempts"),
        arguments("goldylox.caches.\"my.cache\".heap.maxentries = 1",
            "goldylox.caches.\"my.cache\".heap.maxentries", "[max-entries]"));
  }

  @ParameterizedTest
  @MethodSource
  void unknownKeys(String hocon, String keyPath, String reason) throws IOException {
    assertFails(hocon, keyPath, "unknown key", reason);
  }

  static Stream<Arguments> wrongTypes() {
    return Stream.of(
        arguments("goldylox.caches.o.heap.max-entries = \"lots\"", "goldylox.caches.o.heap.max-entries",
            "expected a whole number, found a string \"lots\" (line 1)"),
        arguments("goldylox.caches.o.heap.max-entries = 1.5", "goldylox.caches.o.heap.max-entries",
            "expected a whole number"),
        arguments("goldylox.default.statistics = 3", "goldylox.default.statistics", "expected true or false"),
        arguments("goldylox.caches.o.off-heap.size = big", "goldylox.caches.o.off-heap.size",
            "expected a size such as 64MiB"),
        arguments("goldylox.caches.o.disk = 5", "goldylox.caches.o.disk", "expected an object with the keys"),
        arguments("goldylox.caches.o.listeners { class = \"" + AUDIT + "\" }", "goldylox.caches.o.listeners",
            "expected a list of objects"),
        arguments("goldylox.caches.o.expiry.after-write = soon", "goldylox.caches.o.expiry.after-write",
            "expected a duration"),
        // HOCON reads a bare number as milliseconds; an Ehcache user means seconds (new-user trial).
        arguments("goldylox.caches.o.expiry.after-write = 10", "goldylox.caches.o.expiry.after-write",
            "a duration needs a unit: write 10ms, 10s or 10m"),
        arguments("goldylox.caches.o.expiry.after-write = \"10\"", "goldylox.caches.o.expiry.after-write",
            "a duration needs a unit"),
        arguments("goldylox.caches.o.key-type = 42", "goldylox.caches.o.key-type", "expected a string"),
        arguments("goldylox.caches.o.statistics = null", "goldylox.caches.o.statistics", "null is not allowed"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " durability = fast }", "goldylox.caches.o.write-behind.durability", "expected process or os"),
        arguments("goldylox.default.on-incompatible = maybe", "goldylox.default.on-incompatible",
            "expected wipe or fail"));
  }

  @ParameterizedTest
  @MethodSource
  void wrongTypes(String hocon, String keyPath, String reason) throws IOException {
    assertFails(hocon, keyPath, reason);
  }

  static Stream<Arguments> impossibleSizes() {
    return Stream.of(
        arguments("goldylox.caches.o.off-heap.size = -1MiB", "goldylox.caches.o.off-heap.size",
            "a size cannot be negative: -1MiB (line 1)"),
        arguments("goldylox.caches.o.disk { path = \"/tmp/o\", size = -5 }", "goldylox.caches.o.disk.size",
            "a size cannot be negative: -5"),
        arguments("goldylox.caches.o.disk { path = \"/tmp/o\", size = 0 }", "goldylox.caches.o.disk.size",
            "a size must be positive, not 0 bytes"),
        arguments("goldylox.caches.o.disk { path = \"/tmp/o\", size = 1KiB }", "goldylox.caches.o.disk.size",
            "disk size must be at least 8192 bytes (8 KiB: two segments of the smallest size), not 1024"),
        arguments("goldylox.default.disk { path = \"/tmp/d\", size = 8191B }", "goldylox.default.disk.size",
            "disk size must be at least 8192 bytes"),
        arguments("goldylox.default.heap.max-entries = 0", "goldylox.default.heap.max-entries",
            "must be positive, not 0"),
        arguments("goldylox.caches.o.heap.max-entries = -3", "goldylox.caches.o.heap.max-entries",
            "must be positive, not -3"),
        arguments("goldylox.caches.o { off-heap.size = 2GiB, disk { path = \"/tmp/o\", size = 1GiB } }",
            "goldylox.caches.o.off-heap.size", "must be smaller than disk size"),
        arguments("goldylox.caches.o { off-heap.size = 1GiB, disk { path = \"/tmp/o\", size = 1GiB } }",
            "goldylox.caches.o.off-heap.size", "must be smaller than disk size"),
        arguments("goldylox.default { off-heap.size = 2MiB, disk { path = \"/tmp/d\", size = 1MiB } }",
            "goldylox.default.off-heap.size", "must be smaller than disk size"),
        arguments("goldylox { default.disk { path = \"/tmp/d\", size = 1MiB }, caches.o.off-heap.size = 2MiB }",
            "goldylox.caches.o.off-heap.size", "disk size is inherited from goldylox.default.disk.size"),
        arguments("goldylox { default.off-heap.size = 2MiB, caches.o.disk { path = \"/tmp/o\", size = 1MiB } }",
            "goldylox.caches.o.disk.size", "off-heap size is inherited from goldylox.default.off-heap.size"),
        arguments("goldylox.caches.o.off-heap {}", "goldylox.caches.o.off-heap.size",
            "missing: an off-heap tier needs a size"),
        arguments("goldylox.caches.o.disk.path = \"/tmp/o\"", "goldylox.caches.o.disk.size",
            "missing: a disk tier needs a path and a size"));
  }

  @ParameterizedTest
  @MethodSource
  void impossibleSizes(String hocon, String keyPath, String reason) throws IOException {
    assertFails(hocon, keyPath, reason);
  }

  @Test
  void offHeapAboveMaxDirectMemorySize() throws IOException {
    assertFails("goldylox.caches.o.off-heap.size = 1PiB", "goldylox.caches.o.off-heap.size",
        "more than this JVM may allocate off the heap (" + DirectMemory.maxDirectMemory() + " bytes)",
        "-XX:MaxDirectMemorySize");
    assertFails("goldylox.default.off-heap.size = 1PiB", "goldylox.default.off-heap.size", "MaxDirectMemorySize");
  }

  static Stream<Arguments> badClasses() {
    return Stream.of(
        arguments("goldylox.caches.o.key-type = \"com.example.Nope\"", "goldylox.caches.o.key-type",
            "unknown class com.example.Nope (line 1): not found by the class loader"),
        arguments("goldylox.caches.o.read-through.loader = \"com.example.OrderLoader\"",
            "goldylox.caches.o.read-through.loader", "unknown class com.example.OrderLoader"),
        arguments("goldylox.caches.o.read-through.loader = \"java.lang.String\"",
            "goldylox.caches.o.read-through.loader",
            "java.lang.String is neither a javax.cache.integration.CacheLoader nor a javax.cache.configuration.Factory"),
        arguments("goldylox.caches.o.read-through.loader = \"" + Fixtures.NeedsArgumentLoader.class.getName() + "\"",
            "goldylox.caches.o.read-through.loader", "has no public no-argument constructor"),
        arguments("goldylox.caches.o.listeners = [ { class = \"com.example.Audit\" } ]",
            "goldylox.caches.o.listeners[0].class", "unknown class com.example.Audit"),
        arguments("goldylox.caches.o.listeners = [ { class = \"" + Fixtures.MarkerOnlyListener.class.getName()
            + "\" } ]", "goldylox.caches.o.listeners[0].class", "implements none of CacheEntryCreatedListener"),
        arguments("goldylox.caches.o.listeners = [ { class = \"" + AUDIT + "\", filter = \"" + LOADER + "\" } ]",
            "goldylox.caches.o.listeners[0].filter", "is neither a javax.cache.event.CacheEntryEventFilter"),
        arguments("goldylox.caches.o.expiry.policy = \"java.util.ArrayList\"", "goldylox.caches.o.expiry.policy",
            "neither a javax.cache.expiry.ExpiryPolicy"),
        arguments("goldylox.caches.o.write-behind { writer = \"com.example.OrderWriter\", journal = \"/tmp/j\" }",
            "goldylox.caches.o.write-behind.writer", "unknown class com.example.OrderWriter"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + LOADER + "\", journal = \"/tmp/j\" }",
            "goldylox.caches.o.write-behind.writer", "neither a javax.cache.integration.CacheWriter"));
  }

  @ParameterizedTest
  @MethodSource
  void badClasses(String hocon, String keyPath, String reason) throws IOException {
    assertFails(hocon, keyPath, reason);
  }

  static Stream<Arguments> inconsistentSettings() {
    return Stream.of(
        arguments("goldylox.caches.o.expiry { after-write = 1m, after-access = 1m }", "goldylox.caches.o.expiry",
            "set only one of after-write, after-access or policy"),
        arguments("goldylox.caches.o.expiry {}", "goldylox.caches.o.expiry", "needs one of"),
        arguments("goldylox.caches.o.expiry.after-write = 0s", "goldylox.caches.o.expiry.after-write",
            "must be positive"),
        arguments("goldylox.caches.o.read-through {}", "goldylox.caches.o.read-through.loader",
            "missing: read-through needs a loader"),
        arguments("goldylox.caches.o.write-behind.writer = \"" + WRITER + "\"",
            "goldylox.caches.o.write-behind.journal", "missing: write-behind needs a journal path"),
        arguments("goldylox.caches.o { write-through.writer = \"" + WRITER + "\", write-behind { writer = \""
            + WRITER + "\", journal = \"/tmp/j\" } }", "goldylox.caches.o.write-behind",
            "write-behind and write-through exclude each other"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " retry { initial-delay = 1s, max-delay = 10ms } }", "goldylox.caches.o.write-behind.retry",
            "shorter than initial-delay"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " dead-letter = \"/tmp/j\" }", "goldylox.caches.o.write-behind.dead-letter",
            "must not be the journal itself"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " batch-size = 1000001 }", "goldylox.caches.o.write-behind.batch-size",
            "batch-size must be between 1 and 1000000, not 1000001"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " concurrency = 65 }", "goldylox.caches.o.write-behind.concurrency", "must be at most 64, not 65"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " concurrency = 0 }", "goldylox.caches.o.write-behind.concurrency", "must be positive, not 0"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " close-timeout = 400d }", "goldylox.caches.o.write-behind.close-timeout", "at most 365 days"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " close-timeout = forever }", "goldylox.caches.o.write-behind.close-timeout", "a duration"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " max-lag = 0 }", "goldylox.caches.o.write-behind.max-lag", "must be positive, not 0"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " on-max-lag = drop }", "goldylox.caches.o.write-behind.on-max-lag",
            "expected accept or reject, found 'drop'"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " retry.max-delay = 400d }", "goldylox.caches.o.write-behind.retry", "retry max-delay must be at most"),
        arguments("goldylox.caches.o.write-behind { writer = \"" + WRITER + "\", journal = \"/tmp/j\","
            + " sync-interval = 0ms }", "goldylox.caches.o.write-behind.sync-interval",
            "sync-interval must be positive, not PT0S"),
        arguments("goldylox.caches { a.disk { path = \"/tmp/same\", size = 1MiB },"
            + " b.disk { path = \"/tmp/same\", size = 2MiB } }", "goldylox.caches.b.disk.path",
            "also used by goldylox.caches.a.disk.path"),
        arguments("goldylox.caches.o.listeners = [ { class = \"" + AUDIT + "\" }, { class = \"" + AUDIT + "\" } ]",
            "goldylox.caches.o.listeners[1]", "declared twice"));
  }

  @ParameterizedTest
  @MethodSource
  void inconsistentSettings(String hocon, String keyPath, String reason) throws IOException {
    assertFails(hocon, keyPath, reason);
  }

  @Test
  void syntaxErrorNamesTheFileAndLine() throws IOException {
    Path file = Files.writeString(dir.resolve("broken.conf"), "goldylox {\n  caches {\n    orders { heap = \n");

    ConfigurationException e = load(file);

    assertThat(e.source()).isEqualTo(file.toUri());
    assertThat(e.keyPath()).isNull();
    assertThat(e).hasMessageContaining(file.toUri().toString()).hasMessageContaining("not valid HOCON");
  }

  @Test
  void unresolvedSubstitution() throws IOException {
    Path file = Files.writeString(dir.resolve("subst.conf"),
        "goldylox.caches.o.disk { path = ${no.such.property.goldylox}, size = 1MiB }\n");

    assertThat(load(file)).hasMessageContaining("unresolved substitution")
        .hasMessageContaining("no.such.property.goldylox");
  }

  @Test
  void aGoodFileLoads() throws IOException {
    // The control for the cases above: the same shapes, valid, load without error.
    Path file = Files.writeString(dir.resolve("good.conf"), "goldylox {\n"
        + "  default { off-heap.size = 1MiB, disk { path = \"" + dir.resolve("tiers") + "\", size = 2MiB } }\n"
        + "  caches {\n"
        + "    \"my.cache\" { heap.max-entries = 1 }\n"
        + "    o { listeners = [ { class = \"" + AUDIT + "\", filter = \"" + Fixtures.OnlyOrders.class.getName()
        + "\", synchronous = true } ], disk = null }\n"
        + "    w.write-behind { writer = \"" + WRITER + "\", journal = \"" + dir.resolve("j") + "\","
        + " durability = os, retry { max-attempts = 3 }, max-delay = 0s }\n"
        + "  }\n"
        + "}\n");

    GoldyloxFileConfig config = ConfigLoader.load(file.toUri(), getClass().getClassLoader());

    assertThat(config.cache("my.cache").orElseThrow().diskPath())
        .contains(dir.resolve("tiers").resolve("my.cache"));
    assertThat(config.cache("o").orElseThrow().diskPath()).isEmpty();
    assertThat(config.cache("o").orElseThrow().offHeapBytes()).hasValue(1L << 20);
    WriteBehindConfig w = config.cache("w").orElseThrow().writeBehind().orElseThrow();
    assertThat(w.durability()).isEqualTo(WriteBehindConfig.Durability.OS);
    assertThat(w.retry().maxAttempts()).isEqualTo(3);
    assertThat(w.retry().initialDelay()).isEqualTo(WriteBehindConfig.Retry.DEFAULT.initialDelay());
    assertThat(w.deadLetter()).isEqualTo(dir.resolve("j-dead-letter"));
  }

  /** A relative path is resolved against the working directory, and says so (new-user trial: data stranded). */
  @Test
  void aRelativePathIsResolvedAgainstTheWorkingDirectoryWithAWarning() throws IOException {
    Path file = Files.writeString(dir.resolve("relative.conf"),
        "goldylox.caches.o.disk { path = \"data/disk\", size = 1MiB }\n");
    try (io.goldylox.testing.LogCapture log = new io.goldylox.testing.LogCapture(ConfigSection.class)) {
      GoldyloxFileConfig config = ConfigLoader.load(file.toUri(), getClass().getClassLoader());
      Path expected = Path.of("data/disk").toAbsolutePath().normalize();
      assertThat(config.cache("o").orElseThrow().diskPath()).contains(expected);
      assertThat(log.records).singleElement().satisfies(record -> assertThat(record.getMessage())
          .contains(file.toUri().toString()).contains("goldylox.caches.o.disk.path = \"data/disk\" (line 1)")
          .contains("relative path, resolved against the working directory to "
              + Path.of("data/disk").toAbsolutePath().normalize()));
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private void assertFails(String hocon, String keyPath, String... reasonParts) throws IOException {
    Path file = Files.writeString(Files.createTempFile(dir, "case", ".conf"), hocon + "\n");
    URI uri = file.toUri();

    ConfigurationException e = load(file);

    assertThat(e.source()).isEqualTo(uri);
    assertThat(e.keyPath()).isEqualTo(keyPath);
    assertThat(e.getMessage()).startsWith("Goldylox configuration " + uri + ", key " + keyPath + ": ");
    for (String part : reasonParts) {
      assertThat(e.reason()).contains(part);
    }
  }

  private ConfigurationException load(Path file) {
    ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
        () -> ConfigLoader.load(file.toUri(), getClass().getClassLoader()));
    assertThat(e).as("loading %s must fail", file).isNotNull();
    return e;
  }
}

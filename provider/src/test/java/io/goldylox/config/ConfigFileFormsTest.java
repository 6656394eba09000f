package io.goldylox.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forms a configuration file may take: what each must accept and what it must refuse. */
class ConfigFileFormsTest {

  @TempDir
  Path dir;

  private GoldyloxFileConfig load(Path file) {
    return ConfigLoader.load(file.toUri(), getClass().getClassLoader());
  }

  /**
   * ConfigLoader's javadoc: "a name ending in .properties is read as properties". Every value there is a string,
   * so true/false and digit strings must be read as the boolean and the number.
   */
  @Test
  void aPropertiesFileCanSetABooleanAndANumber() throws Exception {
    Path file = Files.writeString(dir.resolve("goldylox.properties"),
        "goldylox.default.statistics=true\ngoldylox.caches.orders.heap.max-entries=100\n");
    GoldyloxFileConfig config = load(file);
    assertThat(config.cache("orders").orElseThrow().isStatisticsEnabled()).isTrue();
    assertThat(config.cache("orders").orElseThrow().heapMaxEntries()).hasValue(100);
  }

  /** Only there: in a HOCON file a quoted "true" stays a string, and the wrong type. */
  @Test
  void aHoconStringIsNotABoolean() throws Exception {
    Path quoted = Files.writeString(dir.resolve("q.conf"), "goldylox.default.statistics = \"true\"\n");
    assertThat(catchThrowable(() -> load(quoted))).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("expected true or false");
  }

  /**
   * Durations without a unit are refused (HOCON would read ms); a size without a unit was silently bytes:
   * "off-heap.size = 64" (meant: 64 MiB, as Ehcache's unit="MB") gave a 64-byte off-heap tier. It is refused,
   * naming the file, the key and the reason, in a HOCON file and in a .properties file alike.
   */
  @Test
  void aSizeWithoutAUnitIsRefusedLikeADurationWithoutOne() throws Exception {
    Path file = Files.writeString(dir.resolve("g.conf"), "goldylox.caches.o.off-heap.size = 64\n");
    assertThat(catchThrowable(() -> load(file))).as("off-heap.size = 64 (no unit)")
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(file.toUri().toString())
        .hasMessageContaining("goldylox.caches.o.off-heap.size")
        .hasMessageContaining("a size needs a unit: write 64MiB, 64GiB or 64B");

    Path properties = Files.writeString(dir.resolve("g.properties"),
        "goldylox.default.disk.path=" + dir.resolve("d").toString().replace("\\", "/") + "\n"
        + "goldylox.default.disk.size=1048576\n");
    assertThat(catchThrowable(() -> load(properties))).as("disk.size=1048576 (no unit)")
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("goldylox.default.disk.size")
        .hasMessageContaining("a size needs a unit: write 1048576MiB, 1048576GiB or 1048576B");
  }

  /** With a unit, bytes included, the same sizes load. */
  @Test
  void aSizeWithAUnitLoads() throws Exception {
    Path properties = Files.writeString(dir.resolve("g.properties"),
        "goldylox.default.disk.path=" + dir.resolve("d").toString().replace("\\", "/") + "\n"
        + "goldylox.default.disk.size=1048576B\n");
    assertThat(load(properties).defaults().diskBytes()).hasValue(1L << 20);
  }

  /**
   * A typo in an include's file name dropped every cache declared there, without a word: every include is
   * required, in each form, and the error names the loaded file and the one it could not include.
   */
  @Test
  void aMisspeltIncludeIsAnError() throws Exception {
    Files.writeString(dir.resolve("caches.conf"), "goldylox.caches.orders.heap.max-entries = 10\n");
    Path file = Files.writeString(dir.resolve("g.conf"), "include \"cahces.conf\"\n");
    assertThat(catchThrowable(() -> load(file))).as("include of a file that does not exist")
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(file.toUri().toString())
        .hasMessageContaining("cahces.conf");

    Path asFile = Files.writeString(dir.resolve("f.conf"),
        "include file(\"" + dir.resolve("cahces.conf").toString().replace("\\", "/") + "\")\n");
    assertThat(catchThrowable(() -> load(asFile))).as("include file(...) of a file that does not exist")
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("cahces.conf");

    Path asResource = Files.writeString(dir.resolve("r.conf"), "include classpath(\"no-such-goldylox.conf\")\n");
    assertThat(catchThrowable(() -> load(asResource))).as("include classpath(...) of no resource")
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("no-such-goldylox.conf");
  }

  /** An include that finds its file still works, by relative name and as file(...). */
  @Test
  void anIncludeThatFindsItsFileLoadsIt() throws Exception {
    Files.writeString(dir.resolve("caches.conf"), "goldylox.caches.orders.heap.max-entries = 10\n");
    Files.writeString(dir.resolve("more.conf"), "goldylox.caches.items.heap.max-entries = 20\n");
    Path file = Files.writeString(dir.resolve("g.conf"), "include \"caches.conf\"\ninclude file(\""
        + dir.resolve("more.conf").toString().replace("\\", "/") + "\")\n");
    GoldyloxFileConfig config = load(file);
    assertThat(config.cache("orders").orElseThrow().heapMaxEntries()).hasValue(10);
    assertThat(config.cache("items").orElseThrow().heapMaxEntries()).hasValue(20);
  }
}

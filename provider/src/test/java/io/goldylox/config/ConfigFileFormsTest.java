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
}

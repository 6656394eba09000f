package io.goldylox.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk directory a default disk root gives each cache name ({@link Defaults#diskPathFor}). */
class DiskDirectoryNameTest {

  @TempDir
  Path dir;

  /**
   * Defaults.diskPathFor: "so that distinct names get distinct directories". "a b" is escaped to "a_b-806c5cd3",
   * which is a legal cache name too; it used to count as plain and map to the same directory.
   */
  @Test
  void distinctCacheNamesGetDistinctDiskDirectories() {
    Defaults defaults = Defaults.builder().disk(dir, 1 << 20).build();
    String odd = "a b";
    String plain = Defaults.directoryName(odd);
    assertThat(plain).isEqualTo("a_b-806c5cd3");
    assertThat(defaults.diskPathFor(plain)).isNotEqualTo(defaults.diskPathFor(odd));
    // and what that name now gets looks escaped itself, so no plain name can take it either
    String again = Defaults.directoryName(plain);
    assertThat(again).matches("a_b-806c5cd3-[0-9a-f]{8}");
    assertThat(Defaults.directoryName(again)).isNotEqualTo(again);
  }

  /** Existing disk tiers do not move: every name that does not end in "-" and 8 hex digits keeps its directory. */
  @Test
  void anOrdinaryNameKeepsTheDirectoryItHadBefore() {
    Defaults defaults = Defaults.builder().disk(dir, 1 << 20).build();
    assertThat(defaults.diskPathFor("orders")).hasValue(dir.resolve("orders"));
    for (String name : new String[] {"orders", "Orders.v2", "user_sessions-2024", "cache-1", "a-b", "x-deadbee",
        "x-DEADBEEF", "x-deadbeef0", "region-cafebabe.tmp"}) {
      assertThat(Defaults.directoryName(name)).as(name).isEqualTo(name);
    }
    // escaped names keep the directory they had: the name with _ and its CRC-32, unpadded
    assertThat(Defaults.directoryName("a b")).isEqualTo("a_b-806c5cd3");
    assertThat(Defaults.directoryName("a/b")).isEqualTo("a_b-7f4401c");
    assertThat(Defaults.directoryName(".")).isEqualTo(".-ed4e242");
    assertThat(Defaults.directoryName("")).isEqualTo("-0");
  }
}

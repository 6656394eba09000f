package io.goldylox.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.config.ConfigLoader;
import io.goldylox.config.ConfigurationException;
import io.goldylox.serialization.other.Gadget;
import io.goldylox.testing.TestManagers;
import java.util.concurrent.atomic.AtomicInteger;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through a cache manager with the default serializer: what a disk tier holds after a restart is read
 * only into the cache's allowed classes (the configuration file's {@code serializer.allow} included); what the
 * heap holds is not checked.
 */
class OutsideBytesTest {

  /** Not a declared type of the cache: allowed only by name. */
  public static final class Allowed implements Serializable {
    private static final long serialVersionUID = 1L;
    public List<String> items = new ArrayList<>(List.of("a"));
  }

  @TempDir
  Path dir;

  private final List<CacheManager> managers = new ArrayList<>();

  @AfterEach
  void close() {
    managers.forEach(CacheManager::close);
  }

  private URI config(String allow) throws IOException {
    Path file = dir.resolve("goldylox-" + managers.size() + ".conf");
    Files.writeString(file, "goldylox {\n"
        + (allow == null ? "" : "  serializer.allow = [ \"" + allow + "\" ]\n")
        + "  caches.things {\n"
        + "    key-type = \"java.lang.String\", value-type = \"java.lang.Object\"\n"
        + "    disk { path = \"" + dir.resolve("disk").toString().replace("\\", "/") + "\", size = 1MiB }\n"
        + "  }\n}\n");
    return file.toUri();
  }

  private Cache<String, Object> things(URI config) {
    CacheManager manager = Caching.getCachingProvider(TestManagers.PROVIDER).getCacheManager(config,
        getClass().getClassLoader());
    managers.add(manager);
    return manager.getCache("things");
  }

  @Test
  void afterARestartOnlyAllowedClassesAreReadBack() throws IOException {
    Cache<String, Object> cache = things(config(Allowed.class.getName()));
    cache.put("allowed", new Allowed());
    cache.put("list", new ArrayList<>(List.of("x", "y")));
    cache.put("gadget", new Gadget());
    assertThat(cache.get("gadget")).as("in the heap: the process's own bytes").isInstanceOf(Gadget.class);
    managers.remove(0).close(); // spills the heap to the disk tier

    int before = Gadget.instantiations();
    Cache<String, Object> reopened = things(config(Allowed.class.getName()));
    assertThat(((Allowed) reopened.get("allowed")).items).containsExactly("a");
    assertThat(reopened.get("list")).isEqualTo(List.of("x", "y"));
    assertThat(reopened.get("gadget")).as("a refused class is a miss").isNull();
    assertThat(Gadget.instantiations()).as("and is never instantiated").isEqualTo(before);
    managers.remove(0).close();

    // Without the allow-list entry the other class is refused too.
    Cache<String, Object> strict = things(config(null));
    assertThat(strict.get("allowed")).isNull();
    assertThat(strict.get("list")).isEqualTo(List.of("x", "y"));
  }

  /** Written without Fory's reference tracking (nothing in it can be reached twice): allowed by name. */
  public record Reading(long at, String sensor, byte[] samples) implements Serializable {}

  /** Written without reference tracking too, never allowed; counts its constructions (Fory rebuilds a record so). */
  public record Stranger(long id) implements Serializable {
    static final AtomicInteger CONSTRUCTED = new AtomicInteger();

    public Stranger {
      CONSTRUCTED.incrementAndGet();
    }
  }

  @Test
  void valuesWrittenWithoutReferenceTrackingAreCheckedAfterARestartToo() throws IOException {
    Cache<String, Object> cache = things(config(Reading.class.getName()));
    cache.put("reading", new Reading(7, "s-1", new byte[] {1, 2, 3}));
    cache.put("stranger", new Stranger(9));
    managers.remove(0).close(); // spills the heap to the disk tier

    int before = Stranger.CONSTRUCTED.get();
    Cache<String, Object> reopened = things(config(Reading.class.getName()));
    Reading reading = (Reading) reopened.get("reading");
    assertThat(reading.at()).isEqualTo(7);
    assertThat(reading.sensor()).isEqualTo("s-1");
    assertThat(reading.samples()).containsExactly(1, 2, 3);
    assertThat(reopened.get("stranger")).as("a refused class is a miss").isNull();
    assertThat(Stranger.CONSTRUCTED.get()).as("and is never instantiated").isEqualTo(before);
  }

  @Test
  void theAllowListIsCheckedWhenTheFileIsRead() throws IOException {
    Path file = dir.resolve("bad.conf");
    Files.writeString(file, "goldylox.serializer.allow = [ \"com..example\" ]\n");
    assertThatThrownBy(() -> ConfigLoader.load(file.toUri(), getClass().getClassLoader()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("goldylox.serializer.allow[0]")
        .hasMessageContaining("com..example");
    Files.writeString(file, "goldylox.serializer.allow = [ \"com.example.**\", \"org.acme.Cart\" ]\n");
    assertThat(ConfigLoader.load(file.toUri(), getClass().getClassLoader()).serializerAllow())
        .containsExactly("com.example.**", "org.acme.Cart");
  }
}

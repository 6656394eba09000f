package io.goldylox.config;

import io.goldylox.tier.OnIncompatible;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading configuration files from every kind of URI a manager is given, and what the complete example means. */
class ConfigLoaderTest {

  private static final ClassLoader LOADER = ConfigLoaderTest.class.getClassLoader();

  @TempDir
  Path dir;

  @Test
  void completeExampleFromTheClasspath() {
    GoldyloxFileConfig file = ConfigLoader.load(URI.create("classpath:config/complete.conf"), LOADER);

    assertComplete(file);
  }

  @Test
  void classpathWithLeadingSlash() {
    assertComplete(ConfigLoader.load(URI.create("classpath:/config/complete.conf"), LOADER));
  }

  @Test
  void completeExampleFromAFileUri() throws IOException {
    Path copy = copyComplete(dir.resolve("goldylox.conf"));

    GoldyloxFileConfig file = ConfigLoader.load(copy.toUri(), LOADER);

    assertThat(file.source()).isEqualTo(copy.toUri());
    assertComplete(file);
  }

  @Test
  void fileUriWithIncludeRelativeToTheFile() throws IOException {
    Files.writeString(dir.resolve("base.conf"), "goldylox.default.statistics = true\n");
    Path main = Files.writeString(dir.resolve("main.conf"),
        "include \"base.conf\"\ngoldylox.caches.a { heap.max-entries = 5 }\n");

    GoldyloxFileConfig file = ConfigLoader.load(main.toUri(), LOADER);

    assertThat(file.defaults().statistics()).contains(true);
    assertThat(file.cache("a").orElseThrow().isStatisticsEnabled()).isTrue();
  }

  @Test
  void completeExampleFromInsideAJar() throws IOException {
    Path jar = jarWith(dir.resolve("app.jar"), "BOOT-INF/classes/goldylox.conf", completeText());
    URI uri = URI.create("jar:" + jar.toUri() + "!/BOOT-INF/classes/goldylox.conf");

    assertComplete(ConfigLoader.load(uri, LOADER));
  }

  @Test
  void classpathResolvesWithTheGivenClassLoader() throws IOException {
    Path jar = jarWith(dir.resolve("app.jar"), "only-here/goldylox.conf",
        "goldylox.caches.jarred { heap.max-entries = 7 }");
    URI uri = URI.create("classpath:only-here/goldylox.conf");

    assertThatThrownBy(() -> ConfigLoader.load(uri, LOADER))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(uri.toString())
        .hasMessageContaining("not found");
    try (URLClassLoader appLoader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, LOADER)) {
      GoldyloxFileConfig file = ConfigLoader.load(uri, appLoader);
      assertThat(file.cacheNames()).containsExactly("jarred");
      assertThat(file.cache("jarred").orElseThrow().heapMaxEntries()).hasValue(7);
    }
  }

  @Test
  void classesAreLoadedWithTheGivenClassLoader() throws IOException {
    Path conf = Files.writeString(dir.resolve("loader.conf"),
        "goldylox.caches.c.read-through.loader = \"" + Fixtures.OrderLoader.class.getName() + "\"\n");
    ClassLoader isolating = new IsolatingLoader(LOADER, Fixtures.OrderLoader.class.getName());

    GoldyloxConfiguration<?, ?> c = ConfigLoader.load(conf.toUri(), isolating).cache("c").orElseThrow();

    Object loader = c.getCacheLoaderFactory().create();
    assertThat(loader.getClass().getName()).isEqualTo(Fixtures.OrderLoader.class.getName());
    assertThat(loader.getClass().getClassLoader()).isSameAs(isolating);
  }

  /** Defines one class itself (from its parent's bytes) instead of delegating, so its classes are its own. */
  private static final class IsolatingLoader extends ClassLoader {
    private final String isolated;

    IsolatingLoader(ClassLoader parent, String isolated) {
      super(parent);
      this.isolated = isolated;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.equals(isolated)) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> loaded = findLoadedClass(name);
        if (loaded == null) {
          try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
            byte[] bytes = in.readAllBytes();
            loaded = defineClass(name, bytes, 0, bytes.length);
          } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
          }
        }
        return loaded;
      }
    }
  }

  @Test
  void bareResourcePathAndBareFilePath() throws IOException {
    assertComplete(ConfigLoader.load(URI.create("config/complete.conf"), LOADER));

    Path copy = copyComplete(dir.resolve("bare.conf"));
    assertComplete(ConfigLoader.load(URI.create(copy.toString()), LOADER));
  }

  @Test
  void urnMeansNoFileAndSpecDefaults() {
    GoldyloxFileConfig file = ConfigLoader.load(URI.create("urn:goldylox:default"), LOADER);

    assertThat(file.fromFile()).isFalse();
    assertThat(file.defaults()).isEqualTo(Defaults.NONE);
    assertThat(file.cacheNames()).isEmpty();
    assertThat(ConfigLoader.load(URI.create("urn:X"), LOADER).cacheNames()).isEmpty();
  }

  @Test
  void emptyFileMeansSpecDefaults() throws IOException {
    Path empty = Files.writeString(dir.resolve("empty.conf"), "# nothing\n");

    GoldyloxFileConfig file = ConfigLoader.load(empty.toUri(), LOADER);

    assertThat(file.fromFile()).isTrue();
    assertThat(file.defaults()).isEqualTo(Defaults.NONE);
    assertThat(file.cacheNames()).isEmpty();
  }

  @Test
  void missingFileNamesTheFile() {
    URI uri = dir.resolve("absent.conf").toUri();

    assertThatThrownBy(() -> ConfigLoader.load(uri, LOADER))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(uri.toString())
        .hasMessageContaining("file not found")
        .satisfies(e -> assertThat(((ConfigurationException) e).source()).isEqualTo(uri));
  }

  @Test
  void missingResourceAndMissingJarEntryNameTheUri() throws IOException {
    URI resource = URI.create("classpath:config/absent.conf");
    assertThatThrownBy(() -> ConfigLoader.load(resource, LOADER))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(resource.toString())
        .hasMessageContaining("not found");

    Path jar = jarWith(dir.resolve("app.jar"), "present.conf", "");
    URI entry = URI.create("jar:" + jar.toUri() + "!/absent.conf");
    assertThatThrownBy(() -> ConfigLoader.load(entry, LOADER))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(entry.toString())
        .hasMessageContaining("not found");

    URI bare = URI.create("no/such/goldylox.conf");
    assertThatThrownBy(() -> ConfigLoader.load(bare, LOADER))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("neither a resource");
  }

  @Test
  void schemeWithoutAHandlerIsAClearError() {
    // Spring Boot registers nested: itself; without its launcher the JVM has no handler.
    URI nested = URI.create("jar:nested:/app.jar/!BOOT-INF/classes/!/goldylox.conf");

    assertThatThrownBy(() -> ConfigLoader.load(nested, LOADER))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(nested.toString());
  }

  @Test
  void writeBehindCloseTimeoutAndMaxLag() throws IOException {
    Path conf = Files.writeString(dir.resolve("lag.conf"), "goldylox.caches {\n"
        + "  a.write-behind { writer = \"" + Fixtures.OrderWriter.class.getName() + "\", journal = \"/tmp/ja\","
        + " close-timeout = 30s, max-lag = 5000, on-max-lag = reject, concurrency = 4 }\n"
        + "  b.write-behind { writer = \"" + Fixtures.OrderWriter.class.getName() + "\", journal = \"/tmp/jb\","
        + " close-timeout = INFINITE }\n}\n");
    GoldyloxFileConfig file = ConfigLoader.load(conf.toUri(), LOADER);
    WriteBehindConfig a = file.cache("a").orElseThrow().writeBehind().orElseThrow();
    assertThat(a.closeTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(a.closeTimeoutBounded()).isTrue();
    assertThat(a.maxLag()).isEqualTo(5000);
    assertThat(a.onMaxLag()).isEqualTo(WriteBehindConfig.OnMaxLag.REJECT);
    assertThat(a.concurrency()).isEqualTo(4);
    WriteBehindConfig b = file.cache("b").orElseThrow().writeBehind().orElseThrow();
    assertThat(b.closeTimeoutBounded()).isFalse();
    assertThat(b.concurrency()).isEqualTo(1);
  }

  @Test
  void substitutionsSeeSystemProperties() throws IOException {
    Path conf = Files.writeString(dir.resolve("subst.conf"),
        "goldylox.caches.c.disk { path = ${java.io.tmpdir}\"/goldylox-c\", size = 1MiB }\n");

    GoldyloxConfiguration<?, ?> c = ConfigLoader.load(conf.toUri(), LOADER).cache("c").orElseThrow();

    assertThat(c.diskPath()).contains(Path.of(System.getProperty("java.io.tmpdir"), "goldylox-c")
        .toAbsolutePath().normalize());
  }

  // ---------------------------------------------------------------------------------------------------------

  private static void assertComplete(GoldyloxFileConfig file) {
    assertThat(file.defaults().storeByValue()).contains(true);
    assertThat(file.defaults().statistics()).contains(false);
    assertThat(file.defaults().management()).contains(false);
    assertThat(file.defaults().heapMaxEntries()).hasValue(10_000);
    assertThat(file.defaults().offHeapBytes()).isEmpty();
    assertThat(file.defaults().diskRoot()).isEmpty();
    assertThat(file.cacheNames()).containsExactly("orders", "customers", "sessions");

    GoldyloxConfiguration<?, ?> orders = file.cache("orders").orElseThrow();
    assertThat(orders.getKeyType()).isEqualTo(Long.class);
    assertThat(orders.getValueType()).isEqualTo(String.class);
    assertThat(orders.isStoreByValue()).isTrue();
    assertThat(orders.isStatisticsEnabled()).isFalse();
    assertThat(orders.heapMaxEntries()).hasValue(10_000);
    assertThat(orders.offHeapBytes()).hasValue(64L << 20);
    assertThat(orders.diskPath()).contains(Path.of("/var/cache/app/orders"));
    assertThat(orders.diskBytes()).hasValue(1L << 30);
    assertThat(orders.onIncompatible()).isEqualTo(OnIncompatible.FAIL);
    ExpiryPolicy expiry = orders.getExpiryPolicyFactory().create();
    assertThat(expiry.getExpiryForCreation()).isEqualTo(new javax.cache.expiry.Duration(TimeUnit.MINUTES, 10));
    assertThat(expiry.getExpiryForUpdate()).isEqualTo(new javax.cache.expiry.Duration(TimeUnit.MINUTES, 10));
    assertThat(expiry.getExpiryForAccess()).isNull();
    assertThat(orders.isReadThrough()).isTrue();
    CacheLoader<?, ?> loader = orders.getCacheLoaderFactory().create();
    assertThat(loader).isInstanceOf(Fixtures.OrderLoader.class);
    assertThat(orders.isWriteThrough()).isFalse();
    assertThat(orders.getCacheWriterFactory()).isNull();
    List<CacheEntryListenerConfiguration<?, ?>> listeners = listeners(orders);
    assertThat(listeners).hasSize(1);
    assertThat(listeners.get(0).isOldValueRequired()).isTrue();
    assertThat(listeners.get(0).isSynchronous()).isFalse();
    assertThat(listeners.get(0).getCacheEntryEventFilterFactory()).isNull();
    assertThat(listeners.get(0).getCacheEntryListenerFactory().create()).isInstanceOf(Fixtures.Audit.class);

    WriteBehindConfig writeBehind = orders.writeBehind().orElseThrow();
    assertThat(writeBehind.writerName()).isEqualTo(Fixtures.OrderWriter.class.getName());
    CacheWriter<?, ?> writer = writeBehind.writerFactory().create();
    assertThat(writer).isInstanceOf(Fixtures.OrderWriter.class);
    assertThat(writeBehind.journal()).isEqualTo(Path.of("/var/lib/app/orders-journal"));
    assertThat(writeBehind.batchSize()).isEqualTo(500);
    assertThat(writeBehind.maxDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(writeBehind.coalesce()).isTrue();
    assertThat(writeBehind.durability()).isEqualTo(WriteBehindConfig.Durability.PROCESS);
    assertThat(writeBehind.syncInterval()).isEqualTo(Duration.ofMillis(10));
    assertThat(writeBehind.retry())
        .isEqualTo(new WriteBehindConfig.Retry(Duration.ofMillis(100), Duration.ofSeconds(30), 10));
    assertThat(writeBehind.deadLetter()).isEqualTo(Path.of("/var/lib/app/orders-dead"));
    assertThat(writeBehind.closeTimeout()).isEqualTo(WriteBehindConfig.DEFAULT_CLOSE_TIMEOUT);
    assertThat(writeBehind.closeTimeoutBounded()).isFalse();
    assertThat(writeBehind.maxLag()).isEqualTo(1_000_000);
    assertThat(writeBehind.onMaxLag()).isEqualTo(WriteBehindConfig.OnMaxLag.ACCEPT);

    GoldyloxConfiguration<?, ?> customers = file.cache("customers").orElseThrow();
    assertThat(customers.getKeyType()).isEqualTo(String.class);
    assertThat(customers.isStoreByValue()).isFalse();
    assertThat(customers.isStatisticsEnabled()).isTrue();
    assertThat(customers.isManagementEnabled()).isTrue();
    assertThat(customers.heapMaxEntries()).hasValue(10_000); // inherited from default
    assertThat(customers.offHeapBytes()).isEmpty();
    assertThat(customers.diskPath()).isEmpty();
    assertThat(customers.onIncompatible()).isEqualTo(OnIncompatible.WIPE);
    assertThat(customers.getExpiryPolicyFactory().create()).isInstanceOf(Fixtures.OneHour.class);
    assertThat(customers.isReadThrough()).isTrue();
    @SuppressWarnings("unchecked")
    CacheLoader<String, String> customerLoader =
        (CacheLoader<String, String>) customers.getCacheLoaderFactory().create();
    assertThat(customerLoader.load("7")).isEqualTo("customer-7");
    assertThat(customers.writeBehind()).isEmpty();

    GoldyloxConfiguration<?, ?> sessions = file.cache("sessions").orElseThrow();
    assertThat(sessions.getKeyType()).isEqualTo(Object.class);
    assertThat(sessions.getValueType()).isEqualTo(Object.class);
    assertThat(sessions.heapMaxEntries()).isEmpty(); // heap.max-entries = null overrides the default block
    ExpiryPolicy touched = sessions.getExpiryPolicyFactory().create();
    assertThat(touched).isNotInstanceOf(AccessedExpiryPolicy.class);
    assertThat(touched.getExpiryForAccess()).isEqualTo(new javax.cache.expiry.Duration(TimeUnit.MINUTES, 30));
    assertThat(touched.getExpiryForUpdate()).isEqualTo(new javax.cache.expiry.Duration(TimeUnit.MINUTES, 30));
  }

  private static List<CacheEntryListenerConfiguration<?, ?>> listeners(GoldyloxConfiguration<?, ?> configuration) {
    List<CacheEntryListenerConfiguration<?, ?>> listeners = new java.util.ArrayList<>();
    configuration.getCacheEntryListenerConfigurations().forEach(listeners::add);
    return listeners;
  }

  static String completeText() throws IOException {
    try (InputStream in = LOADER.getResourceAsStream("config/complete.conf")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Path copyComplete(Path target) throws IOException {
    return Files.writeString(target, completeText());
  }

  static Path jarWith(Path jar, String entryName, String text) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
      jarOut.putNextEntry(new JarEntry(entryName));
      jarOut.write(text.getBytes(StandardCharsets.UTF_8));
      jarOut.closeEntry();
    }
    return jar;
  }
}

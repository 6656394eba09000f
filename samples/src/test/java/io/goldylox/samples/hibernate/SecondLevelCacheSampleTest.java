package io.goldylox.samples.hibernate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.hibernate.cache.CacheException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the Hibernate sample on an in-memory H2 database, with the Goldylox configuration in the forms users pass. */
class SecondLevelCacheSampleTest {

  @Test
  void theSecondLoadIsServedByGoldyloxNotTheDatabase() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SecondLevelCacheSample.Result result;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      result = SecondLevelCacheSample.run(out, SecondLevelCacheSample.CONFIG);
    }
    String printed = bytes.toString(StandardCharsets.UTF_8);

    // Hibernate resolved the resource name to its URL, and the Goldylox manager read that file.
    assertThat(result.cacheManagerUri().getScheme()).isIn("file", "jar");
    assertThat(result.cacheManagerUri().toString()).endsWith("/hibernate-goldylox.conf");
    assertThat(result.firstLoadStatements()).as("SQL of the cold load").isEqualTo(1);
    assertThat(result.secondLoadStatements()).as("SQL of the warm load").isZero();
    assertThat(result.secondLevelHits()).isGreaterThanOrEqualTo(1);
    assertThat(result.secondLevelMisses()).isEqualTo(1);
    assertThat(result.goldyloxEntries()).as("entries in the Goldylox region").isEqualTo(1);
    assertThat(result.goldyloxHits()).isGreaterThanOrEqualTo(1);
    assertThat(result.loaded()).isEqualTo("Product[1, Espresso cup, 7.50]");
    assertThat(printed)
        .contains("Load 2 (new session): Product[1, Espresso cup, 7.50], SQL statements: 0, second-level hits/misses: 1/1")
        .contains("Goldylox cache products: 1 entries [" + Product.class.getName() + "#1]");
  }

  @Test
  void aConfigurationInsideAJarIsReadThroughItsJarUrl(@TempDir Path directory) throws Exception {
    // What a packaged application passes: Hibernate hands the provider a jar: URL for a resource inside a jar.
    Path jar = directory.resolve("app.jar");
    try (InputStream config = getClass().getClassLoader().getResourceAsStream(SecondLevelCacheSample.CONFIG);
        JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry(SecondLevelCacheSample.CONFIG));
      config.transferTo(out);
      out.closeEntry();
    }
    String uri = "jar:" + jar.toUri() + "!/" + SecondLevelCacheSample.CONFIG;

    SecondLevelCacheSample.Result result =
        SecondLevelCacheSample.run(new PrintStream(OutputStream.nullOutputStream()), uri);

    assertThat(result.cacheManagerUri()).hasToString(uri);
    assertThat(result.secondLoadStatements()).isZero();
    assertThat(result.goldyloxEntries()).isEqualTo(1);
  }

  @Test
  void hibernateDoesNotResolveClasspathUris() {
    // Hibernate, not Goldylox, resolves hibernate.javax.cache.uri: a resource name or a URL the JVM can open.
    assertThatThrownBy(() -> SecondLevelCacheSample.run(new PrintStream(OutputStream.nullOutputStream()),
        "classpath:" + SecondLevelCacheSample.CONFIG))
        .rootCause()
        .isInstanceOf(CacheException.class)
        .hasMessage("Couldn't load URI from classpath:hibernate-goldylox.conf");
  }
}

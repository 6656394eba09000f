package io.goldylox.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code remote.redis} block: read from real files, inherited from the {@code default} block with a key prefix
 * per cache, every bad value named with its key, and the password never printed.
 */
class RemoteConfigTest {

  @TempDir
  Path dir;

  private GoldyloxFileConfig load(String hocon) throws Exception {
    Path file = Files.writeString(dir.resolve("app.conf"), hocon + "\n");
    return ConfigLoader.load(file.toUri(), getClass().getClassLoader());
  }

  private ConfigurationException fails(String hocon) throws Exception {
    Path file = Files.writeString(dir.resolve("bad.conf"), hocon + "\n");
    ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
        () -> ConfigLoader.load(file.toUri(), getClass().getClassLoader()));
    assertThat(e).as("loading must fail").isNotNull();
    return e;
  }

  @Test
  void aCacheReadsEverySetting() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "s3cret-pw\n");
    GoldyloxFileConfig config = load("goldylox.caches.orders.remote.redis {\n"
        + "  uri = \"redis://127.0.0.1:6390/2\", key-prefix = \"orders:\", timeout = 50ms, lock-wait = 300ms,\n"
        + "  lock-lease = 2s, on-failure = fail, user = app, password-file = \"" + secret + "\" }");

    RemoteConfig remote = config.cache("orders").orElseThrow().remote().orElseThrow();

    assertThat(remote.uri().toString()).isEqualTo("redis://127.0.0.1:6390/2");
    assertThat(remote.keyPrefixFor("orders")).isEqualTo("orders:");
    assertThat(remote.timeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(remote.lockWait()).isEqualTo(Duration.ofMillis(300));
    assertThat(remote.lockLease()).isEqualTo(Duration.ofSeconds(2));
    assertThat(remote.user()).isEqualTo("app");
    assertThat(remote.password()).isEqualTo("s3cret-pw");
    assertThat(remote.toString()).doesNotContain("s3cret-pw").contains("password=***");
    assertThat(config.cache("orders").orElseThrow().toString()).doesNotContain("s3cret-pw");
  }

  @Test
  void theDefaultBlockGivesEachCacheItsOwnPrefix() throws Exception {
    GoldyloxFileConfig config = load("goldylox {\n"
        + "  default.remote.redis { uri = \"redis://127.0.0.1:6390\", key-prefix = \"app:\" }\n"
        + "  caches { a {}, b { remote = null } }\n"
        + "}");

    assertThat(config.cache("a").orElseThrow().remote().orElseThrow().keyPrefixFor("a")).isEqualTo("app:a:");
    assertThat(config.cache("b").orElseThrow().remote()).isEmpty();
    GoldyloxConfiguration<Object, Object> runtime = GoldyloxConfiguration.merge(config.defaults(), "c",
        new MutableConfiguration<>());
    assertThat(runtime.remote().orElseThrow().keyPrefixFor("c")).isEqualTo("app:c:");
  }

  @Test
  void aPasswordInTheUriIsMasked() {
    RemoteConfig remote = RemoteConfig.builder("redis://app:s3cret-pw@127.0.0.1:6390/0").build();

    assertThat(remote.maskedUri()).isEqualTo("redis://app:***@127.0.0.1:6390/0");
    assertThat(remote.describe()).doesNotContain("s3cret-pw");
    assertThat(remote.toString()).doesNotContain("s3cret-pw");
    assertThatThrownBy(() -> RemoteConfig.builder("not a uri s3cret-pw"))
        .hasMessageNotContaining("s3cret-pw");
  }

  @Test
  void badValuesAreNamed() throws Exception {
    assertThat(fails("goldylox.caches.o.remote.redis { key-prefix = \"x\" }").keyPath())
        .isEqualTo("goldylox.caches.o.remote.redis.uri");
    assertThat(fails("goldylox.caches.o.remote.redis { uri = \"127.0.0.1:6379\" }").reason())
        .contains("redis://host:port");
    assertThat(fails("goldylox.caches.o.remote.redis { uri = \"redis://h:1\", timeout = 0s }").keyPath())
        .isEqualTo("goldylox.caches.o.remote.redis.timeout");
    assertThat(fails("goldylox.caches.o.remote.redis { uri = \"redis://h:1\", on-failure = retry }").reason())
        .contains("expected fail");
    ConfigurationException env = fails("goldylox.caches.o.remote.redis { uri = \"redis://h:1\","
        + " password-env = GOLDYLOX_TEST_NO_SUCH_VARIABLE }");
    assertThat(env.keyPath()).isEqualTo("goldylox.caches.o.remote.redis.password-env");
    assertThat(env.reason()).contains("GOLDYLOX_TEST_NO_SUCH_VARIABLE is not set");
    assertThat(fails("goldylox.caches.o.remote.redis { uri = \"redis://h:1\", password = a, password-file = b }")
        .reason()).contains("only one of password");
    assertThat(fails("goldylox.caches.o.remote.redis { uri = \"redis://h:1\", pasword = a }").keyPath())
        .isEqualTo("goldylox.caches.o.remote.redis.pasword");
    assertThat(fails("goldylox.caches.o.remote { uri = \"redis://h:1\" }").keyPath())
        .isEqualTo("goldylox.caches.o.remote.uri");
  }
}

package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import javax.cache.CacheException;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.Test;

class WriteBehindSettingsTest {

  private final Path journal = Path.of("/tmp/goldylox-test/orders-journal");

  @Test
  void defaultsAreThoseOfTheIssue() {
    WriteBehindSettings s = WriteBehindSettings.builder(journal).build();
    assertThat(s.batchSize()).isEqualTo(500);
    assertThat(s.maxDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(s.coalesce()).isTrue();
    assertThat(s.durability()).isEqualTo(WriteBehindSettings.Durability.PROCESS);
    assertThat(s.syncInterval()).isEqualTo(Duration.ofMillis(10));
    assertThat(s.retryInitialDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(s.retryMaxDelay()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.maxAttempts()).isEqualTo(10);
    assertThat(s.closeTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.deadLetter()).isEqualTo(Path.of("/tmp/goldylox-test/orders-journal-dead-letter"));
    assertThat(s.hasWriter()).isFalse();
    assertThat(s.toBuilder().batchSize(3).build().batchSize()).isEqualTo(3);
  }

  @Test
  void badSettingsAreNamed() {
    assertThatThrownBy(() -> WriteBehindSettings.builder(journal).batchSize(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch-size").hasMessageContaining("0");
    assertThatThrownBy(() -> WriteBehindSettings.builder(journal).maxDelay(Duration.ofMillis(-1)).build())
        .hasMessageContaining("write-behind.max-delay");
    assertThatThrownBy(() -> WriteBehindSettings.builder(journal).syncInterval(Duration.ZERO).build())
        .hasMessageContaining("write-behind.sync-interval must be positive");
    assertThatThrownBy(() -> WriteBehindSettings.builder(journal).retryInitialDelay(Duration.ofSeconds(2))
        .retryMaxDelay(Duration.ofSeconds(1)).build()).hasMessageContaining("retry.max-delay");
    assertThatThrownBy(() -> WriteBehindSettings.builder(journal).maxAttempts(0).build())
        .hasMessageContaining("max-attempts");
    assertThatThrownBy(() -> WriteBehindSettings.builder(journal).deadLetter(journal).build())
        .hasMessageContaining("dead-letter");
    assertThatThrownBy(() -> WriteBehindSettings.builder(null).build()).hasMessageContaining("journal is required");
    assertThatThrownBy(() -> WriteBehindSettings.builder(journal).writerClassName(" ").build())
        .hasMessageContaining("write-behind.writer");
  }

  @Test
  void writerIsCreatedFromItsClassName() {
    WriteBehindSettings s = WriteBehindSettings.builder(journal).writerClassName(NoopWriter.class.getName()).build();
    assertThat(s.<String, String>createWriter(getClass().getClassLoader())).isInstanceOf(NoopWriter.class);
    WriteBehindSettings wrong = WriteBehindSettings.builder(journal).writerClassName(String.class.getName()).build();
    assertThatThrownBy(() -> wrong.createWriter(getClass().getClassLoader()))
        .isInstanceOf(CacheException.class).hasMessageContaining("java.lang.String");
    WriteBehindSettings missing = WriteBehindSettings.builder(journal).writerClassName("com.example.Nope").build();
    assertThatThrownBy(() -> missing.createWriter(getClass().getClassLoader()))
        .isInstanceOf(CacheException.class).hasMessageContaining("com.example.Nope");
  }

  public static final class NoopWriter implements CacheWriter<Object, Object> {
    @Override
    public void write(javax.cache.Cache.Entry<?, ?> entry) {}

    @Override
    public void writeAll(java.util.Collection<javax.cache.Cache.Entry<?, ?>> entries) {}

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(java.util.Collection<?> keys) {}
  }
}

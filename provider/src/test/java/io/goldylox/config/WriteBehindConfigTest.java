package io.goldylox.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The defaults and the checks of {@link WriteBehindConfig.Builder}, the one description of the write-behind
 * settings (the file reader's cases are in {@link ConfigValidationTest}).
 */
class WriteBehindConfigTest {

  private final Path journal = Path.of("/tmp/goldylox-test/orders-journal");

  private WriteBehindConfig.Builder builder() {
    return WriteBehindConfig.builder().journal(journal).writer(Fixtures.OrderWriter.class);
  }

  @Test
  void defaultsAreThoseOfTheIssue() {
    WriteBehindConfig c = builder().build();
    assertThat(c.batchSize()).isEqualTo(500);
    assertThat(c.concurrency()).isEqualTo(1);
    assertThat(c.maxDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.coalesce()).isTrue();
    assertThat(c.durability()).isEqualTo(WriteBehindConfig.Durability.PROCESS);
    assertThat(c.syncInterval()).isEqualTo(Duration.ofMillis(10));
    assertThat(c.retry().initialDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.retry().maxDelay()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.retry().maxAttempts()).isEqualTo(200);
    assertThat(c.closeTimeout()).isEqualTo(WriteBehindConfig.UNBOUNDED_CLOSE);
    assertThat(c.closeTimeoutBounded()).isFalse();
    assertThat(c.maxLag()).isEqualTo(1_000_000);
    assertThat(c.onMaxLag()).isEqualTo(WriteBehindConfig.OnMaxLag.ACCEPT);
    assertThat(c.deadLetter()).isEqualTo(Path.of("/tmp/goldylox-test/orders-journal-dead-letter"));
    assertThat(c.writerName()).isEqualTo(Fixtures.OrderWriter.class.getName());
    assertThat(c.writerFactory().create()).isInstanceOf(Fixtures.OrderWriter.class);
    assertThat(c.toBuilder().batchSize(3).build().batchSize()).isEqualTo(3);
    assertThat(c.toBuilder().concurrency(4).build().concurrency()).isEqualTo(4);
    assertThat(c.toBuilder().concurrency(4).build()).isNotEqualTo(c);
    assertThat(c.toBuilder().build()).isEqualTo(c);
  }

  @Test
  void pathsAreAbsoluteAndNormalized() {
    WriteBehindConfig c = builder().journal(Path.of("a/../orders")).deadLetter(Path.of("./dead")).build();
    assertThat(c.journal()).isAbsolute().isEqualTo(Path.of("orders").toAbsolutePath());
    assertThat(c.deadLetter()).isAbsolute().isEqualTo(Path.of("dead").toAbsolutePath());
  }

  @Test
  void extremesWithinTheLimitsAreAccepted() {
    WriteBehindConfig c = builder().batchSize(WriteBehindConfig.MAX_BATCH_SIZE).maxDelay(Duration.ZERO)
        .concurrency(WriteBehindConfig.MAX_CONCURRENCY)
        .closeTimeout(Duration.ofDays(365)).retry(Duration.ofNanos(1), Duration.ofDays(365), 1).build();
    assertThat(c.batchSize()).isEqualTo(1_000_000);
    assertThat(c.concurrency()).isEqualTo(64);
    assertThat(c.maxDelay()).isZero();
    assertThat(c.retry().maxAttempts()).isEqualTo(1);
  }

  @Test
  void badSettingsAreNamedWithTheirValue() {
    assertThatThrownBy(() -> builder().concurrency(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("concurrency must be between 1 and 64, not 0");
    assertThatThrownBy(() -> builder().batchSize(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batch-size must be between 1 and 1000000, not 0");
    assertThatThrownBy(() -> builder().batchSize(1_000_001)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batch-size").hasMessageContaining("1000001");
    assertThatThrownBy(() -> builder().maxDelay(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max-delay must be zero or positive, not PT-0.001S");
    assertThatThrownBy(() -> builder().maxDelay(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max-delay is required, was null");
    assertThatThrownBy(() -> builder().maxDelay(Duration.ofDays(366))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max-delay must be at most 365 days, not PT8784H");
    assertThatThrownBy(() -> builder().syncInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sync-interval must be positive, not PT0S");
    assertThatThrownBy(() -> builder().syncInterval(Duration.ofDays(400)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sync-interval must be at most 365 days");
    assertThatThrownBy(() -> builder().closeTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("close-timeout must be zero or positive, not PT-1S");
    assertThatThrownBy(() -> builder().closeTimeout(Duration.ofDays(366)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("close-timeout must be at most 365 days");
    assertThatThrownBy(() -> builder().durability(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("durability");
  }

  @Test
  void badRetriesAreNamedWithTheirValue() {
    assertThatThrownBy(() -> builder().retry(Duration.ofSeconds(2), Duration.ofSeconds(1), 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retry max-delay (PT1S) is shorter than initial-delay (PT2S)");
    assertThatThrownBy(() -> builder().retry(Duration.ofSeconds(1), Duration.ofSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("retry max-attempts must be at least 1, not 0");
    assertThatThrownBy(() -> builder().retry(Duration.ZERO, Duration.ofSeconds(1), 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("retry initial-delay must be positive, not PT0S");
    assertThatThrownBy(() -> builder().retry(null, Duration.ofSeconds(1), 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("retry initial-delay is required, was null");
    assertThatThrownBy(() -> builder().retry(Duration.ofSeconds(1), Duration.ofDays(366), 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retry max-delay must be at most 365 days, not PT8784H");
  }

  @Test
  void missingOrCollidingPathsAndWritersAreNamed() {
    assertThatThrownBy(() -> WriteBehindConfig.builder().writer(Fixtures.OrderWriter.class).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("write-behind needs a journal path");
    assertThatThrownBy(() -> WriteBehindConfig.builder().journal(journal).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("write-behind needs a writer");
    assertThatThrownBy(() -> builder().journal(journal.getRoot()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("file system root");
    assertThatThrownBy(() -> builder().deadLetter(journal).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dead-letter").hasMessageContaining(journal.toString());
    assertThatThrownBy(() -> builder().writer(String.class)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.String is neither a javax.cache.integration.CacheWriter");
  }

  @Test
  void theRetryBudgetIsTheSumOfItsBackoffs() {
    // 100 ms doubling: 100 + 200 + ... + 25,600 (9 waits), then 190 waits of 30 s.
    assertThat(WriteBehindConfig.Retry.DEFAULT.budgetMillis()).isEqualTo(51_100L + 190 * 30_000L);
    assertThat(new WriteBehindConfig.Retry(Duration.ofMillis(10), Duration.ofMillis(10), 1).budgetMillis()).isZero();
    assertThat(new WriteBehindConfig.Retry(Duration.ofMillis(10), Duration.ofMillis(25), 4).budgetMillis())
        .isEqualTo(10 + 20 + 25);
    assertThat(new WriteBehindConfig.Retry(Duration.ofMillis(1), Duration.ofDays(1), Integer.MAX_VALUE)
        .budgetMillis()).as("closed form: no loop over two billion attempts").isPositive();
    assertThat(io.goldylox.internal.Durations.describe(WriteBehindConfig.Retry.DEFAULT.budgetMillis()))
        .isEqualTo("1h 35m");
    assertThat(io.goldylox.internal.Durations.describe(250)).isEqualTo("250ms");
    assertThat(io.goldylox.internal.Durations.describe(61_000)).isEqualTo("1m 1s");
    assertThat(io.goldylox.internal.Durations.describe(86_400_000L * 2 + 3_600_000L)).isEqualTo("2d 1h");
  }
}

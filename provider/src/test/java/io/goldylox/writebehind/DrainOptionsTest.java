package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The command line of {@link Drain}: what it accepts, and how a wrong one is named. */
class DrainOptionsTest {

  @Test
  void bothSpellingsOfAValueAreAccepted() {
    DrainOptions options = DrainOptions.parse("--config=app.conf", "--cache", "orders", "--serializer", "Fory",
        "--timeout", "90s", "--dead-letters=clear");
    assertThat(options.config).isEqualTo(Path.of("app.conf"));
    assertThat(options.cache).isEqualTo("orders");
    assertThat(options.serializer).isEqualTo("fory");
    assertThat(options.timeout).isEqualTo(Duration.ofSeconds(90));
    assertThat(options.timeoutText).isEqualTo("90s");
    assertThat(options.deadLetters).isEqualTo(DrainOptions.DeadLetters.CLEAR);
    assertThat(options.help).isFalse();
    assertThat(DrainOptions.parse("--config", "a", "--cache", "b").deadLetters)
        .isEqualTo(DrainOptions.DeadLetters.SUMMARY);
  }

  @Test
  void durationsTakeShortUnitsOrIso8601() {
    assertThat(DrainOptions.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DrainOptions.duration("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(DrainOptions.duration("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(DrainOptions.duration("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    assertThatThrownBy(() -> DrainOptions.duration("soon")).hasMessageContaining("--timeout 'soon'");
    assertThatThrownBy(() -> DrainOptions.duration("0s")).hasMessageContaining("must be positive");
  }

  @Test
  void aWrongCommandLineIsNamed() {
    assertThatThrownBy(() -> DrainOptions.parse("--config", "a", "--cache", "b", "--force"))
        .isInstanceOf(DrainException.class).hasMessage("unknown option '--force'");
    assertThatThrownBy(() -> DrainOptions.parse("--config", "a", "--cache")).hasMessage("--cache needs a value");
    assertThatThrownBy(() -> DrainOptions.parse("--config", "a", "--cache", "b", "--dead-letters", "show"))
        .hasMessageContaining("print or clear, not 'show'");
    assertThatThrownBy(() -> DrainOptions.parse("--config", "a", "--cache", "b", "--serializer", "kryo"))
        .hasMessageContaining("java or fory, not 'kryo'");
    assertThatThrownBy(() -> DrainOptions.parse("--cache", "b")).hasMessage("--config <file> is required");
    assertThatThrownBy(() -> DrainOptions.parse("orders")).hasMessage("unexpected argument 'orders'");
    assertThat(DrainOptions.parse("--help").help).isTrue();
  }
}

package io.goldylox.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The subtractions behind each row of the write-behind benchmark, with numbers worked out by hand. */
class FlusherRatesTest {

  private static final long MS = 1_000_000L;

  @Test
  void theShadowsTimeComesOffTheFlushersBusyWriterAndCpuTimes() {
    // 10,000 entries; the flusher was busy 300 ms, of which 100 ms were the shadow's calls (80 ms on a core), and
    // 250 ms inside writer calls (the shadow's 100 included); its thread had 260 ms of CPU (the shadow's 80
    // included). The floor took 100 ms back to back, the paced floor 125 ms inside its calls.
    FlusherRates rates = FlusherRates.of(10_000, 300 * MS, 250 * MS, 260 * MS, 100 * MS, 80 * MS, 100 * MS,
        125 * MS);

    assertThat(rates.busyNanos()).isEqualTo(200 * MS);
    assertThat(rates.flusherRate()).isCloseTo(50_000, within(1e-6));
    assertThat(rates.floorRate()).isCloseTo(100_000, within(1e-6));
    assertThat(rates.pacedRate()).isCloseTo(80_000, within(1e-6));
    assertThat(rates.ratio()).isCloseTo(0.5, within(1e-9));
    assertThat(rates.pacedRatio()).isCloseTo(0.625, within(1e-9));
    assertThat(rates.writerShare()).isCloseTo(0.75, within(1e-9));
    assertThat(rates.cpuShare()).isCloseTo(0.9, within(1e-9));
  }

  @Test
  void withoutAShadowOrAPacedFloorTheTimesAreTakenAsTheyAre() {
    FlusherRates rates = FlusherRates.of(5_000, 50 * MS, 40 * MS, 45 * MS, 0, 0, 40 * MS, -1);

    assertThat(rates.busyNanos()).isEqualTo(50 * MS);
    assertThat(rates.ratio()).isCloseTo(0.8, within(1e-9));
    assertThat(rates.pacedRate()).isNaN();
    assertThat(rates.writerShare()).isCloseTo(0.8, within(1e-9));
    assertThat(rates.cpuShare()).isCloseTo(0.9, within(1e-9));
  }

  @Test
  void aRowWithNothingToCompareIsAnErrorNotNaN() {
    assertThatThrownBy(() -> FlusherRates.of(0, 50 * MS, 40 * MS, 45 * MS, 0, 0, 40 * MS, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 entries");
    assertThatThrownBy(() -> FlusherRates.of(10, 50 * MS, 40 * MS, 45 * MS, 50 * MS, 0, 40 * MS, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("flusher busy 0 ns");
    assertThatThrownBy(() -> FlusherRates.of(10, 50 * MS, 40 * MS, 45 * MS, 0, 0, 0, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floor 0 ns");
  }
}

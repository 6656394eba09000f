package io.goldylox.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuickStartTest {

  @Test
  void runsAndReportsWhatItDid() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long hits;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      hits = QuickStart.run(out, 1_000);
    }
    String printed = bytes.toString(StandardCharsets.UTF_8);
    // 2,000 gets over 1,000 entries (1,000 hit), the invoke (a hit) and the read of orders[42] (a hit).
    assertThat(hits).isEqualTo(1_002);
    assertThat(printed)
        .contains("Provider: io.goldylox.spi.GoldyloxCachingProvider")
        .contains("orders[42] = order-42 (amended)")
        .contains("Statistics: gets=2,002 hits=1,002 misses=1,000 puts=1,001")
        .contains("Asynchronous listener saw 1,000 CREATED events");
  }
}

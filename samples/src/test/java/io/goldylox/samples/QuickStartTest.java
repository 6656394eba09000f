package io.goldylox.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.samples.writebehind.ChildJvm;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuickStartTest {

  private static final Pattern TIERS = Pattern.compile(
      "Tiers: heap ([0-9,]+) entries \\| off-heap ([0-9,]+) entries .* \\| disk ([0-9,]+) entries");
  private static final Pattern REMOVED = Pattern.compile("Removed (\\S+)");

  @TempDir
  Path scratch;

  @Test
  void loadsThreeTiersAndTheDatabaseCatchesUp() throws Exception {
    // 6,000 entries of ~200 bytes: a heap of 500 and 256 KiB off-heap cannot hold them, so all three tiers fill.
    ChildJvm.Result result = ChildJvm.run(scratch, QuickStart.class,
        "--entries", "6000", "--heap-entries", "500", "--off-heap-kib", "256");
    String printed = result.out();
    assertThat(result.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", printed, result.err()).isZero();

    assertThat(printed)
        .contains("Provider: io.goldylox.spi.GoldyloxCachingProvider")
        .contains("  loaded       600 / 6,000 entries")
        .contains("  loaded     6,000 / 6,000 entries")
        // 6,600 gets: the 6,000 written keys hit (whichever tier holds them), the 600 others miss.
        .contains("Read 6,600 keys (600 of them never written)")
        .contains("6,000 found, 0 wrong")
        .contains("Statistics: gets=6,600 hits=6,000 misses=600 puts=6,000 removals=0 evictions=0")
        .contains("6,000 in all;")
        .contains("Write-behind lag 0: 6,000 operations delivered")
        .contains("0 retries, 0 dead letters")
        .contains("H2 table orders: 6,000 rows; cache: 6,000 entries: they match")
        .contains("orders[3000] in H2 equals the cache's: " + QuickStart.describe(3_000));

    Matcher tiers = TIERS.matcher(printed);
    assertThat(tiers.find()).as(printed).isTrue();
    long heap = number(tiers.group(1));
    long offHeap = number(tiers.group(2));
    long disk = number(tiers.group(3));
    assertThat(heap + offHeap + disk).isEqualTo(6_000);
    assertThat(heap).isPositive().isLessThanOrEqualTo(500 + 250); // the bound plus its documented slack
    assertThat(offHeap).isPositive();
    assertThat(disk).isPositive();

    Matcher removed = REMOVED.matcher(printed);
    assertThat(removed.find()).isTrue();
    assertThat(Path.of(removed.group(1))).doesNotExist();
  }

  @Test
  void rejectsBadOptionsWithTheUsage() {
    assertThatThrownBy(() -> QuickStart.Options.parse("--entries"))
        .hasMessageContaining("--entries needs a number").hasMessageContaining("Usage: QuickStart");
    assertThatThrownBy(() -> QuickStart.Options.parse("--size", "3"))
        .hasMessageContaining("Unknown option --size");
    assertThatThrownBy(() -> QuickStart.Options.parse("--entries", "0"))
        .hasMessageContaining("--entries must be at least 1");
  }

  private static long number(String digits) {
    return Long.parseLong(digits.replace(",", ""));
  }
}

package io.goldylox.samples.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.samples.QuickStart;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBehindToDatabaseTest {

  private static final Pattern REPLAYED = Pattern.compile("Replayed ([0-9,]+) operations");

  @TempDir
  Path scratch;

  @Test
  void theTableCatchesUpWithTheCache() throws Exception {
    ChildJvm.Result run = ChildJvm.run(scratch, WriteBehindToDatabase.class, "--entries", "20000");
    assertThat(run.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", run.out(), run.err()).isZero();
    assertThat(run.out())
        .contains("Journal:  ").contains("(new)")
        .containsPattern("Put 20,000 orders in [0-9.]+ s: [0-9,]+ puts/s")
        .contains("journal lag 0: every operation is in the database (20,000 rows)")
        .contains("Table orders: 20,000 rows; cache: 20,000 entries: they match")
        .contains("20,000 operations delivered")
        .contains("0 retries, 0 dead letters")
        .contains("Removed ");
  }

  @Test
  void aCrashedRunLosesNoAcknowledgedPutAndTheNextRunReplaysThem() throws Exception {
    Path dir = scratch.resolve("wb");
    ChildJvm.Result crashed = ChildJvm.run(scratch, WriteBehindToDatabase.class,
        "--dir", dir.toString(), "--entries", "20000", "--crash", "7777");
    assertThat(crashed.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", crashed.out(), crashed.err())
        .isEqualTo(WriteBehindToDatabase.CRASH_EXIT_CODE);
    assertThat(crashed.out()).contains("CRASH: Runtime.halt(137) after 7,777 acknowledged puts")
        .doesNotContain("Table orders:");

    ChildJvm.Result recovered = ChildJvm.run(scratch, WriteBehindToDatabase.class,
        "--dir", dir.toString(), "--entries", "0");
    assertThat(recovered.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", recovered.out(), recovered.err())
        .isZero();
    assertThat(recovered.out())
        .contains("(found: recovering from the previous run)")
        .contains("After the replay: 7,777 rows; the crashed run acknowledged 7,777 puts, 7,777 of them are in"
            + " the table: none lost");
    Matcher replayed = REPLAYED.matcher(recovered.out());
    assertThat(replayed.find()).as(recovered.out()).isTrue();
    // The crash came right after the 7,777th put returned: 7,777 is not a multiple of the batch size (500), and
    // the flusher waits up to max-delay (100 ms) for a batch to fill, so the last 277 puts at least were still
    // unacknowledged and are replayed.
    assertThat(Long.parseLong(replayed.group(1).replace(",", ""))).isBetween(277L, 7_777L);

    Map<Long, String> expected = new TreeMap<>();
    for (long id = 0; id < 7_777; id++) {
      expected.put(id, QuickStart.describe(id));
    }
    Map<Long, String> rows = OrdersTable.h2File(dir, WriteBehindToDatabase.CACHE_NAME).contents();
    assertThat(rows).hasSize(7_777);
    assertThat(rows).isEqualTo(expected);
  }

  @Test
  void rejectsBadOptions() {
    assertThatThrownBy(() -> WriteBehindToDatabase.Options.parse("--crash"))
        .hasMessageContaining("--crash needs --dir");
    assertThatThrownBy(() -> WriteBehindToDatabase.Options.parse("--dir", "x", "--entries", "10", "--crash", "11"))
        .hasMessageContaining("--crash needs a number of puts between 1 and --entries (10), not 11");
    assertThatThrownBy(() -> WriteBehindToDatabase.Options.parse("--user", "sa"))
        .hasMessageContaining("--user and --password go with --jdbc-url");
    assertThatThrownBy(() -> WriteBehindToDatabase.Options.parse("--jdbc-url", "postgres://x"))
        .hasMessageContaining("Not a JDBC URL");
    assertThatThrownBy(() -> WriteBehindToDatabase.Options.parse("--entries"))
        .hasMessageContaining("--entries needs a value");
    assertThat(WriteBehindToDatabase.Options.parse("--dir", "x", "--crash").crashAfter()).isEqualTo(50_000);
  }
}

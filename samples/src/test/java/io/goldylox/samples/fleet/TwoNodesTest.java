package io.goldylox.samples.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.samples.writebehind.ChildJvm;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the two-node sample as a user does (node a in a JVM of its own, which starts node b in another and a real
 * {@code redis-server}): needs {@code redis-server} on the PATH, and fails saying so without it.
 */
class TwoNodesTest {

  private static final Pattern LAG = Pattern.compile("node b saw 101 ([0-9.]+) ms after this put began");
  private static final Pattern MORE = Pattern.compile("10 more changes .* median ([0-9.]+) ms, max ([0-9.]+) ms");

  @TempDir
  Path scratch;

  @Test
  void nodeBSeesNodeAsChangesThroughRedis() throws Exception {
    ChildJvm.Result result = ChildJvm.run(scratch, TwoNodes.class);
    String printed = result.out();
    assertThat(result.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", printed, result.err()).isZero();

    assertThat(printed)
        .contains("Started redis-server")
        .contains("[node a] put price = 100")
        .contains("    [node b] opened cache 'prices'")
        .contains("    [node b] told of a's put: 1 invalidation received and applied")
        .contains("    [node b] get price -> 100 in")
        .contains("(remote hit: not in this JVM yet, read from Redis in 1 round trip")
        .contains("(near hit: from b's own heap, no round trip)")
        .contains("[node a] put price = 101, while node b reads it in a loop")
        .contains("    [node b] get price -> 101: ")
        .contains("[node a] get price -> 111 (node a's own near copy, no round trip)")
        .contains("    [node b] 12 invalidations received")
        .contains("[node a] node b exited with code 0")
        .contains("Stopped redis-server and removed its directory. Done.");
    // b's remote hit comes before its near hit, and both before the change.
    assertThat(printed.indexOf("(remote hit:")).isLessThan(printed.indexOf("(near hit:"));
    assertThat(printed.indexOf("(near hit:")).isLessThan(printed.indexOf("put price = 101"));

    Matcher lag = LAG.matcher(printed);
    assertThat(lag.find()).as(printed).isTrue();
    assertThat(Double.parseDouble(lag.group(1))).as("lag of the first change, ms").isBetween(0.0, 10_000.0);
    Matcher more = MORE.matcher(printed);
    assertThat(more.find()).as(printed).isTrue();
    assertThat(Double.parseDouble(more.group(1))).as("median lag, ms").isBetween(0.0, 10_000.0);
  }

  @Test
  void rejectsBadOptionsWithTheUsage() {
    assertThatThrownBy(() -> TwoNodes.Options.parse("--node", "c"))
        .hasMessageContaining("--node must be a or b").hasMessageContaining("Usage: TwoNodes");
    assertThatThrownBy(() -> TwoNodes.Options.parse("--node", "b"))
        .hasMessageContaining("node b needs --redis");
    assertThatThrownBy(() -> TwoNodes.Options.parse("--nodes", "a"))
        .hasMessageContaining("Unknown option --nodes");
    assertThat(TwoNodes.Options.parse()).isEqualTo(new TwoNodes.Options("a", null));
  }
}

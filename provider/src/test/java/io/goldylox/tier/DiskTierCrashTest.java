package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.JavaSerializer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: a child JVM writes to a disk tier and reports each completed put or remove; it is killed
 * ({@code destroyForcibly}, SIGKILL) mid-stream, and the reopened tier must hold every reported write.
 */
class DiskTierCrashTest {

  @TempDir
  Path dir;

  @Test
  void everyWriteReportedBeforeAKillIsThereAfterReopening() throws Exception {
    for (int run = 0; run < 2; run++) { // the second run also recovers a log that already survived a crash
      Map<Integer, Long> lastPut = new HashMap<>();
      Map<Integer, Long> lastRemove = new HashMap<>();
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
          DiskTierCrashChild.class.getName(), dir.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      int target = 20_000 + run * 7_919;
      int lines = 0;
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          String[] parts = line.split(" ");
          if (parts.length != 3 || !(parts[0].equals("P") || parts[0].equals("R"))) {
            throw new AssertionError("child: " + line);
          }
          int key = Integer.parseInt(parts[1]);
          long seq = Long.parseLong(parts[2]);
          (parts[0].equals("P") ? lastPut : lastRemove).put(key, seq);
          if (++lines == target) {
            child.destroyForcibly(); // SIGKILL; this also closes our end of its output
            break;
          }
        }
      }
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(lines).as("the child was killed while writing").isGreaterThanOrEqualTo(target);

      try (DiskTier<Integer> tier = DiskTier.open(dir, 8 << 20, 256 << 10, new JavaSerializer(),
          getClass().getClassLoader(), Integer.class, byte[].class, OnIncompatible.FAIL)) {
        int checked = 0;
        for (int key = 0; key < DiskTierCrashChild.KEYS; key++) {
          long put = lastPut.getOrDefault(key, -1L);
          long removed = lastRemove.getOrDefault(key, -1L);
          StoredBytes read = tier.get(key);
          if (key < DiskTierCrashChild.PUT_ONLY) {
            // Only ever put: the reported put, or a later unreported one, must be there.
            assertThat(read).as("key %s (put at %s)", key, put).isNotNull();
            long seq = ByteBuffer.wrap(read.bytes()).getLong();
            assertThat(seq).as("key %s", key).isGreaterThanOrEqualTo(put);
            assertThat(read.bytes()).isEqualTo(DiskTierCrashChild.value(seq));
            checked++;
          } else if (read != null) {
            // Put and removed: an unreported remove may have taken it; if it is there, it is no older than the
            // last reported write (no lost put, no resurrection after a reported remove).
            long seq = ByteBuffer.wrap(read.bytes()).getLong();
            assertThat(read.bytes()).isEqualTo(DiskTierCrashChild.value(seq));
            assertThat(seq).as("key %s", key).isGreaterThanOrEqualTo(put);
            assertThat(seq).as("key %s resurrected", key).isGreaterThan(removed);
          }
        }
        assertThat(checked).isEqualTo(DiskTierCrashChild.PUT_ONLY);
      }
    }
  }
}

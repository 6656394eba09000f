package io.goldylox.writebehind;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.JavaSerializer;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import javax.cache.CacheException;

/**
 * The child JVM of {@link WriteBehindCrashTest}. Mode {@code stream}: opens the journal with an H2 writer (that
 * takes a given time per call, so that a backlog builds up) and makes puts (80%) and removes over a given number
 * of keys forever, printing {@code B <n> P|D key [value]} before each call, {@code A <n>} after it returned
 * (acknowledged), and {@code L <lag>} every 5,000 operations, until it is killed. Mode {@code flags}: tries to open a journal and prints
 * whether it was refused.
 */
public final class CrashChild {

  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 12),
        false, StandardCharsets.UTF_8);
    Path journal = Path.of(args[1]);
    if (args[0].equals("flags")) {
      try {
        WriteBehindJournal.open(TestConfigs.config(journal).build(), new H2Writer(args[2]), new JavaSerializer(),
            CrashChild.class.getClassLoader(), "flags", ChronicleJournal.DEFAULT_ROLL_CYCLE).close();
        out.println("OPENED");
      } catch (CacheException e) {
        out.println("REFUSED " + e.getMessage());
      }
      out.flush();
      return;
    }
    String url = args[2];
    long seed = Long.parseLong(args[3]);
    boolean coalesce = Boolean.parseBoolean(args[4]);
    long first = Long.parseLong(args[5]);
    int keys = Integer.parseInt(args[6]);
    long writerDelayMillis = Long.parseLong(args[7]);
    WriteBehindConfig settings = TestConfigs.config(journal).batchSize(200)
        .maxDelay(Duration.ofMillis(1)).coalesce(coalesce).build();
    H2Writer writer = new H2Writer(url);
    writer.delayMillis = writerDelayMillis;
    WriteBehindJournal<String, String> wb = WriteBehindJournal.open(settings, writer,
        new JavaSerializer(), CrashChild.class.getClassLoader(), "crash", ChronicleJournal.DEFAULT_ROLL_CYCLE);
    out.println("READY");
    out.flush();
    Random random = new Random(seed);
    for (long n = first; ; n++) {
      if ((n - first) % 5_000 == 0) {
        out.println("L " + wb.metrics().journalLag());
      }
      String key = "k" + random.nextInt(keys);
      boolean delete = random.nextInt(5) == 0;
      String value = "v" + n;
      // One flush per line: each line leaves in one write(2) of less than PIPE_BUF bytes, so a kill never tears it.
      out.println("B " + n + (delete ? " D " + key : " P " + key + " " + value));
      out.flush();
      if (delete) {
        wb.delete(key);
      } else {
        wb.put(key, value);
      }
      out.println("A " + n);
      out.flush();
    }
  }
}

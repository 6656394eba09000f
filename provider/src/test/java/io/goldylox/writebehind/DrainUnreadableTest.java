package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.ForySerializer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drain and a journal with one operation it cannot read back, after the first 16 it checks (found by a review:
 * the refusal a cache makes by default, on-incompatible = fail, refused Drain's whole journal too, and its
 * message pointed back to Drain). Drain delivers what it can read and dead-letters the rest.
 */
class DrainUnreadableTest {

  @TempDir
  Path dir;

  public static final class Recording implements CacheWriter<Object, Object> {
    static final Map<Object, Object> WRITTEN = new ConcurrentHashMap<>();

    @Override
    public void write(Cache.Entry<?, ?> e) {
      WRITTEN.put(e.getKey(), e.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<?, ?>> es) {
      es.forEach(this::write);
      es.clear();
    }

    @Override
    public void delete(Object k) {
      WRITTEN.remove(k);
    }

    @Override
    public void deleteAll(Collection<?> ks) {
      ks.forEach(WRITTEN::remove);
      ks.clear();
    }
  }

  /** A class the writing release had and Drain's class path has not (removed, or renamed, since). */
  private ClassLoader hiddenLoader() throws Exception {
    Path src = dir.resolve("src/hidden/Hidden.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, "package hidden; public class Hidden implements java.io.Serializable {"
        + " public String text = \"x\"; }");
    Path out = dir.resolve("classes");
    Files.createDirectories(out);
    assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", out.toString(), src.toString()))
        .isZero();
    return new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader());
  }

  @Test
  void drainDeliversWhatItCanReadWhenOneLaterOperationIsUnreadable() throws Exception {
    run("");
  }

  private void run(String extra) throws Exception {
    Recording.WRITTEN.clear();
    ClassLoader hidden = hiddenLoader();
    Path journal = dir.resolve("journal");
    WriteBehindConfig settings = TestConfigs.config(journal).maxDelay(Duration.ofMillis(5))
        .closeTimeout(Duration.ofMillis(300)).build();
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      values.put("k" + i, "v" + i);
    }
    values.put("old", hidden.loadClass("hidden.Hidden").getConstructor().newInstance());
    GuardedJournalTest.RecordingWriter stuck = new GuardedJournalTest.RecordingWriter(true);
    WriteBehindJournal<Object, Object> first = WriteBehindJournal.open(settings, stuck,
        new ForySerializer(hidden), hidden, "first", ChronicleJournal.DEFAULT_ROLL_CYCLE);
    first.put("warm", "up");
    Await.until(() -> first.metrics().batches() > 0, Duration.ofSeconds(10), first::toString);
    values.forEach(first::put);
    first.close();
    stuck.gate.countDown();

    Path conf = dir.resolve("app.conf");
    Files.writeString(conf, extra + "goldylox.caches.orders.write-behind {\n  writer = \""
        + Recording.class.getName() + "\"\n  journal = \"" + journal + "\"\n  max-delay = 5ms\n}\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Drain.run(new String[] {"--config", conf.toString(), "--cache", "orders"},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String report = "exit " + exit + "\nOUT:\n" + out.toString(StandardCharsets.UTF_8) + "\nERR:\n"
        + err.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(report).isZero();
    assertThat(Recording.WRITTEN).as(report).containsEntry("k19", "v19").hasSize(21); // warm, k0..k19
    assertThat(out.toString(StandardCharsets.UTF_8)).as(report).contains("1 moved to the dead-letter journal");

    // A dead letter this class path cannot read back is listed as such, and not deleted by --dead-letters clear.
    ByteArrayOutputStream listing = new ByteArrayOutputStream();
    ByteArrayOutputStream refusal = new ByteArrayOutputStream();
    int cleared = Drain.run(new String[] {"--config", conf.toString(), "--cache", "orders", "--dead-letters",
        "clear"}, new PrintStream(listing, true, StandardCharsets.UTF_8),
        new PrintStream(refusal, true, StandardCharsets.UTF_8));
    assertThat(cleared).isEqualTo(Drain.EXIT_ERROR);
    assertThat(listing.toString(StandardCharsets.UTF_8)).contains("put key=old value=(")
        .contains("bytes this class path cannot read back");
    assertThat(refusal.toString(StandardCharsets.UTF_8)).contains("1 of the dead letters in")
        .contains("nothing was deleted");
    assertThat(WriteBehindJournal.readDeadLetters(settings.deadLetter(), new ForySerializer(hidden), hidden))
        .singleElement().satisfies(letter -> assertThat(letter.key()).isEqualTo("old"));
  }
}

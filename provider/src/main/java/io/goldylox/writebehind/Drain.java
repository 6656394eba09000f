package io.goldylox.writebehind;

import io.goldylox.config.ConfigLoader;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.GoldyloxFileConfig;
import io.goldylox.config.WriteBehindConfig;
import io.goldylox.management.MBeanRegistrar;
import io.goldylox.serialization.Serializer;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.cache.CacheException;
import javax.cache.integration.CacheWriter;

/**
 * The command that delivers an orphaned write-behind journal: one that a node left behind and will never open
 * again (a replaced container, a scaled-down fleet).
 *
 * <pre>
 * java &lt;Chronicle flags&gt; -cp &lt;application class path&gt; io.goldylox.writebehind.Drain \
 *     --config app.conf --cache orders [--serializer java|fory] [--timeout 10m] [--dead-letters print|clear]
 * </pre>
 *
 * It owns the sequence of the drain: read the configuration file with {@link ConfigLoader} (its errors name the
 * file, the key and the reason), find the cache's {@code write-behind} block, look at the journal
 * ({@link JournalInspection}: refused when a live process holds its lock file; the serializer is checked on the
 * first pending operations by {@link DrainSerializer}), create the configured writer, open the journal with
 * {@link WriteBehindJournal#open} (which replays), wait until the lag is 0 while printing progress every second,
 * close ({@code --timeout} bounds the wait and the close), and look again: the exit status is 0 only when the journal is empty then. The dead letters are counted,
 * and printed or deleted on request ({@link DeadLetterReport}). Options: {@link DrainOptions}.
 *
 * <p>Progress goes to stdout, errors to stderr as one message each, without a stack trace. Delivery is what a
 * restarted node would do, so it is at-least-once: a drain that is killed or stopped by {@code --timeout} can be
 * run again. One thread (plus the journal's flusher).
 */
public final class Drain {

  /** The journal is empty. */
  static final int EXIT_OK = 0;
  /** Operations are left in the journal. */
  static final int EXIT_LEFT = 1;
  /** An error stopped the command; the message says which. */
  static final int EXIT_ERROR = 2;

  private static final long PROGRESS_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final DrainOptions options;
  private final PrintStream out;
  private final PrintStream err;
  private final ClassLoader loader = Drain.class.getClassLoader();

  private Drain(DrainOptions options, PrintStream out, PrintStream err) {
    this.options = options;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    System.out.flush();
    System.exit(status);
  }

  /** Runs the command and returns its exit status; {@link #main} exits with it. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      DrainOptions options = DrainOptions.parse(args);
      if (options.help) {
        out.print(DrainOptions.USAGE);
        out.flush();
        return EXIT_OK;
      }
      return new Drain(options, out, err).drain();
    } catch (DrainException e) {
      out.flush();
      err.println("error: " + e.getMessage());
      if (e.isUsage()) {
        err.println("Run with --help for the options.");
      }
      return e.exitCode();
    } catch (CacheException e) {
      // A configuration error, missing JVM flags, a writer that cannot be created, a journal that cannot be
      // opened: each message names what is wrong.
      out.flush();
      err.println("error: " + e.getMessage());
      return EXIT_ERROR;
    }
  }

  private int drain() {
    URI file = options.config.toAbsolutePath().normalize().toUri();
    WriteBehindConfig settings = writeBehindOf(ConfigLoader.load(file, loader), file);
    if (options.journal != null) { // a former journal of the cache: its own dead letters, beside it
      settings = settings.toBuilder().journal(options.journal)
          .deadLetter(Path.of(options.journal + "-dead-letter")).build();
    }
    String cache = options.cache;
    Path directory = settings.journal();
    String serializerName = DrainSerializer.name(options.serializer);
    Serializer serializer = DrainSerializer.create(options.serializer, loader);
    if (!Files.isDirectory(directory)) {
      throw new DrainException(EXIT_ERROR, "There is no write-behind journal " + directory + " (cache '" + cache
          + "' in " + file + "). Run the command where the node's journal directory is.");
    }

    long pending;
    String made;
    try (JournalInspection before = JournalInspection.open(directory)) {
      pending = before.operations();
      made = before.made();
      if (pending == 0) {
        out.println(cache + ": the journal " + directory + " is empty: nothing to deliver");
        if (!options.dryRun) {
          removeFiles(before);
        }
        deadLetters(settings, serializer, serializerName);
        return EXIT_OK;
      }
      String mismatch = DrainSerializer.mismatch(before.first(), serializer, loader);
      if (mismatch != null) {
        throw new DrainException(EXIT_ERROR, "The journal " + directory + " does not read back with the "
            + serializerName + " serializer: " + mismatch + ". Nothing was delivered. Pass --serializer java or"
            + " --serializer fory, whichever the cache used (its goldylox.serializer property), and put the key"
            + " and value classes on the class path as they were when the operations were made (a class changed"
            + " since cannot read them back: run the command with the application release that wrote them).");
      }
    }
    out.println(cache + ": " + pending + " operations to deliver from " + directory + " to "
        + settings.writerName() + " (serializer " + serializerName + "), " + made);
    out.flush();
    if (options.dryRun) {
      out.println(cache + ": --dry-run: nothing delivered. Delivering them overwrites what the writer's store"
          + " received for their keys since they were made.");
      deadLetters(settings, serializer, serializerName);
      return EXIT_LEFT;
    }

    WriteBehindMetrics metrics;
    Throwable failure;
    boolean timedOut;
    CacheWriter<Object, Object> writer = WriteBehindJournal.createWriter(settings);
    try {
      // Its job is to empty the journal: what cannot be read back goes to the dead letters (counted below), as
      // on-incompatible = wipe does, instead of refusing the whole journal for it.
      WriteBehindJournal<Object, Object> journal = WriteBehindJournal.open(boundedClose(settings), writer,
          serializer, serializer, loader, MBeanRegistrar.sanitize(cache), ChronicleJournal.DEFAULT_ROLL_CYCLE,
          io.goldylox.tier.OnIncompatible.WIPE);
      try {
        metrics = journal.metrics();
        timedOut = !awaitDelivered(journal);
        failure = journal.flusherFailure();
      } finally {
        journal.close();
      }
    } finally {
      closeWriter(writer);
    }

    long left;
    try (JournalInspection after = JournalInspection.open(directory)) {
      left = after.operations();
      out.println(cache + ": " + metrics.delivered() + " operations delivered as " + metrics.writerEntries()
          + " entries in " + metrics.writerCalls() + " writer calls, " + metrics.deadLetters()
          + " moved to the dead-letter journal");
      if (left == 0) {
        out.println(cache + ": the journal " + directory + " is empty");
        removeFiles(after);
      }
      deadLetters(settings, serializer, serializerName);
    }
    if (left == 0) {
      return EXIT_OK;
    }
    String reason = failure != null ? "the flusher stopped: " + failure
        : timedOut && options.timeout != null ? "--timeout " + options.timeoutText + " ran out"
        : timedOut ? "interrupted"
        : "the journal's checkpoint did not reach its end; see the log above";
    throw new DrainException(EXIT_LEFT, left + " operations are left in the journal " + directory + " (" + reason
        + "). Run the command again to deliver them.");
  }

  /**
   * Deletes the files of a journal found empty (its cycle files, their table and its checkpoint), so that a disk
   * tier that remembers it as a former journal of its cache stops warning about it, and an operator sees at a
   * glance that nothing is left. Done under the journal's lock, which the inspection holds: no node can append in
   * between. A file that cannot be deleted is only reported.
   */
  private void removeFiles(JournalInspection empty) {
    List<Path> kept = empty.closeAndRemoveFiles();
    if (kept.isEmpty()) {
      out.println(options.cache + ": removed the empty journal's files");
    } else {
      err.println("warning: cannot remove these files of the empty journal: " + kept);
    }
  }

  /**
   * The settings the journal is opened with: the file's, except that {@code --timeout} also bounds
   * {@code close()}, whose {@code close-timeout} may be infinite. Without it they are the file's as they are.
   */
  private WriteBehindConfig boundedClose(WriteBehindConfig settings) {
    if (options.timeout == null || options.timeout.compareTo(settings.closeTimeout()) >= 0) {
      return settings;
    }
    return settings.toBuilder().closeTimeout(options.timeout).build();
  }

  /** The cache's write-behind block, or an error naming the cache, the file and the caches that have one. */
  private WriteBehindConfig writeBehindOf(GoldyloxFileConfig config, URI file) {
    List<String> withWriteBehind = new ArrayList<>();
    for (Map.Entry<String, GoldyloxConfiguration<?, ?>> entry : config.caches().entrySet()) {
      if (entry.getValue().writeBehind().isPresent()) {
        withWriteBehind.add(entry.getKey());
      }
    }
    String those = withWriteBehind.isEmpty() ? "no cache in it has one"
        : "caches with write-behind there: " + String.join(", ", withWriteBehind);
    GoldyloxConfiguration<?, ?> cache = config.cache(options.cache).orElseThrow(() -> new DrainException(EXIT_ERROR,
        "There is no cache '" + options.cache + "' in " + file + " (goldylox.caches." + options.cache + "); "
            + those));
    return cache.writeBehind().orElseThrow(() -> new DrainException(EXIT_ERROR, "The cache '" + options.cache
        + "' in " + file + " has no write-behind block (goldylox.caches." + options.cache + ".write-behind); "
        + those));
  }

  /**
   * Waits until the lag is 0, printing it every second. Returns false if {@code --timeout} ran out first; also
   * returns when the flusher stopped.
   */
  private boolean awaitDelivered(WriteBehindJournal<?, ?> journal) {
    WriteBehindMetrics metrics = journal.metrics();
    long start = System.nanoTime();
    long nextReport = start + PROGRESS_NANOS;
    while (metrics.journalLag() > 0 && journal.flusherFailure() == null) {
      long now = System.nanoTime();
      if (options.timeout != null && now - start - options.timeout.toNanos() >= 0) {
        progress(metrics);
        return false;
      }
      if (now - nextReport >= 0) {
        progress(metrics);
        nextReport += PROGRESS_NANOS;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    progress(metrics);
    return true;
  }

  private void progress(WriteBehindMetrics metrics) {
    out.println(options.cache + ": lag " + metrics.journalLag() + ", delivered " + metrics.delivered() + " ("
        + Math.round(metrics.deliveryRate()) + "/s), retries " + metrics.retries() + ", dead letters "
        + metrics.deadLetters());
    out.flush();
  }

  /** Counts the dead letters, and prints or deletes them as asked. The caller holds the journal's lock. */
  private void deadLetters(WriteBehindConfig settings, Serializer serializer, String serializerName) {
    Path directory = settings.deadLetter();
    List<DeadLetter<Object, Object>> letters = DeadLetterReport.read(directory, serializer, serializerName, loader);
    if (letters.isEmpty()) {
      out.println(options.cache + ": the dead-letter journal " + directory + " is empty");
      out.flush();
      return;
    }
    out.println(options.cache + ": the dead-letter journal " + directory + " holds " + letters.size()
        + " operations" + (options.deadLetters == DrainOptions.DeadLetters.SUMMARY
            ? " (--dead-letters print lists them)" : ":"));
    if (options.deadLetters != DrainOptions.DeadLetters.SUMMARY) {
      DeadLetterReport.print(letters, out);
    }
    long unreadable = letters.stream().filter(letter -> letter.key() instanceof DeadLetterJournal.Unreadable
        || letter.value() instanceof DeadLetterJournal.Unreadable).count();
    if (options.deadLetters == DrainOptions.DeadLetters.CLEAR && !options.dryRun && unreadable > 0) {
      throw new DrainException(EXIT_ERROR, unreadable + " of the dead letters in " + directory + " cannot be read"
          + " back with this class path (their classes are gone or changed), so what they hold cannot be listed;"
          + " nothing was deleted. List and clear them with the release that wrote them.");
    }
    if (options.deadLetters == DrainOptions.DeadLetters.CLEAR && !options.dryRun) {
      DeadLetterReport.clear(directory);
      out.println(options.cache + ": deleted " + letters.size() + " dead letters from " + directory);
    }
    out.flush();
  }

  private void closeWriter(Object writer) {
    if (writer instanceof AutoCloseable) {
      try {
        ((AutoCloseable) writer).close();
      } catch (Exception e) {
        out.flush();
        err.println("warning: closing the writer " + writer.getClass().getName() + " failed: " + e);
      }
    }
  }
}

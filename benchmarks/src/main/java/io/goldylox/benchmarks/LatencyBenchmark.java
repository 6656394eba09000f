package io.goldylox.benchmarks;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.WriteBehindConfig;
import io.goldylox.writebehind.WriteBehindMetrics;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.integration.CacheWriter;
import org.HdrHistogram.Histogram;

/**
 * Latency percentiles (HdrHistogram, every call timed with {@link System#nanoTime()}), outside JMH because JMH's
 * sample mode cannot put a slow writer or listener beside the measured calls. Scenarios, each for every
 * provider that applies:
 * <ol>
 *   <li>{@code put}: a plain put, no writer;</li>
 *   <li>{@code put write-through 5ms}: a put whose write-through {@link CacheWriter} sleeps 5 ms per call (the
 *   contrast for write-behind);</li>
 *   <li>{@code put write-behind 5ms}: Goldylox (and {@code goldylox-java}) with write-behind through a Chronicle
 *   Queue journal in a temporary directory to the same writer, whose {@code writeAll} sleeps 5 ms per call; the
 *   note gives what the flusher delivered meanwhile (operations the writer acknowledged per second, writer calls,
 *   the journal lag left at the end). Needs the JVM flags of Chronicle Queue ({@link ChildJvm} passes them;
 *   peers offer no write-behind through the JCache API);</li>
 *   <li>{@code get, slow async listener}: gets on one thread while another thread puts (about 15k/s) into a cache
 *   whose asynchronous created/updated listener takes 1 ms per event; the putting thread's latency is
 *   reported too, since that is where a provider that makes callers wait on its listener queue shows it;</li>
 *   <li>{@code get, N threads}: gets on {@value #MANY_THREADS} threads at once.</li>
 * </ol>
 * Closed-loop measurement: a stalled call delays the next one, so the tail is understated (coordinated omission),
 * equally for every provider. Run on its own with {@code java -cp benchmarks.jar
 * io.goldylox.benchmarks.LatencyBenchmark [--smoke]}, or from {@link Suite} with {@code --all}.
 */
public final class LatencyBenchmark {

  static final int MANY_THREADS = 256;
  private static final long WRITER_SLEEP_MILLIS = 5;
  private static final long LISTENER_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final boolean smoke;
  private final Long[] keys;
  private final Payload[] values;
  private final int[] stream = KeyStream.indices("zipf");
  private final List<String> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  LatencyBenchmark(boolean smoke) {
    this.smoke = smoke;
    keys = new Long[KeyStream.KEYS];
    values = new Payload[KeyStream.KEYS];
    for (int i = 0; i < KeyStream.KEYS; i++) {
      keys[i] = (long) i;
      values[i] = new Payload(i);
    }
  }

  private static final List<String> SCENARIOS =
      List.of("plain", "write-behind", "write-through", "listener", "threads");

  public static void main(String[] args) throws Exception {
    boolean smoke = List.of(args).contains("--smoke");
    String markdown = new LatencyBenchmark(smoke).run();
    System.out.println(markdown);
    Path out = ChildJvm.markdownFile(args, smoke, "latency.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, markdown);
    System.out.println("Wrote " + out.toAbsolutePath());
  }

  /** Runs every scenario and returns the Markdown section. */
  String run() throws Exception {
    // -Dbench.scenarios=plain,write-behind,write-through,listener,threads runs only those (the suite runs all).
    String only = System.getProperty("bench.scenarios");
    List<String> scenarios = only == null ? SCENARIOS : List.of(only.split(","));
    if (!SCENARIOS.containsAll(scenarios)) {
      throw new IllegalArgumentException("bench.scenarios=" + only + ": expected some of " + SCENARIOS);
    }
    if (scenarios.contains("plain")) {
      for (String provider : Providers.ALL) {
        plainPut(provider);
      }
    }
    if (scenarios.contains("write-behind")) {
      for (String provider : List.of("goldylox", Providers.GOLDYLOX_JAVA)) {
        writeBehindPut(provider);
      }
    }
    if (scenarios.contains("write-through")) {
      for (String provider : Providers.JCACHE) {
        writeThroughPut(provider);
      }
    }
    if (scenarios.contains("write-behind") || scenarios.contains("write-through")) {
      notes.add("The writer of `put write-through 5ms` and `put write-behind 5ms` sleeps 5 ms per call: per "
          + "`write`, and once per `writeAll`/`deleteAll` batch. Write-behind coalesces a batch's operations per key "
          + "(zipf keys repeat), so delivered operations can be fewer than puts.");
    }
    if (scenarios.contains("listener")) {
      for (String provider : Providers.JCACHE) {
        getWithSlowListener(provider);
      }
    }
    if (scenarios.contains("threads")) {
      for (String provider : Providers.ALL) {
        manyThreadGets(provider);
      }
    }
    StringBuilder md = new StringBuilder();
    md.append("## Latency (µs, HdrHistogram, closed loop, by reference, zipf keys)\n\n");
    md.append("| scenario | provider | calls | p50 | p99 | p99.9 | max | note |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    rows.forEach(row -> md.append(row).append('\n'));
    md.append('\n');
    notes.forEach(note -> md.append("- ").append(note).append('\n'));
    return md.toString();
  }

  private int scaled(int full) {
    return smoke ? Math.max(1, full / 50) : full;
  }

  private BenchCache openFilled(String provider, MutableConfiguration<Long, Payload> configuration) {
    BenchCache cache = Providers.open(provider, "latency", configuration);
    for (int i = 0; i < KeyStream.KEYS; i++) {
      cache.put(keys[i], values[i]);
    }
    return cache;
  }

  private void plainPut(String provider) {
    try (BenchCache cache = openFilled(provider, Providers.plain(false))) {
      int warmup = scaled(500_000);
      int calls = scaled(1_000_000);
      int position = 0;
      for (int i = 0; i < warmup; i++) {
        int index = stream[position++ & KeyStream.MASK];
        cache.put(keys[index], values[index].next());
      }
      Histogram histogram = new Histogram(3);
      for (int i = 0; i < calls; i++) {
        int index = stream[position++ & KeyStream.MASK];
        long start = System.nanoTime();
        cache.put(keys[index], values[index].next());
        histogram.recordValue(System.nanoTime() - start);
      }
      row("put", provider, histogram, "");
    }
  }

  private void writeBehindPut(String provider) throws IOException, InterruptedException {
    Path directory = Files.createTempDirectory("goldylox-bench-write-behind");
    try {
      WriteBehindConfig writeBehind = WriteBehindConfig.builder()
          .writer(SleepingWriter.class)
          .journal(directory.resolve("journal"))
          .closeTimeout(Duration.ofSeconds(2))
          .build();
      GoldyloxConfiguration<Long, Payload> configuration = GoldyloxConfiguration.builder(Long.class, Payload.class)
          .storeByValue(false)
          .writeBehind(writeBehind)
          .build();
      SleepingWriter.sleeping = false;
      BenchCache cache = openFilled(provider, configuration);
      try {
        WriteBehindMetrics metrics = ((JCacheBenchCache) cache).cache().unwrap(GoldyloxCache.class)
            .writeBehind().metrics();
        // Let the fill's operations reach the (not yet sleeping) writer first, so the backlog measured is the
        // run's own (this harness thread may wait; no cache call does).
        long fillDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (metrics.journalLag() > 0 && System.nanoTime() < fillDeadline) {
          Thread.sleep(10);
        }
        if (metrics.journalLag() > 0) {
          notes.add(provider + " write-behind: " + metrics.journalLag() + " operations of the fill were still in the "
              + "journal after 60 s");
        }
        SleepingWriter.sleeping = true;
        int warmup = scaled(500_000);
        int calls = scaled(1_000_000);
        int position = 0;
        for (int i = 0; i < warmup; i++) {
          int index = stream[position++ & KeyStream.MASK];
          cache.put(keys[index], values[index].next());
        }
        long deliveredBefore = metrics.delivered();
        long callsBefore = metrics.writerCalls();
        long appendedBefore = metrics.appended();
        Histogram histogram = new Histogram(3);
        long started = System.nanoTime();
        for (int i = 0; i < calls; i++) {
          int index = stream[position++ & KeyStream.MASK];
          long start = System.nanoTime();
          cache.put(keys[index], values[index].next());
          histogram.recordValue(System.nanoTime() - start);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long delivered = metrics.delivered() - deliveredBefore;
        long writerCalls = metrics.writerCalls() - callsBefore;
        long appended = metrics.appended() - appendedBefore;
        String note = String.format(Locale.ROOT, "%,d puts appended in %.2f s; flusher delivered %,d ops (%,.0f ops/s)"
            + " in %,d writer calls; journal lag at the end %,d", appended, seconds, delivered, delivered / seconds,
            writerCalls, metrics.journalLag());
        row("put write-behind 5ms", provider, histogram, note);
      } finally {
        // Let the flusher drain quickly: close() delivers for at most close-timeout, the rest stays in the journal.
        SleepingWriter.sleeping = false;
        cache.close();
      }
    } finally {
      deleteRecursively(directory);
    }
  }

  static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private void writeThroughPut(String provider) {
    MutableConfiguration<Long, Payload> configuration = Providers.plain(false)
        .setCacheWriterFactory(FactoryBuilder.factoryOf(SleepingWriter.class))
        .setWriteThrough(true);
    try (BenchCache cache = openFilledWithoutWriter(provider, configuration)) {
      int calls = scaled(200);
      long writesBefore = SleepingWriter.WRITES.sum();
      Histogram histogram = new Histogram(3);
      for (int i = 0; i < calls; i++) {
        int index = stream[i & KeyStream.MASK];
        long start = System.nanoTime();
        cache.put(keys[index], values[index].next());
        histogram.recordValue(System.nanoTime() - start);
      }
      long writes = SleepingWriter.WRITES.sum() - writesBefore;
      String note = writes == calls ? "writer called per put" : "WRITER CALLED " + writes + " TIMES FOR " + calls + " PUTS";
      row("put write-through 5ms", provider, histogram, note);
    }
  }

  /** Fills through a writer that does not sleep (the fill is not measured), then makes the writer slow. */
  private BenchCache openFilledWithoutWriter(String provider, MutableConfiguration<Long, Payload> configuration) {
    SleepingWriter.sleeping = false;
    BenchCache cache = openFilled(provider, configuration);
    SleepingWriter.sleeping = true;
    return cache;
  }

  private void getWithSlowListener(String provider) throws InterruptedException {
    MutableConfiguration<Long, Payload> configuration = Providers.plain(false);
    configuration.addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
        FactoryBuilder.factoryOf(SlowListener.class), null, false, false));
    SlowListener.delayNanos = 0;
    long eventsAtOpen = SlowListener.EVENTS.sum();
    BenchCache cache = openFilled(provider, configuration);
    // Let the fill's created events reach the listener first (this harness thread may wait; no cache call does).
    long fillDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (SlowListener.EVENTS.sum() - eventsAtOpen < KeyStream.KEYS && System.nanoTime() < fillDeadline) {
      Thread.sleep(10);
    }
    long fillEvents = SlowListener.EVENTS.sum() - eventsAtOpen;
    if (fillEvents != KeyStream.KEYS) {
      notes.add(provider + ": the listener received " + fillEvents + " of " + KeyStream.KEYS
          + " created events of the fill within 30 s");
    }
    long eventsBefore = SlowListener.EVENTS.sum();
    SlowListener.delayNanos = LISTENER_DELAY_NANOS;
    AtomicBoolean stop = new AtomicBoolean();
    Histogram putHistogram = new Histogram(3);
    long[] puts = new long[1];
    Thread mutator = new Thread(() -> {
      int position = 12345;
      while (!stop.get()) {
        int index = stream[position++ & KeyStream.MASK];
        long start = System.nanoTime();
        cache.put(keys[index], values[index].next());
        putHistogram.recordValue(System.nanoTime() - start);
        puts[0]++;
        LockSupport.parkNanos(50_000);
      }
    }, "latency-mutator");
    Histogram getHistogram = new Histogram(3);
    try {
      mutator.start();
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(smoke ? 200 : 3_000);
      int position = 0;
      while (System.nanoTime() < end) {
        int index = stream[position++ & KeyStream.MASK];
        long start = System.nanoTime();
        Payload value = cache.get(keys[index]);
        getHistogram.recordValue(System.nanoTime() - start);
        if (value == null) {
          throw new IllegalStateException(provider + ": a get missed in the listener scenario");
        }
      }
    } finally {
      stop.set(true);
      mutator.join();
      long delivered = SlowListener.EVENTS.sum() - eventsBefore;
      // Let the backlog drain quickly so closing the cache does not wait on a slow listener.
      SlowListener.delayNanos = 0;
      cache.close();
      String note = "listener had received " + delivered + " of " + puts[0] + " events when the gets stopped";
      row("get, slow async listener", provider, getHistogram, note);
      row("put beside it, slow async listener", provider, putHistogram, "");
    }
  }

  private void manyThreadGets(String provider) throws InterruptedException {
    try (BenchCache cache = openFilled(provider, Providers.plain(false))) {
      int perThread = scaled(200_000);
      Histogram[] histograms = new Histogram[MANY_THREADS];
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      long[] misses = new long[MANY_THREADS];
      for (int t = 0; t < MANY_THREADS; t++) {
        int id = t;
        histograms[t] = new Histogram(3);
        Thread thread = new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          int position = id * 4096;
          for (int i = 0; i < perThread; i++) {
            int index = stream[position++ & KeyStream.MASK];
            long begin = System.nanoTime();
            Payload value = cache.get(keys[index]);
            histograms[id].recordValue(System.nanoTime() - begin);
            if (value == null) {
              misses[id]++;
            }
          }
        }, "latency-get-" + t);
        thread.start();
        threads.add(thread);
      }
      start.countDown();
      for (Thread thread : threads) {
        thread.join();
      }
      Histogram total = new Histogram(3);
      for (Histogram histogram : histograms) {
        total.add(histogram);
      }
      long missed = 0;
      for (long m : misses) {
        missed += m;
      }
      if (missed != 0) {
        throw new IllegalStateException(provider + ": " + missed + " gets missed with " + MANY_THREADS + " threads");
      }
      row("get, " + MANY_THREADS + " threads", provider, total, "");
    }
  }

  private void row(String scenario, String provider, Histogram h, String note) {
    String line = String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s | %s |", scenario, provider,
        h.getTotalCount(), micros(h.getValueAtPercentile(50)), micros(h.getValueAtPercentile(99)),
        micros(h.getValueAtPercentile(99.9)), micros(h.getMaxValue()), note);
    rows.add(line);
    System.out.println(line);
  }

  private static String micros(long nanos) {
    return String.format(Locale.ROOT, "%.2f", nanos / 1000.0);
  }

  /**
   * A writer standing for a slow system of record: each call ({@code write}, {@code delete}, and one whole
   * {@code writeAll} or {@code deleteAll} batch) sleeps 5 ms while {@link #sleeping} (the sleep is the point of the
   * scenario). Counts the entries it receives. Made by the caches through its public constructor; the
   * write-behind flusher calls it on its own thread.
   */
  public static final class SleepingWriter implements CacheWriter<Long, Payload>, Serializable {
    private static final long serialVersionUID = 1L;
    static final LongAdder WRITES = new LongAdder();
    static volatile boolean sleeping;

    private static void pause() {
      if (sleeping) {
        try {
          Thread.sleep(WRITER_SLEEP_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void write(Cache.Entry<? extends Long, ? extends Payload> entry) {
      WRITES.increment();
      pause();
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends Long, ? extends Payload>> entries) {
      WRITES.add(entries.size());
      pause();
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      pause();
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      pause();
      keys.clear();
    }
  }

  /** An asynchronous listener that takes {@link #delayNanos} per event. Made through its public constructor. */
  public static final class SlowListener implements CacheEntryCreatedListener<Long, Payload>,
      CacheEntryUpdatedListener<Long, Payload>, Serializable {
    private static final long serialVersionUID = 1L;
    static final LongAdder EVENTS = new LongAdder();
    static volatile long delayNanos;

    private static void receive(Iterable<CacheEntryEvent<? extends Long, ? extends Payload>> events) {
      for (CacheEntryEvent<? extends Long, ? extends Payload> ignored : events) {
        EVENTS.increment();
        long delay = delayNanos;
        if (delay > 0) {
          LockSupport.parkNanos(delay);
        }
      }
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Long, ? extends Payload>> events) {
      receive(events);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Long, ? extends Payload>> events) {
      receive(events);
    }
  }

  static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}

package io.goldylox.samples.springcacheable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.cache.Cache;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Times {@code @Cacheable} hits through Spring's proxy on the same Spring Boot app ({@link ProfileApplication})
 * started twice in this JVM: once on Goldylox, once on Caffeine's JCache, each chosen only by Boot's
 * {@code spring.cache.jcache.provider}. After a warm-up it runs rounds that alternate the two apps (and which goes
 * first), takes the median of the rounds, and writes a Markdown result ({@code benchmarks/results/spring-cacheable.md}
 * by default, {@code --out FILE} otherwise). It also times a bare {@code javax.cache.Cache.get} on the same cache,
 * so the result says how much of a hit is Spring's and how much the provider's by-value get. Not JMH: a plain
 * loop read with {@code System.nanoTime()}. Everything runs on the main thread.
 *
 * <p>Run it with {@value #COMMAND} (Caffeine's JCache is a test-scoped dependency of the samples, so the run uses
 * the test class path).
 */
public final class CacheableSpeed {

  /** The command that reproduces the result from the repository's root. */
  static final String COMMAND = "mvn -B -q -pl samples -am package exec:exec -DskipTests -Dexec.classpathScope=test "
      + "-Ddemo.mainClass=io.goldylox.samples.springcacheable.CacheableSpeed";

  /** The user ids looked up, round-robin: a power of two, so a mask picks the next. */
  private static final String[] KEYS = keys(16);
  private static final int BATCH = 1_024;

  /** Keeps the JIT from dropping the calls whose results are otherwise unused. */
  private static long sink;

  private CacheableSpeed() {}

  /** One started app: its name, its @Cacheable service and its JCache cache. */
  private record Subject(String name, ConfigurableApplicationContext context, ProfileService service,
      Cache<Object, Object> cache, double[] springNanos, double[] bareNanos) {

    static Subject of(String name, ConfigurableApplicationContext context, int rounds) {
      @SuppressWarnings("unchecked")
      Cache<Object, Object> cache = ProfileApplication.jcacheManager(context).getCache("profiles");
      return new Subject(name, context, context.getBean(ProfileService.class), cache, new double[rounds],
          new double[rounds]);
    }

    /** Hits through Spring's proxy for about {@code millis}; the mean time of one, in ns. */
    double springHits(long millis) {
      long start = System.nanoTime();
      long deadline = start + millis * 1_000_000L;
      long hits = 0;
      long now;
      long local = 0;
      do {
        for (int i = 0; i < BATCH; i++) {
          local += service.profile(KEYS[i & (KEYS.length - 1)]).getVisits();
        }
        hits += BATCH;
        now = System.nanoTime();
      } while (now < deadline);
      sink += local;
      return (double) (now - start) / hits;
    }

    /** {@code Cache.get} on the same JCache cache, without Spring, for about {@code millis}; ns per get. */
    double bareGets(long millis) {
      long start = System.nanoTime();
      long deadline = start + millis * 1_000_000L;
      long gets = 0;
      long now;
      long local = 0;
      do {
        for (int i = 0; i < BATCH; i++) {
          local += ((UserProfile) cache.get(KEYS[i & (KEYS.length - 1)])).getVisits();
        }
        gets += BATCH;
        now = System.nanoTime();
      } while (now < deadline);
      sink += local;
      return (double) (now - start) / gets;
    }
  }

  public static void main(String[] args) throws IOException {
    Path out = null;
    int rounds = 10;
    long roundMillis = 500;
    long warmupMillis = 3_000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--round-ms" -> roundMillis = Long.parseLong(args[++i]);
        case "--warmup-ms" -> warmupMillis = Long.parseLong(args[++i]);
        default -> throw new IllegalArgumentException("Unknown argument " + args[i]
            + "; expected --out FILE, --rounds N, --round-ms MS, --warmup-ms MS");
      }
    }
    if (out == null) {
      out = defaultOut();
    }
    String markdown;
    try (ConfigurableApplicationContext goldyloxApp = ProfileApplication.start(ProfileApplication.GOLDYLOX);
        ConfigurableApplicationContext caffeineApp = ProfileApplication.start(ProfileApplication.CAFFEINE)) {
      List<Subject> subjects = List.of(Subject.of("Goldylox", goldyloxApp, rounds),
          Subject.of("Caffeine JCache", caffeineApp, rounds));
      for (Subject subject : subjects) {
        for (String key : KEYS) {
          subject.service().profile(key);
        }
      }
      System.out.printf("Goldylox app on %s, Caffeine app on %s%n",
          ProfileApplication.jcacheManager(goldyloxApp).getClass().getName(),
          ProfileApplication.jcacheManager(caffeineApp).getClass().getName());

      long warmupSlice = Math.max(1, warmupMillis / 6);
      for (int pass = 0; pass < 3; pass++) {
        for (Subject subject : subjects) {
          subject.springHits(warmupSlice);
          subject.bareGets(warmupSlice);
        }
      }
      for (int round = 0; round < rounds; round++) {
        List<Subject> order = round % 2 == 0 ? subjects : List.of(subjects.get(1), subjects.get(0));
        for (Subject subject : order) {
          subject.springNanos()[round] = subject.springHits(roundMillis);
        }
        for (Subject subject : order) {
          subject.bareNanos()[round] = subject.bareGets(roundMillis);
        }
        System.out.printf(Locale.ROOT, "round %d: %s %.0f ns, %s %.0f ns per @Cacheable hit%n", round + 1,
            subjects.get(0).name(), subjects.get(0).springNanos()[round], subjects.get(1).name(),
            subjects.get(1).springNanos()[round]);
      }
      for (Subject subject : subjects) {
        if (subject.service().lookups() != KEYS.length) {
          throw new IllegalStateException(subject.name() + " ran the method body " + subject.service().lookups()
              + " times, not " + KEYS.length + ": the timed calls were not all cache hits");
        }
      }
      markdown = markdown(subjects, rounds, roundMillis, warmupMillis);
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, markdown, StandardCharsets.UTF_8);
    System.out.print(markdown);
    System.out.println("Written to " + out.toAbsolutePath().normalize() + " (checksum " + sink + ")");
  }

  private static String markdown(List<Subject> subjects, int rounds, long roundMillis, long warmupMillis) {
    Subject goldylox = subjects.get(0);
    Subject caffeine = subjects.get(1);
    StringBuilder md = new StringBuilder();
    md.append("# A Spring `@Cacheable` hit on a `Serializable` DTO: Goldylox against Caffeine's JCache\n\n");
    md.append("The same Spring Boot app (`io.goldylox.samples.springcacheable.ProfileApplication`), started twice in "
        + "one JVM: `spring.cache.type=jcache`, `spring.cache.cache-names=profiles` (Boot creates the cache with "
        + "`new MutableConfiguration<>()`: store-by-value, the JSR-107 default), and only "
        + "`spring.cache.jcache.provider` differs. No Goldylox setting: Goldylox copies with its default, Apache "
        + "Fory; Caffeine's JCache with its default, Java serialization. The value is a mutable `Serializable` "
        + "bean (two Strings, a long, an `ArrayList` of 3 Strings, an `Instant`), 16 keys round-robin, all "
        + "hits.\n\n");
    md.append("| app on | ns per @Cacheable hit (median) | hits/s | rounds' range (ns) "
        + "| bare `Cache.get` (ns, median) | hit minus bare get (ns) |\n");
    md.append("|---|---|---|---|---|---|\n");
    for (Subject subject : subjects) {
      double hit = median(subject.springNanos());
      double bare = median(subject.bareNanos());
      md.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %.0f to %.0f | %.0f | %.0f |%n", subject.name(),
          hit, perSecond(hit), min(subject.springNanos()), max(subject.springNanos()), bare,
          Math.max(0, hit - bare)));
    }
    double ratio = median(caffeine.springNanos()) / median(goldylox.springNanos());
    md.append(String.format(Locale.ROOT, "%nA hit through Spring is %.1f× faster on Goldylox (median ns per hit, "
        + "Caffeine's JCache / Goldylox). A bare `Cache.get` is %.1f× faster.%n%n", ratio,
        median(caffeine.bareNanos()) / median(goldylox.bareNanos())));
    md.append("What it measures: one `@Cacheable` call that hits, through Spring's proxy, its cache interceptor, "
        + "`JCacheCache` and the provider's `Cache.get`, including the store-by-value copy the get hands back "
        + "(Goldylox: Fory-deserialize the stored bytes; Caffeine: Java-serialize and deserialize the stored "
        + "object). The \"bare `Cache.get`\" column is the same get on the same cache without Spring. The last "
        + "column, the difference of two medians timed apart, estimates what Spring's proxy, interceptor and key "
        + "handling add; it is rough (each app's garbage and compiled code differ), so read it as a size, not "
        + "a figure to compare between the apps.\n\n");
    md.append("How: not JMH. A `main` loop timed with `System.nanoTime()` on one thread, ")
        .append(String.format(Locale.ROOT, "%d ms of warm-up split over both apps, then %d rounds of %d ms per app "
            + "and per kind of call, alternating which app goes first; the median of the rounds is reported. Both "
            + "apps are live in the same JVM, so the shared Spring code is compiled for both.%n%n", warmupMillis,
            rounds, roundMillis));
    md.append("- Date: ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append('\n');
    md.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores (shared with other "
        + "work), ").append(cpuModel()).append(", ").append(System.getProperty("os.name")).append(' ')
        .append(System.getProperty("os.arch")).append('\n');
    md.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append(", max heap ")
        .append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB\n");
    md.append("- Command (from the repository's root): `").append(COMMAND).append("` (Caffeine's JCache is a "
        + "test-scoped dependency of the samples, hence the test class path)\n");
    md.append("- Rounds, ns per @Cacheable hit: Goldylox ").append(list(goldylox.springNanos()))
        .append("; Caffeine's JCache ").append(list(caffeine.springNanos())).append('\n');
    return md.toString();
  }

  private static Path defaultOut() {
    Path here = Path.of("benchmarks", "results");
    Path results = Files.isDirectory(here) ? here : Path.of("..", "benchmarks", "results");
    return results.resolve("spring-cacheable.md");
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or not readable: the model is left out.
    }
    return "CPU model unknown";
  }

  private static String perSecond(double nanos) {
    double perSecond = 1e9 / nanos;
    return perSecond >= 1e6 ? String.format(Locale.ROOT, "%.2fM", perSecond / 1e6)
        : String.format(Locale.ROOT, "%.0fk", perSecond / 1e3);
  }

  private static String list(double[] values) {
    List<String> parts = new ArrayList<>();
    for (double value : values) {
      parts.add(String.format(Locale.ROOT, "%.0f", value));
    }
    return String.join(", ", parts);
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElse(Double.NaN);
  }

  private static double max(double[] values) {
    return Arrays.stream(values).max().orElse(Double.NaN);
  }

  private static String[] keys(int count) {
    String[] keys = new String[count];
    for (int i = 0; i < count; i++) {
      keys[i] = "user-" + i;
    }
    return keys;
  }
}

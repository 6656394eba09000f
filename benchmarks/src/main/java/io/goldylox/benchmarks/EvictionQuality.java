package io.goldylox.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Eviction quality: the hit rate of a cache bounded to {@value #MAX_ENTRIES} entries (10% of the
 * {@link KeyStream#KEYS} keys), used cache-aside (a miss is followed by a put), on two traces:
 * <ul>
 *   <li>{@code zipf}: the scrambled-Zipfian stream (theta 0.99);</li>
 *   <li>{@code zipf+scan}: blocks of {@value #BLOCK} Zipfian accesses alternating with {@value #BLOCK} accesses
 *   of a sequential loop over {@value #SCAN_KEYS} cold keys that never fit (the pattern that empties an LRU).
 *   The hit rate is reported over all accesses and over the Zipfian accesses alone.</li>
 * </ul>
 * Only providers with an entry bound take part; the others are listed with the reason they are skipped (the RI).
 * Goldylox is a heap tier bounded by {@code heapMaxEntries} with no lower tier, so leaving the heap is eviction.
 * Single-threaded; Caffeine's maintenance runs on the calling thread, so it is deterministic; Goldylox demotes
 * (here: evicts) on its own mover thread, so its figures can vary slightly between runs, and it may hold up to
 * its documented slack ({@code max(16, max/32)} entries) above the bound for a moment. Run with {@code java -cp benchmarks.jar io.goldylox.benchmarks.EvictionQuality [--smoke]}.
 */
public final class EvictionQuality {

  static final int MAX_ENTRIES = KeyStream.KEYS / 10;
  static final int BLOCK = 10_000;
  static final int SCAN_KEYS = 50_000;
  private static final List<String> PROVIDERS = List.of("goldylox", "caffeine", "ehcache", "cache2k", "ri");

  private final boolean smoke;
  private final List<String> rows = new ArrayList<>();
  private final List<String> skipped = new ArrayList<>();

  EvictionQuality(boolean smoke) {
    this.smoke = smoke;
  }

  public static void main(String[] args) throws Exception {
    boolean smoke = List.of(args).contains("--smoke");
    String markdown = new EvictionQuality(smoke).run();
    System.out.println(markdown);
    Path out = ChildJvm.markdownFile(args, smoke, "eviction.md");
    LatencyBenchmark.write(out, markdown);
    System.out.println("Wrote " + out.toAbsolutePath());
  }

  String run() {
    int warmup = smoke ? 50_000 : 1_000_000;
    int measured = smoke ? 200_000 : 4_000_000;
    int[] zipf = KeyStream.generate("zipf", KeyStream.KEYS, warmup + measured, 7);
    Long[] keys = new Long[KeyStream.KEYS + SCAN_KEYS];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = (long) i;
    }
    for (String provider : PROVIDERS) {
      for (boolean scan : new boolean[] {false, true}) {
        BenchCache cache;
        try {
          cache = Providers.openBounded(provider, MAX_ENTRIES);
        } catch (UnsupportedOperationException e) {
          if (!scan) {
            skipped.add("skipped " + e.getMessage());
            System.out.println("SKIPPED " + e.getMessage());
          }
          continue;
        }
        try (cache) {
          measure(provider, cache, scan, zipf, keys, warmup, measured);
        }
      }
    }
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "## Eviction quality (hit rate, max %,d entries of %,d keys, cache-aside)%n%n",
        MAX_ENTRIES, KeyStream.KEYS));
    md.append("| provider | trace | hit rate (all) | hit rate (zipf accesses) | size at end |\n");
    md.append("|---|---|---|---|---|\n");
    rows.forEach(row -> md.append(row).append('\n'));
    md.append('\n');
    skipped.forEach(line -> md.append("- ").append(line).append('\n'));
    return md.toString();
  }

  private void measure(String provider, BenchCache cache, boolean scan, int[] zipf, Long[] keys, int warmup,
      int measured) {
    int zipfPosition = 0;
    int scanPosition = 0;
    long accesses = 0;
    long hits = 0;
    long zipfAccesses = 0;
    long zipfHits = 0;
    Payload value = new Payload(0);
    int total = warmup + measured;
    for (int i = 0; i < total; i++) {
      boolean scanTurn = scan && (i / BLOCK) % 2 == 1;
      Long key;
      if (scanTurn) {
        key = keys[KeyStream.KEYS + scanPosition];
        scanPosition = (scanPosition + 1) % SCAN_KEYS;
      } else {
        key = keys[zipf[zipfPosition++ % zipf.length]];
      }
      boolean hit = cache.get(key) != null;
      if (!hit) {
        cache.put(key, value);
      }
      if (i >= warmup) {
        accesses++;
        if (hit) {
          hits++;
        }
        if (!scanTurn) {
          zipfAccesses++;
          if (hit) {
            zipfHits++;
          }
        }
      }
    }
    int present = cache.countPresent(keys);
    boolean goldylox = provider.equals("goldylox");
    if (!goldylox && present > MAX_ENTRIES * 1.1) {
      throw new IllegalStateException(provider + " holds " + present + " entries, over its bound of " + MAX_ENTRIES);
    }
    if (present > MAX_ENTRIES) {
      // Goldylox evicts on a background thread and documents an overshoot of max(64, max/2) entries: reported,
      // not fatal, so the other rows are still measured; beyond the documented overshoot it is flagged.
      int documented = MAX_ENTRIES + Math.max(64, MAX_ENTRIES / 2);
      skipped.add(String.format(Locale.ROOT, "%s (%s) held %,d entries at the end, %.0f%% over its bound of %,d%s: it"
          + " evicts on a background thread that fell behind this single caller, so its hit rate is flattered by"
          + " the extra room", provider, scan ? "zipf+scan" : "zipf", present, 100.0 * (present - MAX_ENTRIES)
          / MAX_ENTRIES, MAX_ENTRIES, present > documented
              ? " (BEYOND its documented overshoot, " + String.format(Locale.ROOT, "%,d", documented) + ")" : ""));
    }
    String row = String.format(Locale.ROOT, "| %s | %s | %.2f%% | %.2f%% | %,d |", provider,
        scan ? "zipf+scan" : "zipf", 100.0 * hits / accesses, 100.0 * zipfHits / zipfAccesses, present);
    rows.add(row);
    System.out.println(row);
  }
}

package io.goldylox.benchmarks;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;

/**
 * Turns one run's JMH results into {@code latest.json} (JMH's own JSON), {@code latest.md} (tables: providers as
 * rows, operation × threads as columns, ops/s in millions, then each provider's ratio to goldylox and to the
 * {@code chm} ceiling) and {@code latest.png} (grouped bars per provider, the ceiling as a line). Ratios are only
 * ever taken between results of the same run. Used by {@link Suite} on its main thread.
 */
final class ResultsReport {

  private static final Set<String> CHART_EXCLUDED = Set.of("getAll", "putAll");
  private static final List<String> OPERATION_ORDER = List.of("get", "put", "mixed", "getAll", "putAll", "invoke");
  /** One colour per provider, the same in every panel (a panel without goldylox-java would shift XChart's own). */
  private static final Map<String, Color> COLORS = Map.of(
      "goldylox", new Color(0x1F, 0x4E, 0xD8), "goldylox-java", new Color(0x00, 0xA6, 0xD6),
      "caffeine", new Color(0xF5, 0xA6, 0x23), "ehcache", new Color(0x8E, 0x44, 0xAD),
      "cache2k", new Color(0x27, 0xAE, 0x60), "ri", new Color(0xC0, 0x39, 0x2B));
  private static final List<String> GC_ALLOC = List.of("gc.alloc.rate.norm", "·gc.alloc.rate.norm");

  /** One measured cell. */
  record Cell(String provider, boolean byValue, String distribution, String operation, int threads, double score,
      double error, Double allocBytesPerOp) {
    String column() {
      return operation + " " + threads + "T";
    }
  }

  private final List<Cell> cells = new ArrayList<>();
  private final Collection<RunResult> results;

  ResultsReport(Collection<RunResult> results) {
    this.results = results;
    for (RunResult result : results) {
      var params = result.getParams();
      String benchmark = params.getBenchmark();
      String operation = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      Result<?> alloc = null;
      for (String key : GC_ALLOC) {
        alloc = alloc != null ? alloc : result.getSecondaryResults().get(key);
      }
      cells.add(new Cell(params.getParam("provider"), Boolean.parseBoolean(params.getParam("byValue")),
          params.getParam("distribution"), operation, params.getThreads(), result.getPrimaryResult().getScore(),
          result.getPrimaryResult().getScoreError(), alloc == null ? null : alloc.getScore()));
    }
  }

  void writeJson(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    try (PrintStream out = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8)) {
      ResultFormatFactory.getInstance(ResultFormatType.JSON, out).writeOut(results);
    }
  }

  /** The Markdown report; {@code extraSections} (latency, eviction) are appended as they are. */
  String markdown(String title, String command, List<String> extraSections) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(title).append("\n\n");
    md.append(machine());
    md.append("- command: `").append(command).append("`\n\n");
    md.append("Throughput in millions of operations per second (getAll/putAll: one call of up to ")
        .append(CacheState.BATCH_SIZE).append(" keys is one operation). 100,000 `Long` keys, 100-byte value, "
            + "cache filled first, every get hits. `chm` is a raw ConcurrentHashMap (the ceiling; it never copies, "
            + "so its by-reference figure is the ceiling of the by-value tables too). Ratios are within this run. "
            + "The chart (`latest.png`) shows the single-key operations; getAll/putAll are in the tables only.\n\n");
    for (String distribution : distributions()) {
      for (boolean byValue : new boolean[] {false, true}) {
        List<Cell> section = section(byValue, distribution);
        if (section.isEmpty()) {
          continue;
        }
        String heading = (byValue ? "By value" : "By reference") + ", " + distribution + " keys";
        List<String> columns = columns(section);
        List<String> providers = providers(section);
        md.append("## ").append(heading).append("\n\n");
        md.append(table(columns, providers, (p, c) -> find(section, p, c)
            .map(cell -> millions(cell.score) + "M"
                + (Double.isNaN(cell.error) ? "" : " ±" + millions(cell.error)))
            .orElse("–")));
        md.append("\nRatio to goldylox (>1 means faster than goldylox):\n\n");
        md.append(table(columns, providers, (p, c) -> ratio(find(section, p, c), find(section, "goldylox", c))));
        List<Cell> ceiling = section(false, distribution);
        md.append("\nRatio to the chm ceiling (by reference):\n\n");
        md.append(table(columns, providers, (p, c) -> ratio(find(section, p, c), find(ceiling, "chm", c))));
        if (section.stream().anyMatch(cell -> cell.allocBytesPerOp != null)) {
          md.append("\nAllocation, bytes per operation (`-prof gc`):\n\n");
          md.append(table(columns, providers, (p, c) -> find(section, p, c)
              .filter(cell -> cell.allocBytesPerOp != null)
              .map(cell -> String.format(Locale.ROOT, "%.0f", cell.allocBytesPerOp)).orElse("–")));
        }
        md.append('\n');
      }
    }
    for (String extra : extraSections) {
      md.append(extra).append('\n');
    }
    return md.toString();
  }

  private static String millions(double perSecond) {
    double m = perSecond / 1e6;
    return String.format(Locale.ROOT, m < 0.1 ? "%.3f" : "%.2f", m);
  }

  private static String ratio(java.util.Optional<Cell> cell, java.util.Optional<Cell> reference) {
    if (cell.isEmpty() || reference.isEmpty() || reference.get().score == 0) {
      return "–";
    }
    double ratio = cell.get().score / reference.get().score;
    return String.format(Locale.ROOT, ratio < 0.1 ? "%.3f×" : "%.2f×", ratio);
  }

  private interface CellText {
    String text(String provider, String column);
  }

  private static String table(List<String> columns, List<String> providers, CellText text) {
    StringBuilder md = new StringBuilder("| provider |");
    columns.forEach(c -> md.append(' ').append(c).append(" |"));
    md.append("\n|---|");
    columns.forEach(c -> md.append("---|"));
    md.append('\n');
    for (String provider : providers) {
      md.append("| ").append(provider).append(" |");
      for (String column : columns) {
        md.append(' ').append(text.text(provider, column)).append(" |");
      }
      md.append('\n');
    }
    return md.toString();
  }

  private List<String> distributions() {
    Set<String> seen = new TreeSet<>(Comparator.comparing((String d) -> !d.equals("zipf")).thenComparing(d -> d));
    cells.forEach(cell -> seen.add(cell.distribution));
    return new ArrayList<>(seen);
  }

  private List<Cell> section(boolean byValue, String distribution) {
    List<Cell> section = new ArrayList<>();
    for (Cell cell : cells) {
      if (cell.byValue == byValue && cell.distribution.equals(distribution)) {
        section.add(cell);
      }
    }
    return section;
  }

  private static List<String> columns(List<Cell> section) {
    List<Cell> sorted = new ArrayList<>(section);
    sorted.sort(Comparator.comparingInt((Cell c) -> OPERATION_ORDER.indexOf(c.operation))
        .thenComparingInt(c -> c.threads));
    Set<String> columns = new LinkedHashSet<>();
    sorted.forEach(cell -> columns.add(cell.column()));
    return new ArrayList<>(columns);
  }

  private static List<String> providers(List<Cell> section) {
    List<String> providers = new ArrayList<>();
    for (String provider : Providers.TABLE_ORDER) {
      if (section.stream().anyMatch(cell -> cell.provider.equals(provider))) {
        providers.add(provider);
      }
    }
    return providers;
  }

  private static java.util.Optional<Cell> find(List<Cell> section, String provider, String column) {
    return section.stream().filter(cell -> cell.provider.equals(provider) && cell.column().equals(column)).findFirst();
  }

  /** One panel per store mode of the first distribution (zipf when present); stacked into one PNG. */
  void writeChart(Path file, String title) throws IOException {
    String distribution = distributions().isEmpty() ? "zipf" : distributions().get(0);
    List<BufferedImage> panels = new ArrayList<>();
    for (boolean byValue : new boolean[] {false, true}) {
      List<Cell> section = section(byValue, distribution);
      if (section.isEmpty()) {
        continue;
      }
      panels.add(BitmapEncoder.getBufferedImage(chart(title, section, section(false, distribution), byValue,
          distribution)));
    }
    if (panels.isEmpty()) {
      return;
    }
    int width = panels.stream().mapToInt(BufferedImage::getWidth).max().orElse(1);
    int height = panels.stream().mapToInt(BufferedImage::getHeight).sum();
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = image.createGraphics();
    graphics.setColor(Color.WHITE);
    graphics.fillRect(0, 0, width, height);
    int y = 0;
    for (BufferedImage panel : panels) {
      graphics.drawImage(panel, 0, y, null);
      y += panel.getHeight();
    }
    graphics.dispose();
    Files.createDirectories(file.getParent());
    ImageIO.write(image, "png", file.toFile());
  }

  private static CategoryChart chart(String title, List<Cell> allCells, List<Cell> ceiling, boolean byValue,
      String distribution) {
    // Batch operations (100 keys per call) are ~100x slower per call and would flatten the other bars: tables only.
    List<Cell> section = new ArrayList<>();
    for (Cell cell : allCells) {
      if (!CHART_EXCLUDED.contains(cell.operation)) {
        section.add(cell);
      }
    }
    List<String> columns = columns(section);
    CategoryChart chart = new CategoryChartBuilder().width(1400).height(620)
        .title(title + " — " + (byValue ? "by value" : "by reference") + ", " + distribution + " keys")
        .xAxisTitle("operation, threads")
        .yAxisTitle(byValue ? "M ops/s (log scale)" : "M ops/s").build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setAvailableSpaceFill(0.85);
    chart.getStyler().setYAxisDecimalPattern(byValue ? "#,##0.####" : "#,##0.##");
    chart.getStyler().setPlotGridVerticalLinesVisible(false);
    if (byValue) {
      // Bars on a log axis start at the axis minimum, which must be positive: a power of ten below every value.
      double smallest = section.stream().mapToDouble(cell -> cell.score / 1e6).filter(v -> v > 0).min().orElse(1);
      chart.getStyler().setYAxisLogarithmic(true);
      chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(smallest))));
    }
    for (String provider : Providers.TABLE_ORDER) {
      if (provider.equals("chm") || section.stream().noneMatch(cell -> cell.provider.equals(provider))) {
        continue;
      }
      List<Double> values = new ArrayList<>();
      for (String column : columns) {
        values.add(find(section, provider, column).map(cell -> cell.score / 1e6).orElse(null));
      }
      chart.addSeries(provider, columns, values).setFillColor(COLORS.getOrDefault(provider, Color.GRAY));
    }
    List<Double> ceilingValues = new ArrayList<>();
    boolean hasCeiling = false;
    for (String column : columns) {
      var cell = find(ceiling, "chm", column);
      hasCeiling |= cell.isPresent();
      ceilingValues.add(cell.map(c -> c.score / 1e6).orElse(null));
    }
    if (hasCeiling) {
      CategorySeries line = chart.addSeries(byValue ? "chm ceiling (by reference)" : "chm ceiling", columns,
          ceilingValues);
      line.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
      line.setLineColor(Color.BLACK);
      line.setMarkerColor(Color.BLACK);
    }
    return chart;
  }

  static String machine() {
    Runtime runtime = Runtime.getRuntime();
    long memory = -1;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      memory = os.getTotalMemorySize();
    }
    Map<String, String> info = new LinkedHashMap<>();
    info.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    info.put("cores", Integer.toString(runtime.availableProcessors()));
    info.put("memory", memory < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", memory / (1024.0 * 1024 * 1024)));
    info.put("JVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
        + " (" + System.getProperty("java.vendor") + ")");
    info.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    info.put("JMH", "1.37, forked JVM flags -Xms2g -Xmx2g -XX:+AlwaysPreTouch");
    StringBuilder md = new StringBuilder();
    info.forEach((key, value) -> md.append("- ").append(key).append(": ").append(value).append('\n'));
    return md.toString();
  }
}

package io.goldylox.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * Runs a harness main ({@link LatencyBenchmark}, {@link EvictionQuality}, {@link TieredBenchmark},
 * {@link ThreadCollapseBenchmark}, {@link FreshWriteBehindLatency}) in a JVM of its own, as JMH does for its benchmarks: a fresh heap and JIT
 * profile per harness, the same heap flags as the JMH forks, and the JVM flags Chronicle Queue needs (write-behind
 * journals), so the parent needs none of them. The flags come from {@code jvm-flags.properties}, which Maven
 * filters from the parent pom's {@code ${chronicle.jvm.flags}} (one list, no copy to keep in step). Used by
 * {@link Suite}'s main thread only; the child's output goes to this process's console.
 */
final class ChildJvm {

  /** Heap flags of every child, the same as the JMH forks'. */
  static final List<String> HEAP_FLAGS = List.of("-Xms2g", "-Xmx2g", "-Dslf4j.internal.verbosity=ERROR");

  private ChildJvm() {}

  /** The flags Chronicle Queue needs on Java 17+, as the parent pom lists them. */
  static List<String> chronicleFlags() {
    Properties properties = new Properties();
    try (InputStream in = ChildJvm.class.getResourceAsStream("/jvm-flags.properties")) {
      if (in == null) {
        throw new IllegalStateException("jvm-flags.properties is missing from the class path: build the benchmarks "
            + "jar with Maven (resource filtering writes the parent pom's chronicle.jvm.flags into it)");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String flags = properties.getProperty("chronicle.jvm.flags", "").trim();
    if (flags.isEmpty() || flags.contains("${")) {
      throw new IllegalStateException("jvm-flags.properties holds no filtered chronicle.jvm.flags ('" + flags
          + "'): the benchmarks pom must filter it from the parent pom");
    }
    return Arrays.asList(flags.split("\\s+"));
  }

  /**
   * Runs {@code mainClass} with {@code args} plus {@code --md FILE} in a child JVM, waits for it and returns the
   * Markdown it wrote to that file.
   *
   * @throws IllegalStateException if the child fails (its exit code and the command are in the message)
   */
  static String runForMarkdown(Class<?> mainClass, Path markdownFile, List<String> args)
      throws IOException, InterruptedException {
    return runForMarkdown(mainClass, markdownFile, List.of(), args);
  }

  /** As {@link #runForMarkdown(Class, Path, List)}, with {@code jvmArgs} after the standard flags. */
  static String runForMarkdown(Class<?> mainClass, Path markdownFile, List<String> jvmArgs, List<String> args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(HEAP_FLAGS);
    command.addAll(chronicleFlags());
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(args);
    command.add("--md");
    command.add(markdownFile.toAbsolutePath().toString());
    Files.createDirectories(markdownFile.toAbsolutePath().getParent());
    Files.deleteIfExists(markdownFile);
    System.out.println("# Child JVM: " + String.join(" ", jvmArgs) + " " + mainClass.getSimpleName() + " "
        + String.join(" ", args));
    Process process = new ProcessBuilder(command).inheritIO().start();
    int exit = process.waitFor();
    if (exit != 0 || !Files.exists(markdownFile)) {
      throw new IllegalStateException(mainClass.getSimpleName() + " failed (exit code " + exit + "): "
          + String.join(" ", command));
    }
    return Files.readString(markdownFile);
  }

  /** Where a harness main writes its Markdown: {@code --md FILE}, else {@code defaultName} in the results dir. */
  static Path markdownFile(String[] args, boolean smoke, String defaultName) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--md")) {
        return Path.of(args[i + 1]);
      }
    }
    return Suite.resultsDirectory(args, smoke).resolve(defaultName);
  }
}

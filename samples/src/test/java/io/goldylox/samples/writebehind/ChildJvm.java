package io.goldylox.samples.writebehind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a sample's main class in a JVM of its own, with the flags Chronicle Queue (the write-behind journal) needs
 * on Java 17: the samples' tests themselves run without them, exactly as an application that forgot them would,
 * and a sample is run the way a user runs it (with {@code exec:exec}, which passes {@code ${chronicle.jvm.flags}}).
 * Used by one test thread at a time.
 */
public final class ChildJvm {

  /**
   * The parent pom's {@code chronicle.jvm.flags}, handed to the tests by surefire as the system property
   * {@code goldylox.chronicle.flags}, so there is one list of them.
   */
  public static final List<String> CHRONICLE_FLAGS = chronicleFlags();

  private static List<String> chronicleFlags() {
    String flags = System.getProperty("goldylox.chronicle.flags");
    if (flags == null || flags.isBlank()) {
      throw new IllegalStateException("Run the samples' tests through Maven: the system property "
          + "goldylox.chronicle.flags (the parent pom's chronicle.jvm.flags) is not set");
    }
    return List.of(flags.trim().split("\\s+"));
  }

  /** What a finished child left: its exit code, its standard output and its standard error. */
  public record Result(int exitCode, String out, String err) {}

  private ChildJvm() {}

  /**
   * Runs {@code mainClass} with {@code args} on this JVM's class path and waits for it (at most 2 minutes).
   *
   * @param scratch a directory for the child's captured output
   */
  public static Result run(Path scratch, Class<?> mainClass, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(CHRONICLE_FLAGS);
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    Path out = Files.createTempFile(scratch, mainClass.getSimpleName(), ".out");
    Path err = Files.createTempFile(scratch, mainClass.getSimpleName(), ".err");
    Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        throw new AssertionError(mainClass.getSimpleName() + " did not finish in 2 minutes; it printed:\n"
            + Files.readString(out, StandardCharsets.UTF_8));
      }
    } finally {
      process.destroyForcibly();
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}

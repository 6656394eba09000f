package io.goldylox.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child JVMs for crash tests: a JVM on this test's class path running one main class, its stdout read line by
 * line by the test, its stderr in a file for the failure message. Small heap and C1 only: children start fast and
 * are killed with SIGKILL long before the C2 compiler would pay off.
 */
public final class ChildJvm {

  private ChildJvm() {}

  /**
   * Starts {@code main} with {@code jvmFlags} and {@code args}; stderr goes to {@code stderr}, stdout is the
   * process's input stream (read it with {@link LineReader}).
   */
  public static Process start(Class<?> main, List<String> jvmFlags, Path stderr, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
  }

  /**
   * The flags Chronicle needs as this JVM was given them (Surefire's argLine): every {@code --add-opens},
   * {@code --add-exports} and {@code -Dchronicle.*} argument. Empty when this JVM has none.
   */
  public static List<String> chronicleFlagsOfThisJvm() {
    List<String> flags = new ArrayList<>();
    for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (argument.startsWith("--add-opens") || argument.startsWith("--add-exports")
          || argument.startsWith("-Dchronicle.")) {
        flags.add(argument);
      }
    }
    return flags;
  }

  /**
   * Reads only complete lines (ending in a newline) from a child's output: the line a kill cut short is never
   * returned. (A {@code BufferedReader} would return it at end of stream, and half a number parses.)
   */
  public static final class LineReader implements AutoCloseable {
    private final Reader in;
    private final StringBuilder line = new StringBuilder();

    public LineReader(InputStream in) {
      this.in = new InputStreamReader(in, StandardCharsets.UTF_8);
    }

    /** The next complete line without its newline, or null at the end of the stream. */
    public String next() throws IOException {
      int c;
      while ((c = in.read()) != -1) {
        if (c == '\n') {
          String complete = line.toString();
          line.setLength(0);
          return complete;
        }
        line.append((char) c);
      }
      return null;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}

package io.goldylox.redis.fleet;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The parent's handle on one {@link FleetNode} child JVM: started like the provider's crash-test children (this
 * JVM's java and class path, small heap, C1 only, stderr in a file), its stdout read by a thread of its own that
 * keeps only complete lines (a line a SIGKILL cut short is never seen). {@code ack <n>} lines only advance
 * {@link #acks}; every other line is queued for {@link #next} and kept for {@link #describe}.
 *
 * <p>Used by one test thread; the reader thread only fills the queue and the counters.
 */
final class FleetChild implements AutoCloseable {

  private static final String END = "\u0000end-of-stream";
  private static final int KEPT_LINES = 40;

  final String name;
  final Process process;
  final Path stderr;
  private final OutputStream stdin;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final AtomicLong acks = new AtomicLong();
  private final List<String> recent = new ArrayList<>(); // guarded by itself
  private final List<String> errors = new ArrayList<>(); // guarded by itself
  private final Thread reader;
  /** The child's own record of its acks (see {@link #ackFile}). */
  private final Path ackFile;

  private FleetChild(String name, Process process, Path stderr, Path ackFile) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    this.ackFile = ackFile;
    this.stdin = process.getOutputStream();
    this.reader = new Thread(this::read, "fleet-child-" + name + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@link FleetNode} with the node arguments {@code args}; its stderr goes to {@code dir/<name>.stderr}.
   * Returns once it printed {@code ready} (its cache is open), or fails saying why.
   */
  static FleetChild start(String name, Path dir, List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx128m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    // The child also appends each ack line to this file, in one write(2): after a SIGKILL the file holds every ack
    // it made, where the stdout pipe may lose the last lines (a read racing the JDK's drain at process exit).
    Path ackFile = dir.resolve(name + ".acks");
    command.add("-D" + FleetNode.ACK_FILE_PROPERTY + "=" + ackFile);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(FleetNode.class.getName());
    command.addAll(args);
    Path stderr = dir.resolve(name + ".stderr");
    Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    FleetChild child = new FleetChild(name, process, stderr, ackFile);
    try {
      child.expect("ready", Duration.ofSeconds(30));
    } catch (RuntimeException | Error e) {
      child.close();
      throw e;
    }
    return child;
  }

  private void read() {
    try (Reader in = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
      StringBuilder line = new StringBuilder();
      char[] buffer = new char[8192];
      int n;
      while ((n = in.read(buffer)) != -1) {
        for (int i = 0; i < n; i++) {
          char c = buffer[i];
          if (c != '\n') {
            line.append(c);
            continue;
          }
          String complete = line.toString();
          line.setLength(0);
          if (complete.startsWith("ack ")) {
            acks.set(Long.parseLong(complete.substring(4)));
            continue;
          }
          if (complete.startsWith("error ")) {
            synchronized (errors) {
              errors.add(complete);
            }
          }
          synchronized (recent) {
            recent.add(complete);
            if (recent.size() > KEPT_LINES) {
              recent.remove(0);
            }
          }
          lines.add(complete);
        }
      }
    } catch (IOException e) {
      // the process died: the end of its output
    } finally {
      lines.add(END);
    }
  }

  /** The number of acknowledged operations the child reported so far ({@code ack <n>} lines). */
  long acks() {
    return acks.get();
  }

  /** The {@code error ...} lines the child printed so far. */
  List<String> errors() {
    synchronized (errors) {
      return new ArrayList<>(errors);
    }
  }

  void send(String command) {
    try {
      stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      throw new AssertionError("cannot write '" + command + "' to " + describe(), e);
    }
  }

  /** The next line that is not an ack, waiting at most {@code timeout}; fails at the end of output or on timeout. */
  String next(Duration timeout) {
    String line;
    try {
      line = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    if (line == null) {
      throw new AssertionError("no line within " + timeout + " from " + describe());
    }
    if (line == END) {
      lines.add(END); // stays at the end for later readers
      throw new AssertionError("output ended: " + describe());
    }
    return line;
  }

  /** Sends {@code command} and returns the one line that answers it. */
  String ask(String command, Duration timeout) {
    send(command);
    return next(timeout);
  }

  /** Skips lines until one matching {@code wanted}, which it returns. */
  String awaitLine(Predicate<String> wanted, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no " + what + " within " + timeout + " from " + describe());
      }
      String line = next(Duration.ofNanos(left));
      if (wanted.test(line)) {
        return line;
      }
    }
  }

  void expect(String line, Duration timeout) {
    String got = next(timeout);
    if (!got.equals(line)) {
      throw new AssertionError("expected '" + line + "', got '" + got + "' from " + describe());
    }
  }

  /** A counter of a serve child's {@code stats} line, e.g. {@code invalidationsReceived}. */
  static long stat(String statsLine, String name) {
    for (String part : statsLine.split(" ")) {
      if (part.startsWith(name + "=")) {
        return Long.parseLong(part.substring(name.length() + 1));
      }
    }
    throw new AssertionError("no " + name + " in " + statsLine);
  }

  /**
   * Waits until a serve child received at least {@code count} invalidations (so that none still on its way can
   * drop a near copy filled afterwards).
   */
  static void awaitInvalidations(FleetChild child, long count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String stats;
    while (stat(stats = child.ask("stats", timeout), "invalidationsReceived") < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("fewer than " + count + " invalidations within " + timeout + ": " + stats + " "
            + child.describe());
      }
      Thread.sleep(1);
    }
  }

  /** Waits until the child acknowledged at least {@code count} operations. */
  void awaitAcks(long count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (acks.get() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("fewer than " + count + " acks within " + timeout + " from " + describe());
      }
      if (!process.isAlive() && !reader.isAlive() && acks.get() < count) {
        throw new AssertionError("died before " + count + " acks: " + describe());
      }
      Thread.sleep(1);
    }
  }

  /** Waits for the process to exit and its output to be read; returns the exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("did not exit within " + timeout + ": " + describe());
    }
    reader.join(TimeUnit.SECONDS.toMillis(10));
    return process.exitValue();
  }

  /**
   * SIGKILL ({@link Process#destroyForcibly} is SIGKILL on Linux), then reads what the child had written before
   * it died, so that {@link #acks} is final.
   */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("did not die within 10 s of SIGKILL: " + describe());
    }
    reader.join(TimeUnit.SECONDS.toMillis(10));
    acks.accumulateAndGet(acksInFile(), Math::max);
  }

  /** The highest ack in {@link #ackFile} whose line is complete (a SIGKILL may cut the last one short). */
  private long acksInFile() {
    try {
      String text = java.nio.file.Files.readString(ackFile, StandardCharsets.UTF_8);
      int end = text.lastIndexOf('\n');
      if (end < 0) {
        return 0;
      }
      int start = text.lastIndexOf('\n', end - 1) + 1;
      return Long.parseLong(text.substring(start, end).substring(4));
    } catch (java.nio.file.NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Name, pid, state, acks, the last lines and stderr: for assertion messages. */
  String describe() {
    String state = process.isAlive() ? "alive" : "exited " + process.exitValue();
    List<String> last;
    synchronized (recent) {
      last = new ArrayList<>(recent);
    }
    String err;
    try {
      err = Files.exists(stderr) ? Files.readString(stderr) : "(none)";
    } catch (IOException e) {
      err = "(unreadable: " + e + ")";
    }
    if (err.length() > 6000) {
      err = "..." + err.substring(err.length() - 6000);
    }
    return "child " + name + " (pid " + process.pid() + ", " + state + ", " + acks.get() + " acks; last lines "
        + last + "; stderr " + stderr + ":\n" + err + ")";
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes every child, whatever fails. */
  static void closeAll(List<FleetChild> children) {
    for (FleetChild child : children) {
      try {
        child.close();
      } catch (RuntimeException ignored) {
        // the others still get closed
      }
    }
    children.clear();
  }

  /** Helper for tests: the stderr of every child, for a failure message. */
  static String describeAll(List<FleetChild> children) {
    StringBuilder text = new StringBuilder();
    for (FleetChild child : children) {
      text.append('\n').append(child.describe());
    }
    return text.toString();
  }
}

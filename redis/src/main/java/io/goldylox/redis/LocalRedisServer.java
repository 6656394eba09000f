package io.goldylox.redis;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away local {@code redis-server}, for the samples and benchmarks (and a developer trying the Redis tier):
 * a free loopback port, no persistence, its files in a temporary directory that {@link #close} removes; a
 * shutdown hook stops it if the program dies first. Production runs against a Redis that is already there: this
 * is never used by a cache. Used by the thread that starts it (and the hook).
 */
public final class LocalRedisServer implements AutoCloseable {

  /** Thrown when there is no {@code redis-server} to start; its message says how to install one. */
  public static final class NotInstalled extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NotInstalled(String message) {
      super(message);
    }
  }

  private static final long START_TIMEOUT_MILLIS = 10_000;

  private final int port;
  private final Path dir;
  private final Process process;
  private final Thread hook;

  private LocalRedisServer(int port, Path dir, Process process) {
    this.port = port;
    this.dir = dir;
    this.process = process;
    this.hook = new Thread(this::stop, "redis-server-" + port + "-stopper");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Starts {@code redis-server --port P --bind 127.0.0.1 --save "" --appendonly no --dir <tmp>} and returns once
   * it answers PING.
   *
   * @throws NotInstalled if {@code redis-server} is not on the PATH
   */
  public static LocalRedisServer start() throws IOException, InterruptedException {
    String executable = executable();
    int port = freePort();
    Path dir = Files.createTempDirectory("goldylox-local-redis");
    Path log = dir.resolve("redis.log");
    Process process = new ProcessBuilder(List.of(executable, "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
        "--daemonize", "no", "--loglevel", "warning"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    LocalRedisServer server = new LocalRedisServer(port, dir, process);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
    while (!server.answersPing()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String output = Files.readString(log);
        server.close();
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within "
            + START_TIMEOUT_MILLIS + " ms" + (process.isAlive() ? "" : " (it exited)") + ": " + output);
      }
      Thread.sleep(20);
    }
    return server;
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT/0}. */
  public String uri() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  /** The server's process id. */
  public long pid() {
    return process.pid();
  }

  /** The first line of {@code redis-server --version}, or "?". */
  public static String version() {
    try {
      Process version = new ProcessBuilder(executable(), "--version").redirectErrorStream(true).start();
      String text = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      version.waitFor(5, TimeUnit.SECONDS);
      return text.lines().findFirst().orElse("?");
    } catch (IOException | IllegalStateException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook runs anyway
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; best effort
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it. */
  private void stop() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      socket.setSoTimeout(1000);
      socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      byte[] reply = new byte[5];
      int read = socket.getInputStream().readNBytes(reply, 0, reply.length);
      return read == 5 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private static String executable() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        Path candidate = Path.of(entry, "redis-server");
        if (Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    throw new NotInstalled("redis-server is not on the PATH, and this program starts one of its own. Install it "
        + "(Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run it again.");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}

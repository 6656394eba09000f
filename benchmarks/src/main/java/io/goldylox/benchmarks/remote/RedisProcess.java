package io.goldylox.benchmarks.remote;

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
 * A {@code redis-server} of the benchmark's own on a free loopback port: no persistence, its files in a temporary
 * directory, stopped on {@link #close} or by a shutdown hook. Fails, saying how to install it, when
 * {@code redis-server} is not on the PATH. Used from the benchmark's main thread (and the hook).
 */
final class RedisProcess implements AutoCloseable {

  private static final long START_TIMEOUT_MILLIS = 10_000;

  private final int port;
  private final Path dir;
  private final Process process;
  private final Thread hook;

  private RedisProcess(int port, Path dir, Process process) {
    this.port = port;
    this.dir = dir;
    this.process = process;
    this.hook = new Thread(this::stop, "redis-server-" + port + "-stopper");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts {@code redis-server} and returns once it answers PING. */
  static RedisProcess start() throws IOException, InterruptedException {
    String executable = executable();
    int port = freePort();
    Path dir = Files.createTempDirectory("goldylox-bench-redis");
    Path log = dir.resolve("redis.log");
    Process process = new ProcessBuilder(List.of(executable, "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
        "--daemonize", "no", "--loglevel", "warning"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    RedisProcess server = new RedisProcess(port, dir, process);
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

  int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT/0}. */
  String uri() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  /** The first line of {@code redis-server --version}, for the report. */
  static String version() {
    try {
      Process process = new ProcessBuilder(executable(), "--version").redirectErrorStream(true).start();
      String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      process.waitFor(5, TimeUnit.SECONDS);
      return text.lines().findFirst().orElse("?");
    } catch (IOException e) {
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
    throw new IllegalStateException("redis-server is not on the PATH: this benchmark starts one of its own. "
        + "Install it (apt-get install redis-server, or brew install redis) and run it again.");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}

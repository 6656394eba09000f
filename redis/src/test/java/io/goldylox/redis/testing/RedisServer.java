package io.goldylox.redis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} process on a free loopback port, for tests: no persistence, its files in a temporary
 * directory, optionally with {@code requirepass}. {@link #kill9} and {@link #start} again (on the same port) make
 * an outage. Killed by a JVM shutdown hook too, so a crashed run leaves no server behind.
 *
 * <pre>{@code
 * try (RedisServer server = new RedisServer().start()) { ... server.uri() ... }
 * }</pre>
 *
 * <p>Never skips: without {@code redis-server} on the PATH it fails, saying how to install it. Used from the test
 * thread only (and the shutdown hook).
 */
public final class RedisServer implements AutoCloseable {

  private static final long START_TIMEOUT_MILLIS = 10_000;

  private final int port;
  private final String password;
  private final Path dir;
  private final Thread hook;
  private final String executable;
  private volatile Process process;

  /** A server without a password, not started yet ({@link #start}). */
  public RedisServer() {
    this(null);
  }

  /** A server that will require {@code password} (null for none), not started yet ({@link #start}). */
  public RedisServer(String password) {
    this.executable = executable();
    this.port = freePort();
    this.password = password;
    try {
      this.dir = Files.createTempDirectory("goldylox-redis-test");
    } catch (IOException e) {
      throw new IllegalStateException("Cannot create a directory for redis-server: " + e, e);
    }
    this.hook = new Thread(this::destroy, "redis-server-" + port + "-stopper");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT/0}. */
  public String uri() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  /** Kills the process with SIGKILL (no shutdown, no goodbye to clients) and waits until it is gone. */
  public void kill9() {
    Process running = process;
    if (running == null) {
      return;
    }
    running.destroyForcibly();
    try {
      if (!running.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("redis-server on port " + port + " did not die within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    process = null;
  }

  /**
   * Starts the process (the first time, or again after {@link #kill9}, on the same port; its data is then gone)
   * and returns once it answers PING.
   */
  public RedisServer start() {
    if (process != null) {
      throw new IllegalStateException("redis-server on port " + port + " is already running");
    }
    try {
      launch(executable);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot start redis-server: " + e, e);
    }
    return this;
  }

  /** Deletes every key of every database. */
  public void flushAll() {
    String reply = command("FLUSHALL");
    if (!reply.startsWith("+OK")) {
      throw new IllegalStateException("FLUSHALL answered " + reply);
    }
  }

  /**
   * Sends one inline command (after AUTH when there is a password) and returns the first line of its reply, or
   * the whole of a bulk string reply (INFO, GET).
   */
  public String command(String inline) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      if (password != null) {
        out.write(("AUTH " + password + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String auth = readLine(in);
        if (!auth.startsWith("+OK")) {
          throw new IllegalStateException("AUTH answered " + auth);
        }
      }
      out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      String line = readLine(in);
      if (!line.startsWith("$") || line.equals("$-1")) {
        return line;
      }
      return new String(in.readNBytes(Integer.parseInt(line.substring(1))), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("redis-server on port " + port + " did not answer " + inline + ": " + e, e);
    }
  }

  @Override
  public void close() {
    destroy();
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

  private void destroy() {
    Process running = process;
    if (running != null) {
      running.destroyForcibly();
      try {
        running.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  private void launch(String executable) throws IOException {
    List<String> command = new ArrayList<>(List.of(executable,
        "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", dir.toString(), "--daemonize", "no", "--loglevel", "warning"));
    if (password != null) {
      command.add("--requirepass");
      command.add(password);
    }
    Path log = dir.resolve("redis-" + System.nanoTime() + ".log");
    process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + process.exitValue() + " on port " + port
            + ": " + Files.readString(log));
      }
      if (answersPing()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    destroy();
    throw new IllegalStateException("redis-server did not answer PING on port " + port + " within "
        + START_TIMEOUT_MILLIS + " ms: " + Files.readString(log));
  }

  /** Whether the port answers PING (+PONG, or -NOAUTH when a password is required). */
  private boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      socket.setSoTimeout(1000);
      socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      String reply = readLine(socket.getInputStream());
      return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH");
    } catch (IOException e) {
      return false;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  private static String executable() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(entry, "redis-server");
        if (Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    throw new IllegalStateException("redis-server is not on the PATH; the goldylox-redis tests need a real one:"
        + " install it (apt-get install redis-server, or brew install redis)");
  }

  /** A loopback port nobody listens on right now. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("No free port: " + e, e);
    }
  }
}

package io.goldylox.redis;

import static io.goldylox.redis.testing.RecordingListener.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.goldylox.config.RemoteConfig;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.remote.RemoteStoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Opening a store where there is no usable Redis fails soon, with a message naming the masked URI and the reason,
 * and leaves no Lettuce thread behind.
 */
class RedisOpenFailureTest {

  private static final String PASSWORD = "s3cret-pw";
  private static final Duration TIMEOUT = Duration.ofMillis(500);

  private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  /** A scheme no module handles, with goldylox-redis on the class path: the message says so, not "add it". */
  @Test
  void aSchemeNoStoreHandlesIsNamedWithTheStoresFound() {
    RemoteStoreException e = catchThrowableOfType(() -> io.goldylox.remote.RemoteStores.open(
        RemoteConfig.builder("http://127.0.0.1:1/0").build(), "c", getClass().getClassLoader(), null),
        RemoteStoreException.class);
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("handles the scheme 'http'").contains(RedisRemoteStoreFactory.class.getName())
        .contains("redis:// and rediss://").doesNotContain("add io.goldylox:goldylox-redis");
  }

  @Test
  void nobodyListening() {
    String uri = "redis://127.0.0.1:" + RedisServer.freePort() + "/0";
    RemoteStoreException e = failsToOpen(RemoteConfig.builder(uri).password(PASSWORD).build());
    assertThat(e).hasMessageContaining(uri).hasMessageContaining("cannot connect");
  }

  /** A database number the server does not have was reported as "unreachable" (new-user trial). */
  @Test
  void aDatabaseTheServerDoesNotHave() {
    RedisServer server = new RedisServer().start();
    resources.add(server);
    String uri = server.uri().substring(0, server.uri().lastIndexOf('/')) + "/99";
    RemoteStoreException e = failsToOpen(RemoteConfig.builder(uri).build());
    assertThat(e).hasMessageContaining(uri).hasMessageContaining("no database of the URI's number")
        .hasMessageNotContaining("unreachable");
  }

  @Test
  void wrongPassword() {
    RedisServer server = new RedisServer("right-pw").start();
    resources.add(server);
    RemoteStoreException e = failsToOpen(RemoteConfig.builder(server.uri()).password(PASSWORD).build());
    assertThat(e).hasMessageContaining(server.uri()).hasMessageContaining("authentication failed");

    // No password at all where one is required.
    RemoteStoreException none = failsToOpen(RemoteConfig.builder(server.uri()).build());
    assertThat(none).hasMessageContaining("authentication failed");

    // A wrong password written in the URI is masked too.
    String inUri = "redis://:" + PASSWORD + "@127.0.0.1:" + server.port() + "/0";
    RemoteStoreException masked = failsToOpen(RemoteConfig.builder(inUri).build());
    assertThat(masked).hasMessageContaining("redis://:***@127.0.0.1:" + server.port() + "/0")
        .hasMessageContaining("authentication failed");
  }

  @Test
  void theRightPasswordOpens() {
    RedisServer server = new RedisServer(PASSWORD).start();
    resources.add(server);
    try (RedisRemoteStore store = RedisRemoteStore.open(
        RemoteConfig.builder(server.uri()).password(PASSWORD).timeout(Duration.ofSeconds(2)).build(), "c")) {
      assertThat(store.get(new byte[] {1})).isNull();
      assertThat(store.toString()).doesNotContain(PASSWORD);
      assertThat(lettuceThreads()).as("the thread check below would be vacuous").isNotEmpty();
    }
    String inUri = "redis://default:" + PASSWORD + "@127.0.0.1:" + server.port() + "/0";
    try (RedisRemoteStore store = RedisRemoteStore.open(
        RemoteConfig.builder(inUri).timeout(Duration.ofSeconds(2)).build(), "c")) {
      assertThat(store.size()).isZero();
      assertThat(store.describe()).doesNotContain(PASSWORD).contains("default:***@");
    }
    // Closed: nothing of Lettuce's is left, and Netty's global executor (non-daemon) stops by itself soon after.
    assertThat(await(() -> lettuceThreads().isEmpty() && nonDaemonNettyThreads().isEmpty(), Duration.ofSeconds(10)))
        .as("threads left: %s %s", lettuceThreads(), nonDaemonNettyThreads()).isTrue();
  }

  @Test
  void aPortThatAcceptsAndNeverAnswers() throws IOException {
    FakeServer silent = new FakeServer(null);
    resources.add(silent);
    String uri = "redis://127.0.0.1:" + silent.port() + "/0";
    RemoteStoreException e = failsToOpen(RemoteConfig.builder(uri).password(PASSWORD).build());
    assertThat(e).hasMessageContaining(uri).hasMessageContaining("no answer within PT2S")
        .as("opening is bounded by max(timeout, 2 s), not the command timeout 0.5 s");
    assertThat(silent.accepted()).isPositive();
  }

  @Test
  void aPortThatAnswersGarbage() throws IOException {
    FakeServer http = new FakeServer("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    resources.add(http);
    String uri = "redis://127.0.0.1:" + http.port() + "/0";
    RemoteStoreException e = failsToOpen(RemoteConfig.builder(uri).password(PASSWORD).build());
    assertThat(e).hasMessageContaining(uri).hasMessageContaining("not the Redis protocol");
  }

  /** Opens, expects a RemoteStoreException soon, and checks what it says and what is left running. */
  private static RemoteStoreException failsToOpen(RemoteConfig config) {
    RemoteConfig bounded = RemoteConfig.builder(config.uri().toString()).timeout(TIMEOUT)
        .password(config.password()).build();
    long start = System.nanoTime();
    RemoteStoreException e = catchThrowableOfType(RemoteStoreException.class,
        () -> RedisRemoteStore.open(bounded, "c").close());
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(e).as("open must fail").isNotNull();
    assertThat(millis).as("open failed after %d ms", millis).isLessThan(5_000);
    assertThat(e).hasMessageContaining("Cache 'c'");
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString()).doesNotContain(PASSWORD);
    assertThat(await(() -> lettuceThreads().isEmpty(), Duration.ofSeconds(5)))
        .as("Lettuce threads left: %s", lettuceThreads()).isTrue();
    return e;
  }

  static List<String> lettuceThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(name -> name.toLowerCase().contains("lettuce")).collect(Collectors.toList());
  }

  static List<String> nonDaemonNettyThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !t.isDaemon())
        .map(Thread::getName).filter(name -> name.contains("EventExecutor") || name.contains("EventLoop"))
        .collect(Collectors.toList());
  }

  /**
   * A TCP server that accepts connections and either never answers or answers the first bytes it receives with
   * {@code reply} (not Redis).
   */
  private static final class FakeServer implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    FakeServer(String reply) throws IOException {
      acceptor = new Thread(() -> {
        while (!socket.isClosed()) {
          try {
            Socket client = socket.accept();
            clients.add(client);
            if (reply != null) {
              // Like an HTTP server: it answers what it is sent (here, Lettuce's HELLO).
              client.setSoTimeout(5_000);
              if (client.getInputStream().read() >= 0) {
                client.getOutputStream().write(reply.getBytes(StandardCharsets.US_ASCII));
                client.getOutputStream().flush();
              }
            }
          } catch (IOException e) {
            return;
          }
        }
      }, "fake-server-" + socket.getLocalPort());
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    int accepted() {
      return clients.size();
    }

    @Override
    public void close() throws IOException, InterruptedException {
      socket.close();
      for (Socket client : clients) {
        client.close();
      }
      acceptor.join(5_000);
    }
  }
}

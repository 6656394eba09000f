package io.goldylox.redis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy on a loopback port in front of a real server that holds back every chunk, in both directions, by
 * {@link #delayMillis(long)}: a server that answers, but later than a client's timeout (a brownout); and that can
 * {@link #freeze} one connection: its bytes are read and dropped while the socket stays open (a half-open link).
 * Each direction of each connection has a thread reading and a scheduler writing in order. Closing it closes the
 * listening socket; the daemon threads end with their connections.
 */
public final class DelayingProxy implements AutoCloseable {

  private final ServerSocket listening;
  private volatile long delayMillis;
  /** Per connection, in accept order: whether it is frozen. */
  private final List<AtomicBoolean> connections = new CopyOnWriteArrayList<>();

  public DelayingProxy(int serverPort) throws IOException {
    listening = new ServerSocket();
    listening.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread acceptor = new Thread(() -> {
      while (!listening.isClosed()) {
        try {
          Socket client = listening.accept();
          Socket upstream = new Socket("127.0.0.1", serverPort);
          AtomicBoolean frozen = new AtomicBoolean();
          connections.add(frozen);
          pump(client.getInputStream(), upstream.getOutputStream(), frozen);
          pump(upstream.getInputStream(), client.getOutputStream(), frozen);
        } catch (IOException e) {
          return; // closed
        }
      }
    }, "delaying-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public String uri() {
    return "redis://127.0.0.1:" + listening.getLocalPort() + "/0";
  }

  public void delayMillis(long millis) {
    this.delayMillis = millis;
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.size();
  }

  /** From now on drops what connection {@code index} (in accept order, from 0) carries, both ways. */
  public void freeze(int index) {
    connections.get(index).set(true);
  }

  private void pump(InputStream in, OutputStream out, AtomicBoolean frozen) {
    ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "delaying-proxy-writer");
      thread.setDaemon(true);
      return thread;
    });
    Thread reader = new Thread(() -> {
      byte[] buffer = new byte[65536];
      try {
        for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
          if (frozen.get()) {
            continue;
          }
          byte[] chunk = Arrays.copyOf(buffer, n);
          later.schedule(() -> {
            try {
              out.write(chunk);
              out.flush();
            } catch (IOException e) {
              // the other side closed
            }
          }, delayMillis, TimeUnit.MILLISECONDS);
        }
      } catch (IOException e) {
        // closed
      } finally {
        later.shutdown();
      }
    }, "delaying-proxy-reader");
    reader.setDaemon(true);
    reader.start();
  }

  @Override
  public void close() throws IOException {
    listening.close();
  }
}

package io.goldylox.redis.testing;

import io.goldylox.remote.RemoteStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** An {@link RemoteStore.InvalidationListener} that records what it is told, with bounded waits for tests. */
public final class RecordingListener implements RemoteStore.InvalidationListener {

  public final List<String> invalidated = new CopyOnWriteArrayList<>();
  public final AtomicInteger cleared = new AtomicInteger();
  public final AtomicInteger connected = new AtomicInteger();
  public final AtomicInteger disconnected = new AtomicInteger();
  /** Every call, in order: "k:<key>", "cleared", "connected", "disconnected". */
  public final List<String> events = new CopyOnWriteArrayList<>();

  @Override
  public void invalidated(byte[] key) {
    String text = new String(key, StandardCharsets.UTF_8);
    invalidated.add(text);
    events.add("k:" + text);
  }

  @Override
  public void cleared() {
    cleared.incrementAndGet();
    events.add("cleared");
  }

  @Override
  public void disconnected() {
    disconnected.incrementAndGet();
    events.add("disconnected");
  }

  @Override
  public void connected() {
    connected.incrementAndGet();
    events.add("connected");
  }

  /** Waits until {@code condition} holds, at most {@code within}; false if it never did. */
  public static boolean await(BooleanSupplier condition, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}

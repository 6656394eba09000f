package io.goldylox.tck;

import io.goldylox.redis.testing.RedisServer;
import org.junit.runner.Description;
import org.junit.runner.Result;
import org.junit.runner.notification.RunListener;

/**
 * The TCK's fourth run (tck-redis.conf): starts a real {@code redis-server} on a free loopback port before the
 * first test, publishes its URI as the system property {@code goldylox.tck.redis.uri} (which the configuration
 * file substitutes), and empties it before each test, as each TCK test expects to start with no entries. Registered
 * as Surefire's JUnit listener for that run only; called on the test thread.
 */
public final class RedisForTck extends RunListener {

  private RedisServer server;

  @Override
  public void testRunStarted(Description description) {
    start();
  }

  @Override
  public void testStarted(Description description) {
    start(); // Surefire may not report the run's start to a listener: the first test starts the server then
    server.flushAll();
  }

  @Override
  public void testRunFinished(Result result) {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  private void start() {
    if (server == null) {
      server = new RedisServer().start();
      System.setProperty("goldylox.tck.redis.uri", server.uri());
    }
  }
}

package io.goldylox.redis.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link RedisServer} for a whole JUnit 5 test class: started before its first test, stopped after its last.
 * {@link RedisServer} itself stays free of JUnit 5, since the JUnit 4 TCK runner uses it too.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension redis = new RedisServerExtension();
 * static final RedisServer server = redis.server();
 * }</pre>
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {

  private final RedisServer server;

  /** A server without a password. */
  public RedisServerExtension() {
    this(new RedisServer());
  }

  /** A server with {@code requirepass password}. */
  public RedisServerExtension(String password) {
    this(new RedisServer(password));
  }

  private RedisServerExtension(RedisServer server) {
    this.server = server;
  }

  /** The server (not started until the class's first test). */
  public RedisServer server() {
    return server;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    server.close();
  }
}

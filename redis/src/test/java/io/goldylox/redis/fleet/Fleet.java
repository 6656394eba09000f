package io.goldylox.redis.fleet;

import io.goldylox.config.RemoteConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.cache.Cache;
import javax.cache.CacheManager;

/**
 * What one fleet test starts, and closes again whatever happens: child JVMs ({@link FleetChild}), the parent's own
 * nodes (cache managers in this JVM) and a directory for the children's stderr files. The Redis settings of every
 * node are the same ({@link #nodeArgs}, {@link #remote}).
 */
final class Fleet implements AutoCloseable {

  final String uri;
  final String prefix;
  final long timeoutMillis;
  final long lockWaitMillis;
  final long leaseMillis;
  final Path dir;
  private final List<FleetChild> children = new ArrayList<>();
  private final List<CacheManager> managers = new ArrayList<>();

  Fleet(String uri, String prefix, long timeoutMillis, long lockWaitMillis, long leaseMillis) throws IOException {
    this.uri = uri;
    this.prefix = prefix;
    this.timeoutMillis = timeoutMillis;
    this.lockWaitMillis = lockWaitMillis;
    this.leaseMillis = leaseMillis;
    this.dir = Files.createTempDirectory("goldylox-fleet");
  }

  RemoteConfig remote() {
    return FleetNode.remote(uri, prefix, timeoutMillis, lockWaitMillis, leaseMillis);
  }

  /** A child node running {@code mode}: started and ready (its cache open). */
  FleetChild child(String name, String... mode) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of(uri, prefix, Long.toString(timeoutMillis),
        Long.toString(lockWaitMillis), Long.toString(leaseMillis)));
    args.addAll(List.of(mode));
    FleetChild child = FleetChild.start(name, dir, args);
    children.add(child);
    return child;
  }

  /** A node in this JVM (a cache manager of its own) with the fleet's settings. */
  <V> Cache<String, V> parentNode(String name, Class<V> valueType) {
    Cache<String, V> cache = FleetNode.open("fleet-parent-" + name + "-" + System.nanoTime(), valueType, remote());
    managers.add(cache.getCacheManager());
    return cache;
  }

  /** Every child's state, last lines and stderr, for assertion messages. */
  String describeChildren() {
    return FleetChild.describeAll(children);
  }

  @Override
  public void close() {
    FleetChild.closeAll(children);
    for (CacheManager manager : managers) {
      try {
        manager.close();
      } catch (RuntimeException ignored) {
        // the others still get closed
      }
    }
    managers.clear();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; best effort
    }
  }
}

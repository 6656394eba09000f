package io.goldylox.redis.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.config.GoldyloxConfiguration;
import io.goldylox.config.WriteBehindConfig;
import io.goldylox.redis.testing.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write-behind stays local under a shared Redis tier: three nodes share one cache, each journals what it accepted
 * in its own journal (real Chronicle journals in temporary directories), and the one store behind them receives
 * every write exactly once, from the node that accepted it, never once per node.
 */
class WriteBehindFleetTest {

  /** The store every node writes to: how often each key was written, and by whom. */
  static final Map<String, AtomicInteger> WRITES = new ConcurrentHashMap<>();
  static final Map<String, String> WRITTEN = new ConcurrentHashMap<>();

  /** A writer that records into the shared store. */
  public static final class SharedStoreWriter implements CacheWriter<String, String> {
    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      WRITES.computeIfAbsent(entry.getKey(), k -> new AtomicInteger()).incrementAndGet();
      WRITTEN.put(entry.getKey(), entry.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      entries.forEach(this::write);
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      WRITTEN.remove(key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      keys.forEach(this::delete);
      keys.clear();
    }
  }

  @TempDir
  Path dir;

  @Test
  void eachWriteReachesTheWriterOnceFromTheNodeThatAcceptedIt() {
    try (RedisServer server = new RedisServer().start(); Nodes nodes = new Nodes(server.uri())) {
      List<Cache<String, String>> fleet = new ArrayList<>();
      for (String node : List.of("wb-a", "wb-b", "wb-c")) {
        fleet.add(nodes.cache(node, "orders", GoldyloxConfiguration.builder(String.class, String.class)
            .remote(nodes.remote("orders").build())
            .writeBehind(WriteBehindConfig.builder().writer(FactoryBuilder.factoryOf(SharedStoreWriter.class))
                .journal(dir.resolve(node)).maxDelay(Duration.ofMillis(10)).build())
            .build()));
      }
      int keys = 600;
      for (int i = 0; i < keys; i++) {
        fleet.get(i % 3).put("order" + i, "node" + (i % 3));
      }
      for (int i = 0; i < keys; i++) {
        assertThat(fleet.get((i + 1) % 3).get("order" + i)).as("every node reads every write")
            .isEqualTo("node" + (i % 3));
      }
      nodes.close(); // close() delivers what is pending
      assertThat(WRITES).hasSize(keys);
      assertThat(WRITES.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
      for (int i = 0; i < keys; i++) {
        assertThat(WRITTEN.get("order" + i)).isEqualTo("node" + (i % 3));
      }
    }
  }
}

package io.goldylox.redis.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.cache.AsyncCache;
import io.goldylox.cache.GoldyloxCache;
import io.goldylox.remote.NearCacheTier;
import io.goldylox.remote.RemoteMetrics;
import io.goldylox.remote.RemoteStoreException;
import io.goldylox.redis.testing.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.processor.EntryProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The asynchronous view over a real Redis tier: a remote read completes without a thread of ours waiting (on the
 * client's I/O thread) and fills the near cache afterwards; changes run on the async threads and stay atomic;
 * with Redis gone, the stages fail with the store's error instead of hanging.
 */
class AsyncRemoteTest {

  private RedisServer server;
  private Nodes nodes;

  @BeforeEach
  void start() {
    server = new RedisServer().start();
    nodes = new Nodes(server.uri());
  }

  @AfterEach
  void stop() {
    nodes.close();
    server.close();
  }

  private static RemoteMetrics metrics(Cache<?, ?> cache) {
    return ((NearCacheTier<?>) cache.unwrap(GoldyloxCache.class).tier()).metrics();
  }

  @Test
  void remoteReadsAndChangesCompleteWithoutTheCallerWaiting() throws Exception {
    Cache<String, Long> a = nodes.cache("async-a", "async", String.class, Long.class);
    Cache<String, Long> b = nodes.cache("async-b", "async", String.class, Long.class);
    AsyncCache<String, Long> asyncA = a.unwrap(AsyncCache.class);
    AsyncCache<String, Long> asyncB = b.unwrap(AsyncCache.class);

    List<CompletableFuture<Void>> puts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      puts.add(asyncA.putAsync("k" + i, (long) i).toCompletableFuture());
    }
    CompletableFuture.allOf(puts.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);

    List<CompletableFuture<Long>> reads = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      reads.add(asyncB.getAsync("k" + i).toCompletableFuture());
    }
    for (int i = 0; i < 200; i++) {
      assertThat(reads.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i);
    }
    assertThat(metrics(b).remoteHits()).isEqualTo(200);
    // The fills ran on b's invalidation worker: soon every read is a near hit, completed on the caller.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    for (int i = 0; i < 200; i++) {
      while (true) {
        long trips = metrics(b).roundTrips();
        CompletableFuture<Long> read = asyncB.getAsync("k" + i).toCompletableFuture();
        if (read.isDone() && metrics(b).roundTrips() == trips) {
          assertThat(read).isCompletedWithValue((long) i); // a near hit, completed on the caller
          break;
        }
        assertThat(System.nanoTime()).as("k%d reaches the near cache", i).isLessThan(deadline);
        read.get(10, TimeUnit.SECONDS);
        Thread.sleep(5);
      }
    }

    EntryProcessor<String, Long, Long> increment = (entry, args) -> {
      entry.setValue(entry.exists() ? entry.getValue() + 1 : 1L);
      return entry.getValue();
    };
    List<CompletableFuture<Long>> increments = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      increments.add((i % 2 == 0 ? asyncA : asyncB).invokeAsync("counter", increment).toCompletableFuture());
    }
    CompletableFuture.allOf(increments.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
    assertThat(a.get("counter")).isEqualTo(500L);
    assertThat(asyncB.removeAsync("counter").toCompletableFuture().get(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void withRedisGoneTheStagesFailInsteadOfHanging() throws Exception {
    Cache<String, Long> a = nodes.cache("async-c", "gone", String.class, Long.class);
    AsyncCache<String, Long> async = a.unwrap(AsyncCache.class);
    server.kill9();
    long start = System.nanoTime();
    CompletableFuture<Long> read = async.getAsync("k").toCompletableFuture();
    CompletableFuture<Void> write = async.putAsync("k", 1L).toCompletableFuture();
    assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RemoteStoreException.class).hasMessageContaining("127.0.0.1:" + server.port());
    assertThatThrownBy(() -> write.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RemoteStoreException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(8_000);
  }
}

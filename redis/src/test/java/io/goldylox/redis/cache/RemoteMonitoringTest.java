package io.goldylox.redis.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.jmx.GoldyloxCacheMetrics;
import io.goldylox.jmx.GoldyloxMBeans;
import io.goldylox.jmx.RemoteMXBean;
import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code Remote} bean and the {@code goldylox.remote.*} meters of a cache over a real Redis tier count what
 * the cache did: remote hits and misses, round trips, invalidations each way; the store is named with its
 * password masked.
 */
class RemoteMonitoringTest {

  /** A real redis-server: started before this class's first test, stopped after its last. */
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension("s3cret-pw");
  static final RedisServer server = redis.server();

  @Test
  void theBeanAndTheMetersCountWhatTheCacheDid() throws Exception {
    String uri = "redis://default:s3cret-pw@127.0.0.1:" + server.port() + "/0";
    try (Nodes nodes = new Nodes(uri)) {
      Cache<String, String> a = nodes.cache("monitor-a", "monitored", String.class, String.class);
      Cache<String, String> b = nodes.cache("monitor-b", "monitored", String.class, String.class);
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      GoldyloxCacheMetrics.monitor(registry, b, Tags.empty());
      MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
      ObjectName name = GoldyloxMBeans.objectName(b, "Remote");
      RemoteMXBean bean = JMX.newMXBeanProxy(mbeans, name, RemoteMXBean.class);

      assertThat(b.get("absent")).isNull();
      a.put("k", "v");
      long deadline = System.nanoTime() + 15_000_000_000L;
      while (bean.getInvalidationsReceived() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      assertThat(b.get("k")).isEqualTo("v");
      b.put("k", "w");

      assertThat(bean.getStore()).contains("127.0.0.1:" + server.port()).contains("***")
          .doesNotContain("s3cret-pw");
      assertThat(bean.isCoherent()).isTrue();
      assertThat(bean.getRemoteMisses()).isEqualTo(1);
      assertThat(bean.getRemoteHits()).isEqualTo(1);
      assertThat(bean.getInvalidationsReceived()).isEqualTo(1);
      assertThat(bean.getInvalidationsSent()).isEqualTo(1);
      assertThat(bean.getRoundTrips()).isGreaterThanOrEqualTo(3);
      assertThat(bean.getMeanRoundTripMicros()).isPositive();
      assertThat(bean.getFailures()).isZero();
      assertThat(registry.get("goldylox.remote.hits").functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("goldylox.remote.misses").functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("goldylox.remote.invalidations.sent").functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("goldylox.remote.coherent").gauge().value()).isEqualTo(1);
      io.micrometer.core.instrument.FunctionTimer roundTrip = registry.get("goldylox.remote.round.trip").functionTimer();
      assertThat(roundTrip.count()).isEqualTo(bean.getRoundTrips());
      assertThat(roundTrip.totalTime(TimeUnit.MICROSECONDS)).isPositive();
    }
  }
}

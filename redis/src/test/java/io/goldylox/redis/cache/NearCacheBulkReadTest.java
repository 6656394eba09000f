package io.goldylox.redis.cache;

import static io.goldylox.redis.cache.Nodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.redis.testing.RedisServer;
import io.goldylox.redis.testing.RedisServerExtension;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code getAll} over a real {@code redis-server}: the keys a node's near cache misses are read together, a page
 * of 256 a round trip, not one round trip each, and what it reads fills the near cache as single reads do.
 */
class NearCacheBulkReadTest {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final RedisServer server = redis.server();
  /** This test's nodes on the class's server (emptied before each test), closed after it. */
  @RegisterExtension
  final Nodes nodes = Nodes.fleetOn(server);

  @Test
  void theMissesOfAGetAllAreReadAPageARoundTrip() throws Exception {
    Cache<String, String> a = nodes.cache("a", "bulk", String.class, String.class);
    Cache<String, String> b = nodes.cache("b", "bulk", String.class, String.class);
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 1_000; i++) {
      a.put("k" + i, "v" + i);
      expected.put("k" + i, "v" + i);
    }
    await(() -> Nodes.near(b).metrics().invalidationsReceived() == 1_000 && Nodes.near(b).invalidationBacklog() == 0,
        "b was told of the puts (none can drop a near copy later)");
    for (int i = 0; i < 100; i++) {
      assertThat(b.get("k" + i)).isEqualTo("v" + i); // near copies on b for the first hundred
    }
    Set<String> keys = new LinkedHashSet<>(expected.keySet());
    keys.add("absent-1");
    keys.add("absent-2");

    long roundTrips = Nodes.near(b).metrics().roundTrips();
    assertThat(b.getAll(keys)).isEqualTo(expected);
    assertThat(Nodes.near(b).metrics().roundTrips() - roundTrips).as("902 misses, 256 keys a round trip").isEqualTo(4);
    assertThat(Nodes.near(b).local().size()).as("what was read fills the near cache").isEqualTo(1_000);

    long invalidations = Nodes.near(b).metrics().invalidationsReceived();
    a.put("k7", "changed"); // b's near copy of k7 is invalidated
    await(() -> Nodes.near(b).metrics().invalidationsReceived() > invalidations
        && Nodes.near(b).invalidationBacklog() == 0,
        "b was told of the change");
    roundTrips = Nodes.near(b).metrics().roundTrips();
    expected.put("k7", "changed");
    assertThat(b.getAll(keys)).isEqualTo(expected);
    assertThat(Nodes.near(b).metrics().roundTrips() - roundTrips).as("k7 and the two absent keys: one page")
        .isEqualTo(1);
  }

  /**
   * A putAll on a plain cache (no writer, no listener, eternal) is a plain put per key: one round trip each, not
   * the locked step's two (new-user trial: putAll was twice as slow as a loop of puts), and other nodes see it.
   */
  @Test
  void aPlainPutAllIsOneRoundTripAKey() throws Exception {
    Cache<String, String> a = nodes.cache("a", "bulkput", String.class, String.class);
    Cache<String, String> b = nodes.cache("b", "bulkput", String.class, String.class);
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < 500; i++) {
      values.put("k" + i, "v" + i);
    }
    assertThat(b.get("k1")).isNull(); // b reads nothing into its near cache but this miss
    long roundTrips = Nodes.near(a).metrics().roundTrips();
    a.putAll(values);
    assertThat(Nodes.near(a).metrics().roundTrips() - roundTrips).isEqualTo(500);
    assertThat(b.getAll(values.keySet())).isEqualTo(values);
  }
}

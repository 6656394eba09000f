package io.goldylox.jmx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.spi.GoldyloxCacheManager;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GoldyloxMBeansTest {

  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
  private CacheManager manager;

  @AfterEach
  void closeManager() {
    if (manager != null) {
      for (String name : manager.getCacheNames()) {
        GoldyloxMBeans.unregister(manager.getCache(name));
      }
      manager.close();
    }
  }

  private Cache<String, String> newCache(String name, boolean statistics) {
    if (manager == null) {
      manager = TestCaches.newManager();
    }
    return manager.createCache(name, new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class).setStatisticsEnabled(statistics));
  }

  private long attribute(Cache<?, ?> cache, String type, String attribute) throws Exception {
    return (Long) server.getAttribute(GoldyloxMBeans.objectName(cache, type), attribute);
  }

  @Test
  void cacheBeanReportsTheOperationsDoneAndFollowsStatisticsTurnedOnAtRuntime() throws Exception {
    Cache<String, String> cache = newCache("accounts", false);
    GoldyloxMBeans.register(cache);
    ObjectName name = GoldyloxMBeans.objectName(cache, "Cache");

    cache.put("a", "1");
    cache.put("b", "2");
    cache.get("a");
    assertThat(server.getAttribute(name, "StatisticsEnabled")).isEqualTo(false);
    assertThat(attribute(cache, "Cache", "Size")).isEqualTo(2);
    assertThat(attribute(cache, "Cache", "Puts")).isZero();
    assertThat(attribute(cache, "Cache", "Hits")).isZero();

    manager.enableStatistics("accounts", true);
    cache.put("c", "3");
    cache.get("a");
    cache.get("b");
    cache.get("c");
    cache.get("missing");
    cache.remove("a");
    cache.remove("missing");

    assertThat(server.getAttribute(name, "StatisticsEnabled")).isEqualTo(true);
    GoldyloxCacheMXBean bean = JMX.newMXBeanProxy(server, name, GoldyloxCacheMXBean.class);
    assertThat(bean.getSize()).isEqualTo(2);
    assertThat(bean.getPuts()).isEqualTo(1);
    assertThat(bean.getHits()).isEqualTo(3);
    assertThat(bean.getMisses()).isEqualTo(1);
    assertThat(bean.getGets()).isEqualTo(4);
    assertThat(bean.getRemovals()).isEqualTo(1);
    assertThat(bean.getEvictions()).isZero();
    // The standard statistics bean, registered by the provider, agrees with ours.
    ObjectName standard = new ObjectName("javax.cache:type=CacheStatistics,CacheManager="
        + name.getKeyProperty("CacheManager") + ",Cache=" + name.getKeyProperty("Cache"));
    assertThat(server.getAttribute(standard, "CacheHits")).isEqualTo(3L);
    assertThat(server.getAttribute(standard, "CachePuts")).isEqualTo(1L);
  }

  @Test
  void listenersBeanReportsPendingDroppedAndFailedEvents() throws Exception {
    Properties properties = new Properties();
    properties.setProperty(GoldyloxCacheManager.MAX_PENDING_EVENTS_PROPERTY, "2");
    manager = TestCaches.newManager(properties);
    Cache<String, String> cache = newCache("listened", false);
    GoldyloxMBeans.register(cache);
    BlockingListener listener = new BlockingListener();
    cache.registerCacheEntryListener(listener.asyncConfiguration());
    try {
      for (int i = 0; i < 6; i++) {
        cache.put("k" + i, "v");
      }
      assertThat(attribute(cache, "Listeners", "PendingAsyncEvents")).isEqualTo(2);
      assertThat(attribute(cache, "Listeners", "DroppedAsyncEvents")).isEqualTo(4);
      assertThat(attribute(cache, "Listeners", "FailedAsyncDeliveries")).isZero();
    } finally {
      listener.release();
    }
    TestCaches.await("the listener has drained its events",
        () -> GoldyloxMBeansTest.this.readQuietly(cache, "PendingAsyncEvents") == 0, Duration.ofSeconds(10));
    assertThat(attribute(cache, "Listeners", "FailedAsyncDeliveries")).isEqualTo(2);
  }

  private long readQuietly(Cache<?, ?> cache, String attribute) {
    try {
      return attribute(cache, "Listeners", attribute);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void registrationIsIdempotentAndUnregistrationRemovesEveryBean() {
    Cache<String, String> cache = newCache("idempotent", true);
    GoldyloxMBeans.register(cache);
    GoldyloxMBeans.register(cache);
    assertThat(GoldyloxMBeans.objectNames(cache)).hasSize(3).allSatisfy(n -> assertThat(server.isRegistered(n)).isTrue());

    cache.close(); // what the provider's close hook would be followed by
    GoldyloxMBeans.unregister(cache);
    GoldyloxMBeans.unregister(cache);
    assertThat(GoldyloxMBeans.objectNames(cache)).allSatisfy(n -> assertThat(server.isRegistered(n)).isFalse());
  }

  @Test
  void namesAreSanitisedLikeTheStandardBeans() throws Exception {
    Cache<String, String> cache = newCache("a,b:c=d*e?f\"g\nh", true);
    GoldyloxMBeans.register(cache);
    String managerKey = cache.getCacheManager().getURI().toString().replace(':', '.');

    ObjectName ours = new ObjectName("io.goldylox:type=Listeners,CacheManager=" + managerKey + ",Cache=a.b.c.d.e.f.g.h");
    assertThat(server.isRegistered(ours)).isTrue();
    assertThat(GoldyloxMBeans.objectName(cache, "Cache"))
        .isEqualTo(new ObjectName("io.goldylox:type=Cache,CacheManager=" + managerKey + ",Cache=a.b.c.d.e.f.g.h"));
    // The provider registered the standard statistics bean under the same two key values.
    assertThat(server.isRegistered(new ObjectName(
        "javax.cache:type=CacheStatistics,CacheManager=" + managerKey + ",Cache=a.b.c.d.e.f.g.h"))).isTrue();
  }

  @Test
  void aRecreatedCacheTakesOverTheNameFromItsClosedPredecessor() throws Exception {
    Cache<String, String> first = newCache("reborn", true);
    GoldyloxMBeans.register(first);
    first.put("x", "1");
    first.close(); // no unregister: as if a close hook were missing

    Cache<String, String> second = newCache("reborn", true);
    GoldyloxMBeans.register(second);
    assertThat(attribute(second, "Cache", "Size")).isZero();
    second.put("y", "1");
    second.put("z", "2");
    assertThat(attribute(second, "Cache", "Size")).isEqualTo(2);

    GoldyloxMBeans.unregister(first); // late: must not take the successor's beans away
    assertThat(GoldyloxMBeans.objectNames(second)).allSatisfy(n -> assertThat(server.isRegistered(n)).isTrue());
  }

  @Test
  void refusesAClosedCacheAndANameHeldByAnotherOpenCache() throws Exception {
    Cache<String, String> closed = newCache("closed", true);
    closed.close();
    assertThatThrownBy(() -> GoldyloxMBeans.register(closed))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");

    // Same URI, another class loader: another manager, another cache, the same MBean names.
    Cache<String, String> mine = newCache("shared", true);
    GoldyloxMBeans.register(mine);
    ClassLoader other = new ClassLoader(getClass().getClassLoader()) {};
    CacheManager twin = javax.cache.Caching.getCachingProvider(
        io.goldylox.spi.GoldyloxCachingProvider.class.getName()).getCacheManager(manager.getURI(), other);
    try {
      Cache<String, String> theirs = twin.createCache("shared",
          new MutableConfiguration<String, String>().setTypes(String.class, String.class));
      assertThatThrownBy(() -> GoldyloxMBeans.register(theirs))
          .isInstanceOf(javax.cache.CacheException.class)
          .hasMessageContaining("another open cache");
      GoldyloxMBeans.unregister(theirs); // owns nothing: leaves mine alone
      assertThat(server.isRegistered(GoldyloxMBeans.objectName(mine, "Cache"))).isTrue();
    } finally {
      twin.close();
    }
  }
}

package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.TestManagers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The putAll of a plain cache (eternal, no writer, no listener) is a plain put per key, and asks before each key
 * whether puts are still plain, as each put does: a CREATED listener registered while a long putAll runs hears of
 * the keys created after its registration returned (a review: it heard of none, "plain" was decided once).
 */
class PlainPutAllTest {

  static final AtomicInteger CREATED = new AtomicInteger();

  public static final class Created implements CacheEntryCreatedListener<String, String>, java.io.Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      for (CacheEntryEvent<?, ?> event : events) {
        CREATED.incrementAndGet();
      }
    }
  }

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  @Test
  void aListenerRegisteredDuringAPlainPutAllHearsOfTheKeysPutAfterItsRegistration() throws Exception {
    Cache<String, String> cache = managers.newManager("plain-putall").createCache("plain",
        new MutableConfiguration<String, String>().setTypes(String.class, String.class).setStatisticsEnabled(true));
    int size = 1_000_000;
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < size; i++) {
      map.put("k" + i, "v");
    }
    CREATED.set(0);
    Thread putter = new Thread(() -> cache.putAll(map));
    putter.start();
    while (!cache.containsKey("k1000")) {
      Thread.onSpinWait();
    }
    cache.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<String, String>(
        FactoryBuilder.factoryOf(new Created()), null, false, true));
    boolean lastAbsent = !cache.containsKey("k" + (size - 1));
    putter.join();
    assertThat(lastAbsent).as("the putAll was still running when the listener was registered").isTrue();
    assertThat(cache.containsKey("k" + (size - 1))).isTrue();
    assertThat(CREATED.get()).as("the keys created after the registration were heard of").isPositive();
    assertThat(cache.unwrap(GoldyloxCache.class).statistics().puts()).as("every put counted, either way")
        .isEqualTo(size);
  }
}

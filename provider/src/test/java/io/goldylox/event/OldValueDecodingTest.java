package io.goldylox.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.TestManagers;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryUpdatedListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** README, Listeners: "Old values are decoded only when some listener asks for them." */
class OldValueDecodingTest {

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  static final AtomicInteger DECODED = new AtomicInteger();

  /** A value that counts its deserializations. */
  static final class Counted implements Serializable {
    private static final long serialVersionUID = 1L;
    final String text;

    Counted(String text) {
      this.text = text;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      DECODED.incrementAndGet();
    }
  }

  /** Wants UPDATED events, without old values. */
  static final class Updates implements CacheEntryUpdatedListener<Integer, Counted>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient List<Boolean> oldValueAvailable = new CopyOnWriteArrayList<>();

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends Counted>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends Counted> event : events) {
        oldValueAvailable.add(event.isOldValueAvailable());
      }
    }
  }

  @Test
  void anUpdateDecodesNoOldValueWhenNoListenerAsksForIt() {
    Properties properties = new Properties();
    properties.setProperty("goldylox.serializer", "java");
    Cache<Integer, Counted> cache = managers.newManager("old-value", properties).createCache("c",
        new MutableConfiguration<Integer, Counted>().setTypes(Integer.class, Counted.class).setStoreByValue(true));
    Updates listener = new Updates();
    @SuppressWarnings({"unchecked", "rawtypes"})
    MutableCacheEntryListenerConfiguration<Integer, Counted> configuration =
        new MutableCacheEntryListenerConfiguration<>((javax.cache.configuration.Factory)
            FactoryBuilder.factoryOf(listener), null, false /* old value not required */, true);
    cache.registerCacheEntryListener(configuration);
    cache.put(1, new Counted("a"));
    DECODED.set(0);

    cache.put(1, new Counted("b"));

    assertThat(listener.oldValueAvailable).hasSize(1);
    assertThat(DECODED.get()).as("old values decoded by an update that no listener wants old values of (event said"
        + " isOldValueAvailable = " + listener.oldValueAvailable + ")").isZero();
  }
}

package io.goldylox.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.TestManagers;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listener registered while a change is inside its atomic step must get either no event or a whole
 * one, never a CREATED event without its value.
 */
class RegistrationDuringChangeTest {

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    BLOCK_READS.countDown();
    managers.close();
  }

  /** Armed by the test: the next deserialization on the putter thread blocks here. */
  static volatile CountDownLatch readEntered;
  static final CountDownLatch BLOCK_READS = new CountDownLatch(1);

  /** A value whose deserialization the test can hold (store-by-value decodes the expired value for EXPIRED). */
  static final class Slow implements Serializable {
    private static final long serialVersionUID = 1L;
    final String text;

    Slow(String text) {
      this.text = text;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      CountDownLatch entered = readEntered;
      if (entered != null && Thread.currentThread().getName().equals("putter")) {
        readEntered = null;
        entered.countDown();
        try {
          BLOCK_READS.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** Records events; shared by reference through a singleton factory. */
  static final class Recorder<V> implements CacheEntryCreatedListener<Integer, V>,
      CacheEntryExpiredListener<Integer, V>, Serializable {
    private static final long serialVersionUID = 1L;
    final transient List<String> seen = new CopyOnWriteArrayList<>();
    final transient CountDownLatch blockExpired;
    final transient CountDownLatch expiredEntered = new CountDownLatch(1);

    Recorder(boolean blockExpired) {
      this.blockExpired = new CountDownLatch(blockExpired ? 1 : 0);
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends Integer, ? extends V>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends V> event : events) {
        seen.add(event.getEventType() + " " + event.getKey() + "=" + event.getValue());
      }
    }

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Integer, ? extends V>> events) {
      expiredEntered.countDown();
      try {
        blockExpired.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (CacheEntryEvent<? extends Integer, ? extends V> event : events) {
        seen.add(event.getEventType() + " " + event.getKey() + "=" + event.getValue());
      }
    }
  }

  /** Wants EXPIRED events only. */
  static final class ExpiredOnly implements CacheEntryExpiredListener<Integer, Slow>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Integer, ? extends Slow>> events) {}
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <V> MutableCacheEntryListenerConfiguration<Integer, V> sync(Object listener) {
    return new MutableCacheEntryListenerConfiguration<>(
        (javax.cache.configuration.Factory) FactoryBuilder.factoryOf((Serializable) listener), null, false, true);
  }

  @Test
  void listenerRegisteredDuringAPutOverAnExpiredEntryGetsTheValue() throws Exception {
    Properties properties = new Properties();
    properties.setProperty("goldylox.serializer", "java");
    CacheManager manager = managers.newManager("registration-race", properties);

    // Hold the manager's timer thread in another cache's EXPIRED listener, so no sweep removes our expired entry.
    Recorder<String> timerHolder = new Recorder<>(true);
    Cache<Integer, String> other = manager.createCache("other", new MutableConfiguration<Integer, String>()
        .setTypes(Integer.class, String.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 1))));
    other.registerCacheEntryListener(sync(timerHolder));
    other.put(1, "x");
    assertThat(timerHolder.expiredEntered.await(10, TimeUnit.SECONDS)).as("the timer is held").isTrue();

    Cache<Integer, Slow> cache = manager.createCache("c", new MutableConfiguration<Integer, Slow>()
        .setTypes(Integer.class, Slow.class).setStoreByValue(true)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 50))));
    cache.registerCacheEntryListener(sync(new ExpiredOnly())); // only EXPIRED is wanted when the put starts
    cache.put(1, new Slow("old"));
    Thread.sleep(150); // expired now, and not swept (the timer is held)

    Recorder<Slow> late = new Recorder<>(false);
    CountDownLatch entered = new CountDownLatch(1);
    readEntered = entered;
    Thread putter = new Thread(() -> cache.put(1, new Slow("new")), "putter");
    putter.start();
    assertThat(entered.await(10, TimeUnit.SECONDS)).as("the put is decoding the expired value").isTrue();
    cache.registerCacheEntryListener(sync(late));
    BLOCK_READS.countDown();
    putter.join(10_000);

    assertThat(late.seen).as("what the listener registered during the put saw").doesNotContain("CREATED 1=null");
  }
}

package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.TestManagers;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A putAll/removeAll through a writer, with no other thread: its own steps must not count as "changed". */
@Timeout(30)
class BulkWriterOwnChangesTest {

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void close() {
    managers.close();
  }

  static final class CountingWriter implements CacheWriter<Integer, String> {
    final AtomicInteger singleWrites = new AtomicInteger();
    final AtomicInteger singleDeletes = new AtomicInteger();

    @Override
    public void write(Cache.Entry<? extends Integer, ? extends String> entry) {
      singleWrites.incrementAndGet();
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends Integer, ? extends String>> entries) {
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      singleDeletes.incrementAndGet();
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      keys.clear();
    }
  }

  private Cache<Integer, String> cache(CountingWriter writer) {
    return managers.newManager("bulk-own-changes").createCache("c", new MutableConfiguration<Integer, String>()
        .setTypes(Integer.class, String.class)
        .setCacheWriterFactory(new FactoryBuilder.SingletonFactory<CacheWriter<Integer, String>>(writer))
        .setWriteThrough(true));
  }

  @Test
  void aPutAllAloneCallsWriteAllOnlyNeverWrite() {
    CountingWriter writer = new CountingWriter();
    Cache<Integer, String> cache = cache(writer);
    Map<Integer, String> map = new LinkedHashMap<>();
    for (int i = 0; i < 300; i++) { // keys 0 and 256 share a stripe of ChangeStamps
      map.put(i, "v" + i);
    }
    cache.putAll(map);
    assertThat(writer.singleWrites.get()).as("single write() calls after a lone putAll's writeAll").isZero();
  }

  @Test
  void aRemoveAllAloneCallsDeleteAllOnlyNeverDelete() {
    CountingWriter writer = new CountingWriter();
    Cache<Integer, String> cache = cache(writer);
    Set<Integer> keys = new LinkedHashSet<>();
    for (int i = 0; i < 300; i++) {
      keys.add(i);
    }
    cache.removeAll(keys);
    assertThat(writer.singleDeletes.get()).as("single delete() calls after a lone removeAll's deleteAll").isZero();
  }
}

package io.goldylox.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.LogCapture;
import io.goldylox.testing.SerialForms.Money;
import io.goldylox.testing.SerialForms.Op;
import io.goldylox.testing.TestManagers;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.LogRecord;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache declared with application types, through a disk tier and a restart, with the default serializer: the
 * declared types' own serial forms (an enum constant with a body, a {@code writeReplace} proxy) come back; a class
 * the cache will not read back (a subclass of the declared value type) is named by a WARN at the put.
 */
class DeclaredTypesRestartTest {

  /** A subclass of the declared value type: not read back unless named in serializer.allow. */
  public static final class Tip extends Money {
    private static final long serialVersionUID = 1L;

    public Tip(long cents) {
      super(cents);
    }

    private Object writeReplace() {
      return this; // written as itself, not as Money's proxy
    }
  }

  @TempDir
  Path dir;

  private final List<CacheManager> managers = new ArrayList<>();

  @AfterEach
  void close() {
    managers.forEach(CacheManager::close);
  }

  private Cache<Op, Money> ledger() throws IOException {
    Path file = dir.resolve("goldylox-" + managers.size() + ".conf");
    Files.writeString(file, "goldylox.caches.ledger {\n"
        + "  key-type = \"" + Op.class.getName() + "\", value-type = \"" + Money.class.getName() + "\"\n"
        + "  heap.max-entries = 1\n"
        + "  disk { path = \"" + dir.resolve("disk").toString().replace("\\", "/") + "\", size = 1MiB }\n"
        + "}\n");
    CacheManager manager = Caching.getCachingProvider(TestManagers.PROVIDER).getCacheManager(file.toUri(),
        getClass().getClassLoader());
    managers.add(manager);
    return manager.getCache("ledger", Op.class, Money.class);
  }

  @Test
  void enumConstantsWithBodiesAndProxiedValuesComeBackAfterARestart() throws IOException {
    Cache<Op, Money> cache = ledger();
    cache.put(Op.ADD, new Money(125));
    cache.put(Op.SUB, new Money(7));
    managers.remove(0).close();

    Cache<Op, Money> reopened = ledger();
    assertThat(reopened.get(Op.ADD)).isEqualTo(new Money(125));
    assertThat(reopened.get(Op.SUB)).isEqualTo(new Money(7));
  }

  @Test
  void storingAClassTheCacheWillNotReadBackIsNamedByAWarnAtThePutOnce() throws IOException {
    try (LogCapture log = new LogCapture(io.goldylox.serialization.ClassPolicy.class)) {
      List<LogRecord> warnings = log.records;
      Cache<Op, Money> cache = ledger();
      cache.put(Op.ADD, new Money(1));
      assertThat(warnings).as("the declared type").isEmpty();
      cache.put(Op.SUB, new Tip(2));
      cache.put(Op.ADD, new Tip(3));
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0).getMessage()).contains("Cache 'ledger'").contains(Tip.class.getName())
          .contains("serializer.allow");
    }
  }
}

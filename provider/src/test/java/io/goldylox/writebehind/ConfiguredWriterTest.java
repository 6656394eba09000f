package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.config.WriteBehindConfig;
import io.goldylox.serialization.JavaSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.configuration.Factory;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production path of {@link WriteBehindJournal#open(WriteBehindConfig, io.goldylox.serialization.Serializer,
 * ClassLoader, String)}: the writer comes from the configuration's factory, is checked, and is closed with the
 * journal. Real Chronicle journals in a temporary directory.
 */
class ConfiguredWriterTest {

  @TempDir
  Path dir;

  private WriteBehindConfig.Builder config() {
    return WriteBehindConfig.builder().journal(dir.resolve("journal")).maxDelay(Duration.ZERO);
  }

  @Test
  void aWriterNamedByClassIsInstantiated() {
    WriteBehindConfig config = config().writer(RecordingWriter.class).build();
    assertThat(WriteBehindJournal.<String, String>createWriter(config)).isInstanceOf(RecordingWriter.class);
  }

  @Test
  void theConfiguredWriterReceivesTheOperationsAndIsClosedWithTheJournal() {
    RecordingWriter writer = new RecordingWriter();
    WriteBehindConfig config = config().writer(new FactoryBuilder.SingletonFactory<>(writer)).build();
    WriteBehindJournal<String, String> journal =
        WriteBehindJournal.open(config, new JavaSerializer(), getClass().getClassLoader(), "configured");
    try {
      assertThat(journal.settings()).isSameAs(config);
      journal.put("k", "v");
      Await.drained(journal);
      assertThat(writer.written).containsExactly("k=v");
      assertThat(writer.closed).isFalse();
    } finally {
      journal.close();
    }
    assertThat(writer.closed).isTrue();
  }

  @Test
  void aFactoryThatReturnsNullIsNamed() {
    WriteBehindConfig config = config().writer(new NullFactory()).build();
    assertThatThrownBy(() -> WriteBehindJournal.createWriter(config)).isInstanceOf(CacheException.class)
        .hasMessageContaining(NullFactory.class.getName()).hasMessageContaining("returned null");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void aFactoryOfSomethingElseIsNamed() {
    // Generics are erased: a Factory<CacheWriter> named in a file can create anything.
    WriteBehindConfig config = config().writer((Factory) new StringFactory()).build();
    assertThatThrownBy(() -> WriteBehindJournal.createWriter(config)).isInstanceOf(CacheException.class)
        .hasMessageContaining(StringFactory.class.getName()).hasMessageContaining("created a java.lang.String");
  }

  @Test
  void aFailingWriterConstructorIsNamedAndTheJournalStaysFree() {
    WriteBehindConfig config = config().writer(FailingWriter.class).build();
    assertThatThrownBy(() -> WriteBehindJournal.open(config, new JavaSerializer(), null, "failing"))
        .isInstanceOf(CacheException.class).hasMessageContaining(FailingWriter.class.getName())
        .hasMessageContaining(config.journal().toString());
    // Nothing was left open: the same journal opens with a working writer.
    WriteBehindConfig good = config.toBuilder().writer(RecordingWriter.class).build();
    WriteBehindJournal.open(good, new JavaSerializer(), null, "good").close();
  }

  /** A writer that records what it was given and whether it was closed. */
  public static final class RecordingWriter implements CacheWriter<String, String>, AutoCloseable {
    final List<String> written = new CopyOnWriteArrayList<>();
    volatile boolean closed;

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      written.add(entry.getKey() + "=" + entry.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      for (Cache.Entry<? extends String, ? extends String> entry : entries) {
        write(entry);
      }
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      written.add("-" + key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      for (Object key : keys) {
        delete(key);
      }
      keys.clear();
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** A writer whose constructor fails. */
  public static final class FailingWriter implements CacheWriter<String, String> {
    public FailingWriter() {
      throw new IllegalStateException("no database");
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {}

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {}

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(Collection<?> keys) {}
  }

  public static final class NullFactory implements Factory<CacheWriter<String, String>> {
    @Override
    public CacheWriter<String, String> create() {
      return null;
    }
  }

  public static final class StringFactory implements Factory<String> {
    @Override
    public String create() {
      return "not a writer";
    }
  }
}

package io.goldylox.writebehind;

import io.goldylox.config.WriteBehindConfig;
import java.nio.file.Path;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheWriter;

/**
 * Write-behind configurations for tests that hand their own writer (an {@link H2Writer} with test knobs) to the
 * package-private {@link WriteBehindJournal#open(WriteBehindConfig, CacheWriter, io.goldylox.serialization.Serializer,
 * ClassLoader, String, String)}. A {@link WriteBehindConfig} always names a writer; theirs is {@link GivenAtOpen}.
 */
final class TestConfigs {

  private TestConfigs() {}

  /** A configuration builder for {@code journal} whose writer is given at open. */
  static WriteBehindConfig.Builder config(Path journal) {
    return WriteBehindConfig.builder().journal(journal).writer(new GivenAtOpen());
  }

  /** The configured writer of such a configuration: never asked for one, since the test passes its writer. */
  public static final class GivenAtOpen implements Factory<CacheWriter<String, String>> {
    @Override
    public CacheWriter<String, String> create() {
      throw new AssertionError("the test passes its own writer to WriteBehindJournal.open");
    }
  }
}

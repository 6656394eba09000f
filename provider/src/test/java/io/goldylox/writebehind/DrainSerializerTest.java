package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.ForySerializer;
import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.Serializer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The check {@link Drain} makes before delivering: the default serializer matches what the cache now writes, and
 * a journal that the chosen serializer cannot read is refused with the record named.
 */
class DrainSerializerTest {

  private final ClassLoader loader = getClass().getClassLoader();

  private static JournalRecord put(long sequence, byte[] key, byte[] value) {
    return new JournalRecord(JournalRecord.PUT, sequence, 0L, 0, 0L, key, value, sequence);
  }

  @Test
  void theDefaultIsTheCachesDefault() {
    String previous = System.getProperty("goldylox.serializer");
    System.clearProperty("goldylox.serializer");
    try {
      assertThat(DrainSerializer.name(null)).isEqualTo("fory");
      assertThat(DrainSerializer.create(null, loader)).isInstanceOf(ForySerializer.class);
      assertThat(DrainSerializer.create("java", loader)).isInstanceOf(JavaSerializer.class);
    } finally {
      if (previous != null) {
        System.setProperty("goldylox.serializer", previous);
      }
    }
  }

  @Test
  void foryReadsAJavaJournalButJavaRefusesAForyOne() {
    Serializer java = new JavaSerializer();
    Serializer fory = new ForySerializer(loader);
    List<String> value = new ArrayList<>(List.of("a"));
    List<JournalRecord> writtenByJava = List.of(put(1, java.serialize("k"), java.serialize(value)));
    List<JournalRecord> writtenByFory = List.of(put(7, fory.serialize("k"), fory.serialize(value)));

    assertThat(DrainSerializer.mismatch(writtenByJava, fory, loader)).isNull();
    assertThat(DrainSerializer.mismatch(writtenByJava, java, loader)).isNull();
    assertThat(DrainSerializer.mismatch(writtenByFory, fory, loader)).isNull();
    assertThat(DrainSerializer.mismatch(writtenByFory, java, loader))
        .startsWith("the value of the pending put #7 cannot be read");
  }
}

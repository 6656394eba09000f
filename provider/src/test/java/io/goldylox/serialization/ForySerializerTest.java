package io.goldylox.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.spi.GoldyloxCacheManager;
import io.goldylox.spi.GoldyloxCachingProvider;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fory is the default store-by-value serializer: the same isolation as Java serialization, no Serializable needed,
 * a format byte on every record, and records written by Java serialization (the earlier default) read back.
 */
class ForySerializerTest {

  /** A mutable value that is not even Serializable: Fory does not need it to be. */
  public static final class Basket {
    public final List<String> items = new ArrayList<>();
    public int version;
  }

  static final class Box implements Serializable {
    private static final long serialVersionUID = 1L;
    final List<String> items = new ArrayList<>(List.of("x"));

    @Override
    public boolean equals(Object o) {
      return o instanceof Box && ((Box) o).items.equals(items);
    }

    @Override
    public int hashCode() {
      return items.hashCode();
    }
  }

  private final GoldyloxCachingProvider provider = new GoldyloxCachingProvider();
  private final ForySerializer fory = new ForySerializer(getClass().getClassLoader());

  @AfterEach
  void close() {
    provider.close();
  }

  private CacheManager manager(String name, Properties properties) {
    return provider.getCacheManager(URI.create("urn:goldylox:fory-" + name), getClass().getClassLoader(),
        properties);
  }

  @Test
  void withNoSettingMutableValuesAreCopiedByFory() {
    Cache<String, Basket> cache = manager("default", new Properties())
        .createCache("baskets", new MutableConfiguration<String, Basket>());
    Basket basket = new Basket();
    basket.items.add("apple");
    cache.put("b", basket); // not Serializable: only Fory can copy it
    basket.items.add("changed after put");

    Basket read = cache.get("b");
    assertThat(read.items).containsExactly("apple");
    read.items.add("changed after get");
    assertThat(cache.get("b").items).containsExactly("apple");
    assertThat(cache.get("b")).isNotSameAs(cache.get("b"));

    Cache<Date, ArrayList<Date>> dates = manager("default", new Properties())
        .createCache("dates", new MutableConfiguration<>());
    Date key = new Date(1_000);
    ArrayList<Date> value = new ArrayList<>(List.of(new Date(2_000)));
    dates.put(key, value);
    key.setTime(5_000);
    value.get(0).setTime(9_000);
    assertThat(dates.get(new Date(1_000))).containsExactly(new Date(2_000));
  }

  @Test
  void javaSerializationStaysAnExplicitChoice() {
    Properties properties = new Properties();
    properties.setProperty(GoldyloxCacheManager.SERIALIZER_PROPERTY, "java");
    Cache<String, Object> cache = manager("java", properties).createCache("c", new MutableConfiguration<>());
    cache.put("box", new Box());
    assertThat(cache.get("box")).isEqualTo(new Box());
    assertThatThrownBy(() -> cache.put("basket", new Basket())).hasMessageContaining(Basket.class.getName());
  }

  @Test
  void anAllowListDoesNotRestrictCopiesInTheHeap() {
    Properties properties = new Properties();
    properties.setProperty(GoldyloxCacheManager.SERIALIZER_ALLOW_PROPERTY, "java.util.*");
    Cache<String, Object> cache = manager("allow", properties).createCache("heap", new MutableConfiguration<>());
    Basket basket = new Basket();
    basket.version = 3;
    cache.put("basket", basket);
    assertThat(((Basket) cache.get("basket")).version).isEqualTo(3);
  }

  @Test
  void everyRecordStartsWithItsFormatByte() {
    // A list of strings in a field: nothing in it can be reached twice, so no reference tracking.
    assertThat(fory.serialize(new Box())[0]).isEqualTo(ForySerializer.TAG_FORY_UNTRACKED);
    assertThat(fory.serialize(List.of(1))[0]).isEqualTo(ForySerializer.TAG_FORY);
    // The usual keys are written exactly as Java serialization's compact forms, so both read them alike.
    JavaSerializer java = new JavaSerializer();
    for (Object key : List.of("key", 42L, 7)) {
      assertThat(fory.serialize(key)).isEqualTo(java.serialize(key));
      assertThat(fory.deserialize(fory.serialize(key), null)).isEqualTo(key);
    }
  }

  @Test
  void recordsWrittenByJavaSerializationAreReadBack() {
    JavaSerializer java = new JavaSerializer();
    assertThat(fory.deserialize(java.serialize(new Box()), getClass().getClassLoader())).isEqualTo(new Box());
    assertThat(fory.deserialize(java.serialize(new ArrayList<>(List.of("a"))), null)).isEqualTo(List.of("a"));
    // Java serialization does not read Fory's records: refused, not misread.
    assertThatThrownBy(() -> java.deserialize(fory.serialize(new Box()), null))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void bytesOfAnUnknownFormatAreRefusedNotGuessed() {
    // What Goldylox's opt-in Fory wrote before records had a format byte.
    byte[] untagged = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false)
        .withRefTracking(true).build().serialize(new ArrayList<>(List.of("a", "b")));
    assertThat(untagged[0]).isEqualTo((byte) 2);
    assertThatThrownBy(() -> fory.deserialize(untagged, null)).isInstanceOf(SerializationException.class)
        .hasMessageContaining("bytes tagged as a Long");
    assertThatThrownBy(() -> fory.deserialize(new byte[] {0x7F, 1, 2}, null))
        .isInstanceOf(SerializationException.class).hasMessageContaining("unknown format byte 0x7f");
  }

  /**
   * Records are written into a per-thread buffer and copied out at their size: a record never carries bytes of an
   * earlier, longer one, a record larger than the retained buffer round-trips, and a value whose own
   * {@code writeObject}/{@code readObject} serializes and reads another value on the same thread with another
   * serializer (a nested use) round-trips.
   */
  @Test
  void scratchBuffersNeverLeakBetweenRecordsOrNestedUses() {
    byte[] small = fory.serialize(new Basket());
    for (int size : new int[] {10, 300, 70_000, 5, 200_000, 0}) {
      Basket basket = new Basket();
      basket.items.add("x".repeat(size));
      basket.version = size;
      byte[] bytes = fory.serialize(basket);
      Basket back = (Basket) fory.deserialize(bytes, getClass().getClassLoader());
      assertThat(back.items).containsExactly("x".repeat(size));
      assertThat(back.version).isEqualTo(size);
      assertThat(fory.serialize(new Basket())).isEqualTo(small);
    }
    // Another serializer inside this one's serialization (one instance cannot nest: Fory itself is not re-entrant).
    Nesting nesting = new Nesting("outer", new Basket());
    nesting.inner.items.add("inner item");
    Nesting back = (Nesting) fory.deserialize(fory.serialize(nesting), getClass().getClassLoader());
    assertThat(back.name).isEqualTo("outer");
    assertThat(back.inner.items).containsExactly("inner item");
  }

  /** Serializes its {@code inner} value itself, with the same serializer, inside its own serialization. */
  static final class Nesting implements Serializable {
    private static final long serialVersionUID = 1L;
    static final ForySerializer SERIALIZER = new ForySerializer(Nesting.class.getClassLoader());
    final String name;
    transient Basket inner;

    Nesting(String name, Basket inner) {
      this.name = name;
      this.inner = inner;
    }

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
      out.defaultWriteObject();
      byte[] bytes = SERIALIZER.serialize(inner);
      out.writeInt(bytes.length);
      out.write(bytes);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
      in.defaultReadObject();
      byte[] bytes = new byte[in.readInt()];
      in.readFully(bytes);
      inner = (Basket) SERIALIZER.deserialize(bytes, Nesting.class.getClassLoader());
    }
  }
}

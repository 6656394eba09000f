package io.goldylox.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.spi.GoldyloxCacheManager;
import io.goldylox.spi.GoldyloxCachingProvider;
import java.net.URI;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Store-by-value through Fory ({@code goldylox.serializer=fory}): the same isolation as Java serialization. */
class ForySerializerTest {

  /** A mutable value that is not even Serializable: Fory does not need it to be. */
  public static final class Basket {
    public final List<String> items = new ArrayList<>();
    public int version;
  }

  private final GoldyloxCachingProvider provider = new GoldyloxCachingProvider();

  @AfterEach
  void close() {
    provider.close();
  }

  private CacheManager manager(String allow) {
    Properties properties = new Properties();
    properties.setProperty(GoldyloxCacheManager.SERIALIZER_PROPERTY, "fory");
    if (allow != null) {
      properties.setProperty(GoldyloxCacheManager.SERIALIZER_ALLOW_PROPERTY, allow);
    }
    return provider.getCacheManager(URI.create("urn:goldylox:fory-" + (allow == null ? "open" : "allow")),
        getClass().getClassLoader(), properties);
  }

  @Test
  void mutableValuesAreIsolatedOnPutAndGet() {
    Cache<String, Basket> cache = manager(null).createCache("baskets", new MutableConfiguration<String, Basket>());
    Basket basket = new Basket();
    basket.items.add("apple");
    cache.put("b", basket);
    basket.items.add("changed after put");

    Basket read = cache.get("b");
    assertThat(read.items).containsExactly("apple");
    read.items.add("changed after get");
    assertThat(cache.get("b").items).containsExactly("apple");
    assertThat(cache.get("b")).isNotSameAs(cache.get("b"));

    Cache<Date, ArrayList<Date>> dates = manager(null).createCache("dates", new MutableConfiguration<>());
    Date key = new Date(1_000);
    ArrayList<Date> value = new ArrayList<>(List.of(new Date(2_000)));
    dates.put(key, value);
    key.setTime(5_000);
    value.get(0).setTime(9_000);
    assertThat(dates.get(new Date(1_000))).containsExactly(new Date(2_000));
  }

  @Test
  void anAllowListRefusesOtherClassesWithAClearError() {
    Cache<String, Object> cache = manager("java.util.*").createCache("strict", new MutableConfiguration<>());
    cache.put("list", new ArrayList<>(List.of("a")));
    assertThat(cache.get("list")).isEqualTo(List.of("a"));
    assertThatThrownBy(() -> {
      cache.put("basket", new Basket());
      cache.get("basket");
    }).isInstanceOf(SerializationException.class).hasMessageContaining("Fory");
  }
}

package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.testing.TestManagers;
import java.util.Map;
import javax.cache.Cache;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cache configured with key and value types refuses, at once and by name, a key or value of another type put
 * through a raw reference (found by a new-user trial: a {@code Long} key went into a cache declared for
 * {@code String} keys, to be refused only after a restart). A cache of {@code Object} takes anything.
 */
class DeclaredTypesTest {

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  @Test
  void everyWayOfStoringChecksTheDeclaredTypes() {
    Cache<String, Integer> typed = managers.newManager("types").createCache("typed",
        new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
    Cache raw = typed;
    assertThatThrownBy(() -> raw.put(1L, 1)).isInstanceOf(ClassCastException.class)
        .hasMessage("Cache 'typed' is configured for keys of type java.lang.String, not java.lang.Long");
    assertThatThrownBy(() -> raw.put("k", "v")).isInstanceOf(ClassCastException.class)
        .hasMessage("Cache 'typed' is configured for values of type java.lang.Integer, not java.lang.String");
    assertThatThrownBy(() -> raw.getAndPut("k", "v")).isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> raw.putIfAbsent(2L, 1)).isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> raw.putAll(Map.of("a", 1, "b", "two"))).isInstanceOf(ClassCastException.class);
    assertThat(typed.containsKey("a")).as("putAll checks every mapping before storing any").isFalse();
    typed.put("k", 1);
    assertThatThrownBy(() -> raw.replace("k", "v")).isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> raw.replace("k", 1, "v")).isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> raw.getAndReplace("k", "v")).isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> raw.invoke("k", (entry, args) -> {
      ((javax.cache.processor.MutableEntry) entry).setValue("v");
      return null;
    })).hasRootCauseInstanceOf(ClassCastException.class);
    assertThat(typed.get("k")).isEqualTo(1);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  @Test
  void aCacheOfObjectTakesAnything() {
    Cache raw = managers.newManager("untyped").createCache("untyped", new MutableConfiguration<>());
    raw.put(1L, "one");
    raw.put("two", 2);
    assertThat(raw.get(1L)).isEqualTo("one");
    assertThat(raw.get("two")).isEqualTo(2);
  }

  /** A static nested class loaded twice below, by two loaders that do not delegate to the test's. */
  static final class Twice {
  }

  /**
   * One class name from two class loaders (a DevTools restart, a redeploy): the message says so instead of
   * naming the same class twice (review).
   */
  @Test
  void oneClassNameFromTwoLoadersIsNamedAsSuch() throws Exception {
    java.net.URL classes = Twice.class.getProtectionDomain().getCodeSource().getLocation();
    try (java.net.URLClassLoader first = new java.net.URLClassLoader(new java.net.URL[] {classes}, null);
        java.net.URLClassLoader second = new java.net.URLClassLoader(new java.net.URL[] {classes}, null)) {
      Class<?> declared = first.loadClass(Twice.class.getName());
      Class<?> other = second.loadClass(Twice.class.getName());
      var constructor = other.getDeclaredConstructor();
      constructor.setAccessible(true);
      Object value = constructor.newInstance();
      DeclaredTypes types = new DeclaredTypes("orders", String.class, declared);
      assertThatThrownBy(() -> types.value(value)).isInstanceOf(ClassCastException.class)
          .hasMessageContaining("a class of the same name loaded by").hasMessageContaining("class loader");
    }
  }
}

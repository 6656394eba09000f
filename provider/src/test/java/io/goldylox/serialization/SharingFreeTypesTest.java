package io.goldylox.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which classes {@link ForySerializer} writes without reference tracking: only those whose instances can never
 * reach one object twice, judged by the declared types of their serialized fields.
 */
class SharingFreeTypesTest {

  enum Unit { GRAM, LITRE }

  /** Primitives, untracked JDK values, an enum and one array of each primitive type: qualifies. */
  static final class Reading implements Serializable {
    private static final long serialVersionUID = 1L;
    static Object shared; // static: not serialized
    long at;
    String sensor;
    Long boxed;
    Instant taken;
    Unit unit;
    byte[] samples;
    int[] flags;
    transient Object cache; // transient: not serialized
  }

  record Point(int x, int y, String label) implements Serializable {}

  /** Two fields of one array type may hold the same array. */
  static final class Twin implements Serializable {
    private static final long serialVersionUID = 1L;
    byte[] left;
    byte[] right;
  }

  static final class WithList implements Serializable {
    private static final long serialVersionUID = 1L;
    List<String> items;
  }

  static final class WithObject implements Serializable {
    private static final long serialVersionUID = 1L;
    Object anything;
  }

  static final class Node implements Serializable {
    private static final long serialVersionUID = 1L;
    int value;
    Node next;
  }

  /** A field of another qualifying class: two such fields could hold one object; not followed, so not taken. */
  static final class Nested implements Serializable {
    private static final long serialVersionUID = 1L;
    Point point;
  }

  static class Base implements Serializable {
    private static final long serialVersionUID = 1L;
    int a;
  }

  static final class Derived extends Base {
    private static final long serialVersionUID = 1L;
    int b;
  }

  static final class Replaced implements Serializable {
    private static final long serialVersionUID = 1L;
    int value;

    private Object writeReplace() {
      return this;
    }
  }

  static final class Resolved implements Serializable {
    private static final long serialVersionUID = 1L;
    int value;

    private Object readResolve() {
      return this;
    }
  }

  static final class OwnStream implements Serializable {
    private static final long serialVersionUID = 1L;
    int value;

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
      out.defaultWriteObject();
    }
  }

  @Test
  void classesOfPrimitivesValuesEnumsAndOneArrayPerTypeQualify() {
    assertThat(SharingFreeTypes.isSharingFree(Reading.class)).isTrue();
    assertThat(SharingFreeTypes.isSharingFree(Point.class)).as("a record").isTrue();
    assertThat(SharingFreeTypes.isSharingFree(int[].class)).as("an array of a primitive type").isTrue();
  }

  @Test
  void anythingThatCouldHoldOneObjectTwiceKeepsTracking() {
    for (Class<?> type : List.of(Twin.class, WithList.class, WithObject.class, Node.class, Nested.class,
        Derived.class, Base[].class, Reading[].class, Object[].class, Unit.class, String.class,
        java.util.ArrayList.class)) {
      assertThat(SharingFreeTypes.isSharingFree(type)).as(type.getName()).isFalse();
    }
  }

  @Test
  void javaSerializationHooksKeepTheirSerializers() {
    for (Class<?> type : List.of(Replaced.class, Resolved.class, OwnStream.class)) {
      assertThat(SharingFreeTypes.isSharingFree(type)).as(type.getName()).isFalse();
    }
  }
}

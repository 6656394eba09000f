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

  @SuppressWarnings("unchecked")
  @Test
  void anythingThatCouldHoldOneObjectTwiceKeepsTracking() {
    Twin twin = new Twin();
    twin.left = new byte[1];
    twin.right = twin.left;
    assertThat(SharingFreeTypes.isSharingFree(twin)).as("one array in two fields").isFalse();
    WithList withList = new WithList();
    withList.items = new java.util.ArrayList<>(List.of("a"));
    ((List<Object>) (List<?>) withList.items).add(new Node()); // through a cast: an element Fory tracks
    assertThat(SharingFreeTypes.isSharingFree(withList)).as("a list holding an application object").isFalse();
    for (Class<?> type : List.of(WithObject.class, Node.class, Nested.class,
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

  /** A Spring-style DTO: its list and map are checked on each instance. */
  static final class Profile implements Serializable {
    private static final long serialVersionUID = 1L;
    String id = "u-1";
    long visits = 3;
    Instant last = Instant.EPOCH;
    List<String> roles = new java.util.ArrayList<>(List.of("admin", "user"));
    java.util.Map<String, Long> counters = new java.util.HashMap<>(java.util.Map.of("logins", 2L));
  }

  static final class TwoLists implements Serializable {
    private static final long serialVersionUID = 1L;
    List<String> a = new java.util.ArrayList<>();
    List<String> b = new java.util.ArrayList<>();
  }

  /** A list of the application's own objects: those could be shared, so no instance is checked at all. */
  static final class Orders implements Serializable {
    private static final long serialVersionUID = 1L;
    List<Point> points = new java.util.ArrayList<>();
  }

  @Test
  void aContainerOfApplicationObjectsKeepsTrackingWithoutACheck() {
    assertThat(SharingFreeTypes.mayBeSharingFree(Orders.class)).isFalse();
    assertThat(SharingFreeTypes.isSharingFree(new Orders())).as("even when empty").isFalse();
    assertThat(SharingFreeTypes.mayBeSharingFree(WithList.class)).as("List<String>").isTrue();
  }

  @Test
  void containersAreCheckedOnEachInstance() {
    assertThat(SharingFreeTypes.isSharingFree(Profile.class)).as("not for every instance").isFalse();
    assertThat(SharingFreeTypes.mayBeSharingFree(Profile.class)).isTrue();
    Profile profile = new Profile();
    assertThat(SharingFreeTypes.isSharingFree(profile)).isTrue();
    profile.roles = List.of("x", "y", "z");
    profile.counters = null;
    assertThat(SharingFreeTypes.isSharingFree(profile)).as("immutable list, null map").isTrue();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  @Test
  void anInstanceWhoseContainersCouldShareIsTracked() {
    Profile polluted = new Profile();
    ((List) polluted.roles).add(new Profile()); // an element Fory would track, through a raw type
    assertThat(SharingFreeTypes.isSharingFree(polluted)).isFalse();

    Profile customList = new Profile();
    customList.roles = new java.util.ArrayList<>() {}; // a subclass: fields of its own could hold anything
    assertThat(SharingFreeTypes.isSharingFree(customList)).isFalse();

    Profile sorted = new Profile();
    sorted.counters = new java.util.TreeMap<>(java.util.Map.of("a", 1L)); // a comparator
    assertThat(SharingFreeTypes.isSharingFree(sorted)).isFalse();

    Profile accessOrdered = new Profile();
    accessOrdered.counters = new java.util.LinkedHashMap<>(16, 0.75f, true);
    assertThat(SharingFreeTypes.isSharingFree(accessOrdered)).isFalse();

    TwoLists two = new TwoLists();
    assertThat(SharingFreeTypes.isSharingFree(two)).as("two lists").isTrue();
    two.b = two.a;
    assertThat(SharingFreeTypes.isSharingFree(two)).as("one list in two fields").isFalse();

    Twin twin = new Twin();
    twin.left = new byte[1];
    twin.right = new byte[1];
    assertThat(SharingFreeTypes.isSharingFree(twin)).as("two arrays").isTrue();
    twin.right = twin.left;
    assertThat(SharingFreeTypes.isSharingFree(twin)).as("one array in two fields").isFalse();
  }
}

package io.goldylox.serialization;

import java.io.Externalizable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides which classes {@link ForySerializer} may write without reference tracking: those whose instances can
 * never reach one object twice, so that tracking references (an identity hash and a table entry per object, on
 * every write and every read) could not change what comes back.
 *
 * <p>An array of a primitive type qualifies. A class qualifies when its superclass is {@code Object} (or
 * {@code Record}), it is not a JDK class, an enum, synthetic or hidden, not {@code Externalizable}, declares none of Java serialization's hooks
 * ({@code writeObject}, {@code readObject}, {@code readObjectNoData}, {@code writeReplace}, {@code readResolve},
 * {@code serialPersistentFields}),
 * and each of its serialized fields (not static, not transient) is declared as
 * <ul>
 *   <li>a primitive;</li>
 *   <li>a type whose references Fory does not track even with tracking on ({@code String}, the boxed primitives,
 *   the final {@code java.time} types): copies of them already come back as equal objects, not the same one;</li>
 *   <li>an enum (its constants come back as the constants);</li>
 *   <li>an array of a primitive type, at most one field per array type: two fields of one array type could hold the
 *   same array, which only tracking would keep as one;</li>
 *   <li>a collection or map interface ({@code Collection}, {@code List}, {@code Set}, {@code Map}) or one of the
 *   JDK's plain collections: checked on each instance ({@link #isSharingFree(Object)}). Such a value is written
 *   untracked only if each of these fields is null or one of those plain JDK collections, no two of them (nor of its
 *   primitive arrays) are the same object, and every element, key and value in them is null, an enum constant or of
 *   a type Fory never tracks. A {@code UserProfile} with a {@code List<String>} of roles qualifies; one whose list
 *   holds its own objects, or two fields holding one list, is written with tracking.</li>
 * </ul>
 * A field declared as anything else (an interface, a non-final class, a collection, another class of the
 * application) may hold an object reachable twice, so such a class keeps reference tracking. The decision is on
 * the exact runtime class of the value, so a subclass is judged by its own fields and its superclass (not
 * {@code Object}: it does not qualify).
 *
 * <p>Threads: any; decisions are cached per class ({@link ClassValue}).
 */
final class SharingFreeTypes {

  /** Types Fory never tracks references of (strings, boxed primitives and time types are "ref ignored"). */
  private static final Set<Class<?>> UNTRACKED = Set.of(String.class, Boolean.class, Byte.class, Character.class,
      Short.class, Integer.class, Long.class, Float.class, Double.class, Instant.class, LocalDate.class,
      LocalTime.class, LocalDateTime.class, OffsetDateTime.class, OffsetTime.class, ZonedDateTime.class,
      Duration.class, Period.class, Year.class, YearMonth.class, MonthDay.class);

  private static final Set<String> HOOKS = Set.of("writeObject", "readObject", "readObjectNoData", "writeReplace",
      "readResolve");

  /** Declared field types whose values are checked on each instance. */
  private static final Set<Class<?>> CONTAINER_TYPES = Set.of(Collection.class, List.class, Set.class, Map.class,
      ArrayList.class, LinkedList.class, HashSet.class, LinkedHashSet.class, HashMap.class);

  /**
   * The containers whose instances Fory writes as their elements (or entries) alone: no field of their own that
   * could hold anything. Access-ordered maps and sorted ones (a comparator) are not among them.
   */
  private static final Set<Class<?>> PLAIN_CONTAINERS = Set.copyOf(List.of(ArrayList.class, LinkedList.class,
      HashSet.class, LinkedHashSet.class, HashMap.class, List.of().getClass(), List.of(1).getClass(),
      List.of(1, 2, 3).getClass(), Set.of().getClass(), Set.of(1).getClass(), Set.of(1, 2, 3).getClass(),
      Map.of().getClass(), Map.of(1, 1).getClass(), Map.of(1, 1, 2, 2).getClass()));

  /** What a class's instances need: never untracked, always, or a check of some of their fields. */
  static final class Shape {
    static final Shape NEVER = new Shape(null);
    static final Shape ALWAYS = new Shape(new Field[0]);

    /** The fields to check on each instance (containers and primitive arrays); null: never. */
    final Field[] checked;

    Shape(Field[] checked) {
      this.checked = checked;
    }
  }

  private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
    @Override
    protected Shape computeValue(Class<?> type) {
      return decide(type);
    }
  };

  private SharingFreeTypes() {}

  /** Whether {@code value} (not null) can reach no object twice but those Fory never tracks. */
  static boolean isSharingFree(Object value) {
    return isSharingFree(value, SHAPES.get(value.getClass()));
  }

  /** The shape of exactly {@code type}, for {@link #isSharingFree(Object, Shape)}. */
  static Shape shape(Class<?> type) {
    return SHAPES.get(type);
  }

  /** As {@link #isSharingFree(Object)}, with the {@link #shape} of the value's class already looked up. */
  static boolean isSharingFree(Object value, Shape shape) {
    if (shape.checked == null) {
      return false;
    }
    Field[] checked = shape.checked;
    if (checked.length == 0) {
      return true;
    }
    try {
      Object[] seen = new Object[checked.length];
      for (int i = 0; i < checked.length; i++) {
        Object held = checked[i].get(value);
        if (held == null) {
          continue;
        }
        for (int j = 0; j < i; j++) {
          if (seen[j] == held) {
            return false; // one object in two fields
          }
        }
        seen[i] = held;
        if (!held.getClass().isArray() && !plainOfUntracked(held)) {
          return false;
        }
      }
      return true;
    } catch (IllegalAccessException e) {
      return false;
    }
  }

  /** Whether {@code container} is one of the plain JDK containers and holds only untracked elements. */
  private static boolean plainOfUntracked(Object container) {
    if (!PLAIN_CONTAINERS.contains(container.getClass())) {
      return false;
    }
    if (container instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!untracked(entry.getKey()) || !untracked(entry.getValue())) {
          return false;
        }
      }
      return true;
    }
    for (Object element : (Collection<?>) container) {
      if (!untracked(element)) {
        return false;
      }
    }
    return true;
  }

  private static boolean untracked(Object element) {
    return element == null || UNTRACKED.contains(element.getClass()) || element instanceof Enum<?>;
  }

  /** Whether every instance of exactly {@code type} is sharing-free, with no check of its own (for tests). */
  static boolean isSharingFree(Class<?> type) {
    Shape shape = SHAPES.get(type);
    return shape.checked != null && shape.checked.length == 0;
  }

  /** Whether instances of exactly {@code type} may be sharing-free, depending on what they hold (for tests). */
  static boolean mayBeSharingFree(Class<?> type) {
    return SHAPES.get(type).checked != null;
  }

  private static Shape decide(Class<?> type) {
    if (type.isArray()) {
      // An array of references may hold one object twice.
      return type.getComponentType().isPrimitive() ? Shape.ALWAYS : Shape.NEVER;
    }
    Class<?> superclass = type.getSuperclass();
    if (superclass != Object.class && superclass != Record.class) {
      return Shape.NEVER; // also enums, interfaces and primitives (no superclass or a JDK one)
    }
    if (type.isSynthetic() || type.isHidden() || Externalizable.class.isAssignableFrom(type) || isJdk(type)) {
      return Shape.NEVER;
    }
    for (Method method : type.getDeclaredMethods()) {
      if (HOOKS.contains(method.getName())) {
        return Shape.NEVER;
      }
    }
    Set<Class<?>> arrayTypes = new HashSet<>();
    List<Field> arrays = new ArrayList<>();
    List<Field> containers = new ArrayList<>();
    for (Field field : type.getDeclaredFields()) {
      if (field.getName().equals("serialPersistentFields")) {
        return Shape.NEVER; // Java serialization's own field list: such a class goes through a Java stream
      }
      int modifiers = field.getModifiers();
      if (Modifier.isStatic(modifiers) || Modifier.isTransient(modifiers)) {
        continue;
      }
      Class<?> declared = field.getType();
      if (declared.isPrimitive() || UNTRACKED.contains(declared) || declared.isEnum()) {
        continue;
      }
      if (declared.isArray() && declared.getComponentType().isPrimitive()) {
        if (!arrayTypes.add(declared)) {
          containers.add(field); // a second field of one array type: checked on each instance
        }
        arrays.add(field);
        continue;
      }
      if (CONTAINER_TYPES.contains(declared) && mayHoldOnlyUntracked(field)) {
        containers.add(field);
        continue;
      }
      return Shape.NEVER;
    }
    if (containers.isEmpty()) {
      return Shape.ALWAYS; // at most one array per type and nothing else that could be shared
    }
    // Each instance is checked: its containers' contents, and that no two of its containers and arrays are one.
    List<Field> checked = new ArrayList<>(containers);
    for (Field array : arrays) {
      if (!checked.contains(array)) {
        checked.add(array);
      }
    }
    for (Field field : checked) {
      if (!field.trySetAccessible()) {
        return Shape.NEVER;
      }
    }
    return new Shape(checked.toArray(new Field[0]));
  }

  /**
   * Whether a container field's declared element types allow untracked elements: false for a {@code List<Order>}
   * (its instances would fail the check every time, so it is not made), true for {@code List<String>}, a raw type,
   * a wildcard or a type variable (the check on each instance decides).
   */
  private static boolean mayHoldOnlyUntracked(Field field) {
    if (!(field.getGenericType() instanceof ParameterizedType parameterized)) {
      return true;
    }
    for (Type argument : parameterized.getActualTypeArguments()) {
      if (argument instanceof Class<?> element && !UNTRACKED.contains(element) && !element.isEnum()) {
        return false;
      }
    }
    return true;
  }

  private static boolean isJdk(Class<?> type) {
    String name = type.getName();
    return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
        || name.startsWith("sun.") || name.startsWith("com.sun.");
  }
}

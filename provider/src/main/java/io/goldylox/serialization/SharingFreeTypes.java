package io.goldylox.serialization;

import java.io.Externalizable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
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
import java.util.HashSet;
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
 *   same array, which only tracking would keep as one.</li>
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

  private static final ClassValue<Boolean> DECISIONS = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      return decide(type);
    }
  };

  private SharingFreeTypes() {}

  /** Whether an instance of exactly {@code type} can never reach one object twice. */
  static boolean isSharingFree(Class<?> type) {
    return DECISIONS.get(type);
  }

  private static boolean decide(Class<?> type) {
    if (type.isArray()) {
      return type.getComponentType().isPrimitive(); // an array of references may hold one object twice
    }
    Class<?> superclass = type.getSuperclass();
    if (superclass != Object.class && superclass != Record.class) {
      return false; // also enums, interfaces and primitives (no superclass or a JDK one)
    }
    if (type.isSynthetic() || type.isHidden() || Externalizable.class.isAssignableFrom(type) || isJdk(type)) {
      return false;
    }
    for (Method method : type.getDeclaredMethods()) {
      if (HOOKS.contains(method.getName())) {
        return false;
      }
    }
    Set<Class<?>> arrayTypes = new HashSet<>();
    for (Field field : type.getDeclaredFields()) {
      if (field.getName().equals("serialPersistentFields")) {
        return false; // Java serialization's own field list: such a class goes through a Java stream
      }
      int modifiers = field.getModifiers();
      if (Modifier.isStatic(modifiers) || Modifier.isTransient(modifiers)) {
        continue;
      }
      Class<?> declared = field.getType();
      if (declared.isPrimitive() || UNTRACKED.contains(declared) || declared.isEnum()) {
        continue;
      }
      if (declared.isArray() && declared.getComponentType().isPrimitive() && arrayTypes.add(declared)) {
        continue;
      }
      return false;
    }
    return true;
  }

  private static boolean isJdk(Class<?> type) {
    String name = type.getName();
    return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
        || name.startsWith("sun.") || name.startsWith("com.sun.");
  }
}

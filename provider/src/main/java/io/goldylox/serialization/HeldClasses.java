package io.goldylox.serialization;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of a value's fingerprint that its class cannot give: the classes of what its open slots hold. An open
 * slot is an instance field whose declared type does not fix the class of its value (declared as {@code Object},
 * {@code Serializable} or {@code Comparable}, an application interface, an abstract class, or a non-final
 * application class, which may hold a subclass). {@link ClassShape} describes the declared types only, so a class
 * held there whose fields changed between write and read would be read into the wrong fields unnoticed; this walk
 * mixes the {@link ClassShape} fingerprint of each such value's runtime class into the record's fingerprint, and
 * goes on into the values it holds, through open slots and through fields of application classes that lead to
 * open slots.
 *
 * <p>Not covered: the elements of arrays and of JDK containers, and fields this code may not read (a class in a
 * named module that does not open its package). Classes with no open slot reachable through their fields cost
 * nothing ({@link #reachesOpenSlot}, cached per class); others a field read per visited field. The walk depends on
 * the object graph and the classes alone, so every JVM computes the same value. Thread-safe: per-class results are
 * in {@link ClassValue}s; a walk keeps its state on the calling thread.
 */
final class HeldClasses {

  /** How deep a walk goes: a deeper graph is covered down to here. */
  static final int MAX_DEPTH = 32;

  private static final Slot[] NONE = new Slot[0];

  /** A field the walk visits: {@code open} when its value's runtime class counts. */
  private static final class Slot {
    final Field field;
    final boolean open;

    Slot(Field field, boolean open) {
      this.field = field;
      this.open = open;
    }
  }

  private static final ClassValue<Slot[]> SLOTS = new ClassValue<>() {
    @Override
    protected Slot[] computeValue(Class<?> type) {
      if (!reachesOpenSlot(type)) {
        return NONE;
      }
      List<Slot> slots = new ArrayList<>();
      for (Field field : ClassShape.fields(type)) {
        Class<?> declared = field.getType();
        boolean open = isOpen(declared);
        if ((open || isApplication(declared) && reachesOpenSlot(declared)) && accessible(field)) {
          slots.add(new Slot(field, open));
        }
      }
      return slots.toArray(NONE);
    }
  };

  private static final ClassValue<Boolean> REACHES_OPEN = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      if (!isApplication(type)) {
        return false;
      }
      // Depth-first over the declared types of the fields, each class once: a cycle among application classes
      // is explored from whichever member was asked, so its open slots are found from any of them.
      Set<Class<?>> seen = new HashSet<>();
      Deque<Class<?>> toVisit = new ArrayDeque<>();
      toVisit.push(type);
      while (!toVisit.isEmpty()) {
        Class<?> next = toVisit.pop();
        if (!seen.add(next)) {
          continue;
        }
        for (Field field : ClassShape.fields(next)) {
          Class<?> declared = field.getType();
          if (isOpen(declared)) {
            return true;
          }
          if (isApplication(declared)) {
            toVisit.push(declared);
          }
        }
      }
      return false;
    }
  };

  private HeldClasses() {}

  /** Whether a value of {@code type} may hold, somewhere in its fields, a value whose class its type leaves open. */
  static boolean reachesOpenSlot(Class<?> type) {
    return REACHES_OPEN.get(type);
  }

  /**
   * {@code fingerprint} (of {@code value}'s class) with the fingerprints of the classes held in {@code value}'s open
   * slots mixed in, in field order, depth first.
   */
  static long fingerprint(Object value, long fingerprint) {
    return walk(value, fingerprint, 0, new IdentityHashMap<>());
  }

  private static long walk(Object value, long hash, int depth, Map<Object, Boolean> seen) {
    if (depth >= MAX_DEPTH || seen.put(value, Boolean.TRUE) != null) {
      return hash;
    }
    for (Slot slot : SLOTS.get(value.getClass())) {
      Object held;
      try {
        held = slot.field.get(value);
      } catch (IllegalAccessException e) {
        continue; // made accessible when the slot was found; cannot happen
      }
      if (slot.open) {
        hash = mix(hash, held == null ? 1 : ClassShape.fingerprint(held.getClass()));
      }
      if (held != null && isApplication(held.getClass())) {
        hash = walk(held, hash, depth + 1, seen);
      }
    }
    return hash;
  }

  private static long mix(long hash, long value) {
    return (Long.rotateLeft(hash, 23) ^ value) * 0x9E3779B97F4A7C15L;
  }

  /**
   * Whether a field declared as {@code declared} may hold values of classes its type does not fix: {@code Object}
   * and the JDK's marker interfaces, or an application interface, abstract class or non-final class (an enum or a
   * record is final; an array or a JDK container is not walked).
   */
  private static boolean isOpen(Class<?> declared) {
    if (declared == Object.class || declared == java.io.Serializable.class || declared == Comparable.class) {
      return true;
    }
    return isApplication(declared) && !declared.isEnum() && !Modifier.isFinal(declared.getModifiers());
  }

  /** A class of the application's: not primitive, not an array, not the JDK's. */
  private static boolean isApplication(Class<?> type) {
    if (type.isPrimitive() || type.isArray()) {
      return false;
    }
    ClassLoader loader = type.getClassLoader();
    return loader != null && loader != ClassLoader.getPlatformClassLoader();
  }

  private static boolean accessible(Field field) {
    try {
      field.setAccessible(true);
      return true;
    } catch (RuntimeException e) { // InaccessibleObjectException, SecurityException: not covered
      return false;
    }
  }
}

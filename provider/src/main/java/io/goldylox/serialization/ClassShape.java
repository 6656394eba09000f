package io.goldylox.serialization;

import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A 64-bit fingerprint of the shape of a class as a serializer sees it: its name, and for each instance field
 * (its own and its superclasses', static and transient ones left out) the field's name and declared type, the
 * application classes among those types described the same way in turn (generic type arguments included, each
 * class once: cycles end at the name), an enum by its constants in order (a constant with a body by its enum's).
 * JDK classes count by name only, so a JDK update changes no fingerprint.
 *
 * <p>It is the shape of the declared types: a field declared as an interface, an abstract class or
 * {@code Object} (or as a class whose subclass it holds) contributes its declared type only, so a change in
 * the class of the value it holds is not seen; nor is a change in the application classes inside a JDK
 * container that is itself the value. Fory reads such fields in the order the reading class declares them.
 *
 * <p>{@link ForySerializer} writes the fingerprint of a value's class with each record and compares it with the
 * reading class's after decoding: a class whose fields were renamed, retyped, added or removed
 * between the write and the read (a disk tier after an upgrade, a journal replayed by the next release, another
 * node) is refused, instead of Fory giving one field's value to another. Unlike a hash that Fory computes from
 * its own type ids, it depends on nothing but the classes, so every JVM computes the same value whatever it met
 * first. Cached per class ({@link ClassValue}); thread-safe.
 */
final class ClassShape {

  private static final ClassValue<Long> FINGERPRINTS = new ClassValue<>() {
    @Override
    protected Long computeValue(Class<?> type) {
      if (Enum.class.isAssignableFrom(type) && !type.isEnum() && type.getSuperclass() != null) {
        // A constant with a body: its class (Status$1) is named by its position; the enum is what counts.
        return get(type.getSuperclass());
      }
      if (isJdk(type) || type.isHidden() || type.isSynthetic() || java.lang.reflect.Proxy.isProxyClass(type)) {
        return 0L;
      }
      StringBuilder text = new StringBuilder(256);
      describe(type, text, new HashSet<>());
      return fnv1a64(text.toString().getBytes(StandardCharsets.UTF_8));
    }
  };

  private ClassShape() {}

  /**
   * The fingerprint of {@code type}'s shape; 0, not checked, for a JDK class (a JDK collection may come back as
   * another JDK class, {@code List.of} as an {@code ArrayList} say, and its shape is the JDK's, not the
   * application's; the application classes inside it are not covered), and for a class whose name differs from
   * one JVM to the next (a lambda's, a proxy's: nothing to compare).
   */
  static long fingerprint(Class<?> type) {
    return FINGERPRINTS.get(type);
  }

  /** The canonical text of {@code type}'s shape (for tests and messages). */
  static String describe(Class<?> type) {
    StringBuilder text = new StringBuilder(256);
    describe(type, text, new HashSet<>());
    return text.toString();
  }

  private static void describe(Class<?> type, StringBuilder out, Set<Class<?>> seen) {
    if (type.isArray()) {
      describe(type.getComponentType(), out, seen);
      out.append("[]");
      return;
    }
    out.append(type.getName());
    if (type.isPrimitive() || isJdk(type) || !seen.add(type)) {
      return;
    }
    if (type.isEnum()) {
      out.append('{');
      for (Object constant : type.getEnumConstants()) {
        out.append(((Enum<?>) constant).name()).append(',');
      }
      out.append('}');
      return;
    }
    if (type.isInterface() || Modifier.isAbstract(type.getModifiers()) && fields(type).isEmpty()) {
      return; // what such a field holds is not known from the classes: not covered (see the class comment)
    }
    out.append('{');
    for (Field field : fields(type)) {
      out.append(field.getDeclaringClass() == type ? "" : field.getDeclaringClass().getName() + '.')
          .append(field.getName()).append(':');
      describe(field.getGenericType(), out, seen);
      out.append(';');
    }
    out.append('}');
  }

  private static void describe(Type type, StringBuilder out, Set<Class<?>> seen) {
    if (type instanceof Class<?>) {
      describe((Class<?>) type, out, seen);
    } else if (type instanceof ParameterizedType) {
      ParameterizedType parameterized = (ParameterizedType) type;
      describe(parameterized.getRawType(), out, seen);
      out.append('<');
      for (Type argument : parameterized.getActualTypeArguments()) {
        describe(argument, out, seen);
        out.append(',');
      }
      out.append('>');
    } else if (type instanceof GenericArrayType) {
      describe(((GenericArrayType) type).getGenericComponentType(), out, seen);
      out.append("[]");
    } else if (type instanceof WildcardType) {
      WildcardType wildcard = (WildcardType) type;
      out.append('?');
      for (Type bound : wildcard.getUpperBounds()) {
        out.append(" extends ");
        describe(bound, out, seen);
      }
      for (Type bound : wildcard.getLowerBounds()) {
        out.append(" super ");
        describe(bound, out, seen);
      }
    } else {
      out.append(type.getTypeName()); // a type variable: its name
    }
  }

  /** The instance fields a serializer writes: declared in {@code type} and its superclasses, in a fixed order. */
  private static List<Field> fields(Class<?> type) {
    List<Field> fields = new ArrayList<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      if (isJdk(c)) {
        break; // a JDK superclass (AbstractList, say) counts by the name of the class itself
      }
      List<Field> own = new ArrayList<>();
      for (Field field : c.getDeclaredFields()) {
        int modifiers = field.getModifiers();
        if (!Modifier.isStatic(modifiers) && !Modifier.isTransient(modifiers) && !field.isSynthetic()) {
          own.add(field);
        }
      }
      own.sort(Comparator.comparing(Field::getName));
      fields.addAll(own);
    }
    return fields;
  }

  private static boolean isJdk(Class<?> type) {
    ClassLoader loader = type.getClassLoader();
    return loader == null || loader == ClassLoader.getPlatformClassLoader();
  }

  static long fnv1a64(byte[] bytes) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }
}

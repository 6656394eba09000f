package io.goldylox.serialization;

import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which classes one cache may instantiate while decoding bytes that came from outside the process (a disk tier's
 * records after a restart, a write-behind journal, a remote tier): the JDK's value types, the cache's declared key
 * and value types with the types of their fields (transitively, generic arguments included), and the configured
 * allow-list ({@code serializer.allow} in the configuration file, the {@code goldylox.serializer.allow} property).
 *
 * <p>Allow-list entries are a class name ({@code com.example.Order}), a package ({@code com.example.*}: its classes
 * and their nested classes) or a package tree ({@code com.example.**}). A class declared inside a declared type, or
 * inside one of the application classes their fields reach, is allowed with it ({@code Order$Line}, the
 * {@code Money$Proxy} its {@code writeReplace} returns, {@code Op$1} for an enum constant with a body): it is the
 * same source file's code, and the serial form of such a class often is one. That is checked on the class itself,
 * not on its name: it is loaded without being initialized (no code of it runs) and its chain of enclosing classes
 * ({@link Class#getEnclosingClass()}, from the class files' own attributes, also those of classes compiled for Java
 * 8 or by other languages, which have no nest attributes) must reach the allowed class, so a class generated at
 * run time under such a name (a CGLIB or Hibernate proxy, a lambda) is not. Names longer than
 * {@value #MAX_NAME_LENGTH} characters are refused at once. Subclasses and implementations of the declared types
 * are not allowed implicitly: name them.
 * A refusal is counted ({@link #rejected()}) and logged as a WARN once per class (for the first 1,024 classes).
 *
 * <p>Built once per cache on the thread that creates it, immutable apart from its counters; consulted by any
 * thread that decodes (callers, the tiered store's mover, the write-behind flusher, Redis readers).
 */
public final class ClassPolicy {

  private static final System.Logger LOG = System.getLogger(ClassPolicy.class.getName());

  /** JDK classes whose instances are plain values (and the serial forms and superclasses Java streams name). */
  private static final Set<String> JDK_VALUES = Set.of(
      "java.lang.String", "java.lang.Boolean", "java.lang.Character", "java.lang.Byte", "java.lang.Short",
      "java.lang.Integer", "java.lang.Long", "java.lang.Float", "java.lang.Double", "java.lang.Number",
      "java.lang.Enum", "java.lang.Object", "java.lang.StringBuilder", "java.lang.StringBuffer",
      "java.math.BigDecimal", "java.math.BigInteger", "java.util.UUID", "java.util.Date", "java.util.Locale",
      "java.util.Currency", "java.net.URI", "java.util.ArrayList", "java.util.LinkedList", "java.util.HashMap",
      "java.util.LinkedHashMap", "java.util.TreeMap", "java.util.HashSet", "java.util.LinkedHashSet",
      "java.util.TreeSet", "java.util.ArrayDeque", "java.util.Vector", "java.util.EnumMap",
      "java.util.EnumSet", "java.util.RegularEnumSet", "java.util.JumboEnumSet",
      "java.util.EnumSet$SerializationProxy", "java.util.Arrays$ArrayList", "java.util.CollSer",
      "java.util.BitSet", "java.util.Map$Entry", "java.util.concurrent.ConcurrentHashMap", "java.util.concurrent.ConcurrentHashMap$Segment",
      "java.util.concurrent.CopyOnWriteArrayList", "java.util.concurrent.ConcurrentSkipListMap",
      "java.util.concurrent.ConcurrentSkipListSet");

  /** JDK packages or nested-class prefixes whose classes are all values or value collections. */
  private static final List<String> JDK_PREFIXES = List.of(
      "java.time.", "java.util.ImmutableCollections$", "java.util.Collections$Unmodifiable",
      "java.util.Collections$Empty", "java.util.Collections$Singleton", "java.util.Collections$Synchronized");

  private static final int MAX_WALKED_TYPES = 1_000;
  /** Longer class names are refused unread (the JDK's own limit is 65,535 bytes of modified UTF-8). */
  static final int MAX_NAME_LENGTH = 1_000;
  /** At most this many refused names are remembered for their once-per-class WARN; later ones log no line. */
  private static final int MAX_WARNED = 1_024;

  private final String owner;
  private final Set<String> exact;
  /** The walked application classes (declared types and what their fields reach), whose nest members are allowed. */
  private final java.util.Map<String, Class<?>> nestOuters;
  /** Class names found to be members of an outer's nest (only positive answers: a name costs a lookup each time). */
  private final ConcurrentHashMap<String, Boolean> nestMembers = new ConcurrentHashMap<>();
  private final List<String> packages;
  private final List<String> trees;
  private final ConcurrentHashMap<String, Boolean> warned = new ConcurrentHashMap<>();
  private final LongAdder rejected = new LongAdder();
  /** Per class stored by a caller: whether the policy reads it back (computed once per class). */
  private final ClassValue<Boolean> readsBack = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      return allows(type.getName());
    }
  };
  private final ConcurrentHashMap<String, Boolean> warnedStored = new ConcurrentHashMap<>();

  private ClassPolicy(String owner, Set<String> exact, java.util.Map<String, Class<?>> nestOuters,
      List<String> packages, List<String> trees) {
    this.owner = owner;
    this.exact = Set.copyOf(exact);
    this.nestOuters = java.util.Map.copyOf(nestOuters);
    this.packages = List.copyOf(packages);
    this.trees = List.copyOf(trees);
  }

  /**
   * @param owner what the policy guards, for log lines (a cache name)
   * @param declared the cache's declared key and value types
   * @param allowList allow-list entries (see the class comment)
   * @throws IllegalArgumentException for an entry that is not a class name, {@code pkg.*} or {@code pkg.**}
   */
  public static ClassPolicy of(String owner, Collection<Class<?>> declared, Collection<String> allowList) {
    Set<String> exact = new HashSet<>();
    List<String> packages = new ArrayList<>();
    List<String> trees = new ArrayList<>();
    for (String raw : allowList) {
      String entry = raw.trim();
      if (entry.endsWith(".**")) {
        trees.add(checkName(raw, entry.substring(0, entry.length() - 3)) + ".");
      } else if (entry.endsWith(".*")) {
        packages.add(checkName(raw, entry.substring(0, entry.length() - 2)) + ".");
      } else {
        exact.add(checkName(raw, entry));
      }
    }
    java.util.Map<String, Class<?>> nestOuters = new java.util.HashMap<>();
    walk(declared, exact, nestOuters);
    return new ClassPolicy(owner, exact, nestOuters, packages, trees);
  }

  private static String checkName(String raw, String name) {
    if (name.isEmpty() || name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
      throw new IllegalArgumentException("'" + raw + "' is not a class name, package.* or package.**");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!Character.isJavaIdentifierPart(c) && c != '.') {
        throw new IllegalArgumentException("'" + raw + "' is not a class name, package.* or package.**");
      }
    }
    return name;
  }

  /**
   * Adds the declared types and, for non-JDK classes, the types of their fields, transitively; the non-JDK classes
   * among them go to {@code outers} too.
   */
  private static void walk(Collection<Class<?>> declared, Set<String> names, java.util.Map<String, Class<?>> outers) {
    Deque<Type> pending = new ArrayDeque<>(declared);
    Set<Class<?>> visited = new HashSet<>();
    while (!pending.isEmpty() && visited.size() < MAX_WALKED_TYPES) {
      Type type = pending.pop();
      if (type instanceof ParameterizedType) {
        ParameterizedType parameterized = (ParameterizedType) type;
        pending.push(parameterized.getRawType());
        for (Type argument : parameterized.getActualTypeArguments()) {
          pending.push(argument);
        }
      } else if (type instanceof GenericArrayType) {
        pending.push(((GenericArrayType) type).getGenericComponentType());
      } else if (type instanceof WildcardType) {
        for (Type bound : ((WildcardType) type).getUpperBounds()) {
          pending.push(bound);
        }
      } else if (type instanceof TypeVariable) {
        for (Type bound : ((TypeVariable<?>) type).getBounds()) {
          pending.push(bound);
        }
      } else if (type instanceof Class) {
        Class<?> type1 = (Class<?>) type;
        while (type1.isArray()) {
          type1 = type1.getComponentType();
        }
        if (type1.isPrimitive() || !visited.add(type1)) {
          continue;
        }
        names.add(type1.getName());
        if (isJdk(type1.getName())) {
          continue; // a JDK class's private fields say nothing about what the cache holds
        }
        outers.put(type1.getName(), type1);
        for (Class<?> c = type1; c != null && c != Object.class; c = c.getSuperclass()) {
          if (c != type1 && visited.add(c)) {
            names.add(c.getName()); // a Java stream names every serializable superclass
          }
          for (Field field : c.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers())) {
              pending.push(field.getGenericType());
            }
          }
        }
      }
    }
  }

  private static boolean isJdk(String name) {
    return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
        || name.startsWith("sun.") || name.startsWith("com.sun.");
  }

  /**
   * Whether the policy lets a class of this name be instantiated (no counting, no logging). A name under a walked
   * application class is looked up (loaded, not initialized) to check that it is nested in it.
   */
  public boolean allows(String className) {
    if (className.length() > MAX_NAME_LENGTH) {
      return false;
    }
    String name = className;
    while (name.startsWith("[")) {
      name = name.substring(1);
    }
    if (name.length() == 1) {
      return "ZBCSIJFD".contains(name); // an array of primitives
    }
    if (name.startsWith("L") && name.endsWith(";")) {
      name = name.substring(1, name.length() - 1);
    }
    if (JDK_VALUES.contains(name) || exact.contains(name) || nestedInAllowed(name)) {
      return true;
    }
    for (String prefix : JDK_PREFIXES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    for (String tree : trees) {
      if (name.startsWith(tree)) {
        return true;
      }
    }
    for (String pkg : packages) {
      if (name.startsWith(pkg) && name.indexOf('.', pkg.length()) < 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code name} is a class declared (at any depth) inside one of {@link #nestOuters}: named under it, in
   * its package, and, loaded without initialization through the outer's loader, a member of the outer's nest.
   */
  private boolean nestedInAllowed(String name) {
    if (nestMembers.containsKey(name)) {
      return true;
    }
    for (int dollar = name.lastIndexOf('$'); dollar > 0; dollar = name.lastIndexOf('$', dollar - 1)) {
      Class<?> outer = nestOuters.get(name.substring(0, dollar));
      if (outer == null) {
        continue;
      }
      if (name.indexOf('.', dollar) >= 0) {
        return false; // another package
      }
      try {
        Class<?> candidate = Class.forName(name, false, outer.getClassLoader());
        if (!candidate.isHidden() && enclosedBy(candidate, outer)) {
          nestMembers.put(name, Boolean.TRUE);
          return true;
        }
      } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
        // not a class of that loader (or the loader failed): refused
      }
      return false;
    }
    return false;
  }

  /** Whether {@code outer} is among the classes that enclose {@code candidate}, lexically. */
  private static boolean enclosedBy(Class<?> candidate, Class<?> outer) {
    for (Class<?> c = candidate.getEnclosingClass(); c != null; c = c.getEnclosingClass()) {
      if (c == outer) {
        return true;
      }
    }
    return false;
  }

  /** As {@link #allows}, but a refusal is counted and logged (once per class name). */
  public boolean check(String className) {
    if (allows(className)) {
      return true;
    }
    rejected.increment();
    if (warned.size() < MAX_WARNED && warned.putIfAbsent(className, Boolean.TRUE) == null) {
      LOG.log(System.Logger.Level.WARNING, owner + ": refused to instantiate " + className + " from stored or"
          + " remote bytes; the entry is treated as a miss. If the class is yours, add it to serializer.allow"
          + " (or goldylox.serializer.allow). Logged once per class.");
    }
    return false;
  }

  /**
   * Called as a caller's key or value enters a cache whose bytes also live outside the heap (a disk tier, a
   * write-behind journal, a remote store; a key also on lookups of a by-value cache): if the policy would refuse
   * its class when those bytes are read back, a WARN says so now, once per class, instead of a miss after the
   * restart. Checks the object's own class, not the classes it holds or what its {@code writeReplace} writes.
   * Cheap: one {@link ClassValue} lookup.
   */
  public void noteStored(Object keyOrValue) {
    Class<?> type = keyOrValue.getClass();
    if (!readsBack.get(type) && warnedStored.putIfAbsent(type.getName(), Boolean.TRUE) == null) {
      LOG.log(System.Logger.Level.WARNING, owner + " was given a key or value of class " + type.getName()
          + ", which it does not read back from its disk tier, write-behind journal or remote store (it reads its declared types, their"
          + " field types and nested classes, the JDK's value types and serializer.allow): after a restart, or on"
          + " another node, that entry is a miss and its write-behind operation a dead letter. If the class is"
          + " yours, add it to serializer.allow (or goldylox.serializer.allow). Logged once per class.");
    }
  }

  /** How many times a class was refused. */
  public long rejected() {
    return rejected.sum();
  }

  @Override
  public String toString() {
    return "ClassPolicy[" + owner + ": " + exact.size() + " classes, packages " + packages + ", trees " + trees
        + "]";
  }
}

package io.goldylox.serialization;

import java.io.Externalizable;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;
import org.apache.fory.exception.InsecureException;
import org.apache.fory.logging.LogLevel;
import org.apache.fory.logging.LoggerFactory;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The default {@link Serializer}, on <a href="https://fory.apache.org">Apache Fory</a>: serializers generated per
 * class at run time, about an order of magnitude faster than Java serialization, and no {@code Serializable}
 * needed. Values come back as Java serialization would bring them back ({@code ForyRoundTripTest} compares the
 * two): classes with {@code writeReplace}, {@code readResolve} or {@code writeObject}/{@code readObject}, and
 * {@code Externalizable} ones, go through Fory's JDK-compatible serializers, which call those methods (a
 * {@code readResolve} singleton stays a singleton); records are rebuilt through their canonical constructor, enums
 * as their constants, other classes without running a constructor. Three cases where Fory's own serializers differ
 * are configured here: a {@code LinkedHashMap} keeps its access order ({@link LinkedHashMapForySerializer}); a
 * {@code Serializable} class under a non-{@code Serializable} superclass with fields falls back to Java
 * serialization ({@link JdkStreamForySerializer}), because Java rebuilds that superclass's state with its no-arg
 * constructor instead of copying it; and so does a class that declares {@code serialPersistentFields}, of which
 * Java writes only the fields it names.
 *
 * <p>Every record starts with a format byte: {@value #TAG_FORY} for a Fory stream with reference tracking,
 * {@value #TAG_FORY_UNTRACKED} for one without, each followed by the 8-byte {@link ClassShape} fingerprint of the
 * value's class, which a read compares with the decoded value's class (a class whose fields changed since the
 * write is refused, not misread; {@value #TAG_FORY_UNHASHED} and {@value #TAG_FORY_UNTRACKED_UNHASHED} are the
 * same records written before fingerprints, read unchecked); the untracked form is written for the classes
 * whose instances cannot reach one object twice ({@link SharingFreeTypes}: a DTO of primitives, strings, boxed and {@code java.time} values, enums, arrays of
 * primitives and plain JDK collections of such values, no two fields holding one object), where tracking references
 * costs an identity hash and a table entry per object on every write and read (the table, per thread and old, also
 * takes a reference to each young value: a card for G1 to refine) and could not change what comes back;
 * {@code String}, {@code Long}
 * and {@code Integer} are written in {@link JavaSerializer}'s compact forms (tags 1 to 3), byte for byte as that
 * serializer writes them. Reading dispatches on the first byte, so bytes written by Java serialization (the
 * default before Fory: {@code 0xAC} or the compact tags) are read back too, through a {@link JavaSerializer}.
 * Anything else is refused, never guessed at.
 *
 * <p>Copies that stay in the heap are decoded by a Fory without class checks (Fory's own deny-list of known
 * gadget classes still applies). {@link #guarded} returns a reader for bytes from outside the process: it has a
 * Fory instance of its own (Fory caches each class's check per instance) whose type checker asks a
 * {@link ClassPolicy}, and a Java reader filtered by the same policy.
 *
 * <p>Thread-safe: Fory keeps one instance per thread. Values must keep the same class layout between write and
 * read: a disk tier's value written by an older version of its class may not read back (it is then a miss).
 */
public final class ForySerializer implements Serializer {

  /** The name of this format, as {@code goldylox.serializer} spells it. */
  public static final String NAME = "fory";
  /** The first byte of a Fory record; the fingerprint of the value's class follows ({@link ClassShape}). */
  static final byte TAG_FORY = 0x48;
  /** The first byte of a Fory record written without reference tracking; the fingerprint follows. */
  static final byte TAG_FORY_UNTRACKED = 0x68;
  /** The first byte of a Fory record written before fingerprints (read, never written). */
  static final byte TAG_FORY_UNHASHED = 0x46;
  /** The first byte of an untracked Fory record written before fingerprints (read, never written). */
  static final byte TAG_FORY_UNTRACKED_UNHASHED = 0x66;

  /** Writes; the reader too, unless this is a guarded serializer. */
  private final ThreadSafeFory writer;
  /** Reads: a Fory of its own with a type checker in a guarded serializer (Fory checks classes on writes too). */
  private final ThreadSafeFory fory;
  /** As {@link #writer} and {@link #fory}, without reference tracking (for {@link SharingFreeTypes}). */
  private final ThreadSafeFory untrackedWriter;
  private final ThreadSafeFory untracked;
  private final JavaSerializer java;
  private final ClassLoader classLoader;
  private final ClassPolicy policy;
  /** The sink of {@link #serialize(Object)}: the record in an array of its own size. */
  private static final BytesSink<Object, byte[]> COPY_OUT = (context, bytes, length) -> Arrays.copyOf(bytes, length);
  /** This serializer's per-thread scratch buffers, shared with its {@link #guarded} copies. */
  private final ThreadLocal<ForyBuffers> buffers;

  /** @param classLoader resolves classes when reading values back */
  public ForySerializer(ClassLoader classLoader) {
    this(classLoader, new JavaSerializer(), null);
  }

  /**
   * @param java reads records written by Java serialization (its filter applies to them)
   */
  public ForySerializer(ClassLoader classLoader, JavaSerializer java) {
    this(classLoader, java, null);
  }

  /**
   * A serializer whose every read is checked against {@code allowList} (the JDK's value types are allowed too);
   * empty: no checks. For tools that read only bytes from outside the process.
   */
  public ForySerializer(ClassLoader classLoader, List<String> allowList) {
    this(classLoader, allowList.isEmpty() ? null : ClassPolicy.of("ForySerializer", List.of(), allowList));
  }

  private ForySerializer(ClassLoader classLoader, ClassPolicy policy) {
    this(classLoader, policy == null ? new JavaSerializer() : (JavaSerializer) new JavaSerializer().guarded(policy),
        policy);
  }

  private ForySerializer(ClassLoader classLoader, JavaSerializer java, ClassPolicy policy) {
    this(classLoader, java, policy, null, null, ThreadLocal.withInitial(ForyBuffers::new));
  }

  private ForySerializer(ClassLoader classLoader, JavaSerializer java, ClassPolicy policy, ThreadSafeFory writer,
      ThreadSafeFory untrackedWriter, ThreadLocal<ForyBuffers> buffers) {
    this.classLoader = classLoader;
    this.buffers = buffers;
    this.java = java;
    this.policy = policy;
    this.fory = build(classLoader, java, policy, true);
    this.writer = writer != null ? writer : policy == null ? fory : build(classLoader, java, null, true);
    this.untracked = build(classLoader, java, policy, false);
    this.untrackedWriter = untrackedWriter != null ? untrackedWriter
        : policy == null ? untracked : build(classLoader, java, null, false);
  }

  private static final Object LOG_LEVEL_LOCK = new Object();

  static {
    // Fory's own logger prints to standard output, which is the application's: when SLF4J is on the class path,
    // Fory's lines (a WARN that class registration is not forced, an INFO per Fory instance) go there instead.
    try {
      Class.forName("org.slf4j.LoggerFactory", false, ForySerializer.class.getClassLoader());
      LoggerFactory.useSlf4jLogging(true);
    } catch (ClassNotFoundException | LinkageError e) {
      // No SLF4J: Fory logs as it does by default.
    }
  }

  private static ThreadSafeFory build(ClassLoader classLoader, JavaSerializer java, ClassPolicy policy,
      boolean trackReferences) {
    ThreadSafeFory fory;
    // Fory warns at every build that class registration is not required and unknown classes can be read. Goldylox
    // checks the classes of bytes from outside the process itself (ClassPolicy), and heap copies need no check, so
    // that warning would only mislead: Fory's log level is ERROR while Goldylox builds, and restored after.
    synchronized (LOG_LEVEL_LOCK) {
      int level = LoggerFactory.getLogLevel();
      LoggerFactory.setLogLevel(Math.min(level, LogLevel.ERROR_LEVEL));
      try {
        fory = Fory.builder()
            .withLanguage(Language.JAVA)
            .withRefTracking(trackReferences)
            .requireClassRegistration(false)
            .suppressClassRegistrationWarnings(true)
            .withClassLoader(classLoader)
            .buildThreadSafeFory();
      } finally {
        LoggerFactory.setLogLevel(level);
      }
    }
    // Fory's own map serializer drops a LinkedHashMap's access order (an LRU map would come back
    // insertion-ordered): this one keeps it, as Java serialization does.
    fory.registerSerializer(LinkedHashMap.class, LinkedHashMapForySerializer.class);
    // Likewise a Serializable class under a non-Serializable superclass with state: Java serialization rebuilds
    // that state with the superclass's no-arg constructor instead of copying it.
    // Such objects go as a Java serialization stream inside the Fory stream.
    // And a class that names its serialized fields (serialPersistentFields): Fory would copy all of them.
    fory.setSerializerFactory((instance, type) -> statefulNonSerializableSuperclass(type)
        || namesItsSerializedFields(type) ? new JdkStreamForySerializer(instance, type, java, classLoader) : null);
    if (policy != null) {
      // Throwing, not returning false: on some paths (a class met nested in a field) Fory goes on after a false.
      fory.setTypeChecker((resolver, className) -> {
        if (!policy.check(className)) {
          throw new InsecureException(className + " is not allowed by " + policy);
        }
        return true;
      });
    }
    return fory;
  }

  /** Parses a comma-separated allow-list. */
  public static List<String> parseAllowList(String text) {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    return Arrays.stream(text.split(",")).map(String::trim).filter(entry -> !entry.isEmpty()).toList();
  }

  @Override
  public String formatName() {
    return NAME;
  }

  /** Fory records and, through the first byte of each record, Java serialization's. */
  @Override
  public boolean reads(String writtenBy) {
    return NAME.equals(writtenBy) || JavaSerializer.NAME.equals(writtenBy);
  }

  @Override
  public boolean checksClasses() {
    return policy != null;
  }

  @Override
  public Serializer guarded(ClassPolicy policy) {
    return new ForySerializer(classLoader, (JavaSerializer) java.guarded(policy), policy, writer, untrackedWriter,
        buffers);
  }

  @Override
  public byte[] serialize(Object value) {
    return serialize(value, null, COPY_OUT);
  }

  @Override
  public <C, R> R serialize(Object value, C context, BytesSink<C, R> sink) {
    Class<?> type = value.getClass();
    if (type == String.class || type == Long.class || type == Integer.class) {
      byte[] bytes = java.serialize(value);
      return sink.accept(context, bytes, bytes.length);
    }
    ForyBuffers scratchBuffers = buffers.get();
    MemoryBuffer buffer = scratchBuffers.takeWriter();
    boolean scratch = buffer != null;
    if (!scratch) {
      buffer = MemoryBuffer.newHeapBuffer(ForyBuffers.INITIAL_BYTES); // a serialization re-entered on this thread
    }
    try {
      try {
        if (SharingFreeTypes.isSharingFree(value, scratchBuffers.shape(type))) {
          buffer.writeByte(TAG_FORY_UNTRACKED);
          buffer.writeInt64(scratchBuffers.fingerprint(type));
          untrackedWriter.serialize(buffer, value);
        } else {
          buffer.writeByte(TAG_FORY);
          buffer.writeInt64(scratchBuffers.fingerprint(type));
          writer.serialize(buffer, value);
        }
      } catch (RuntimeException e) {
        throw new SerializationException("Fory cannot serialize a " + type.getName() + ": " + e, e);
      }
      int length = buffer.writerIndex();
      if (buffer.isHeapFullyWriteable()) { // a heap array from index 0: handed over as it is
        return sink.accept(context, buffer.getHeapMemory(), length);
      }
      return sink.accept(context, buffer.getBytes(0, length), length);
    } finally {
      if (scratch) {
        scratchBuffers.releaseWriter();
      }
    }
  }

  @Override
  public Object deserialize(byte[] bytes, ClassLoader classLoader) {
    return deserialize(bytes, bytes.length, classLoader);
  }

  @Override
  public Object deserialize(RewritableBytes record, ClassLoader classLoader) {
    ForyBuffers scratchBuffers = buffers.get();
    ReadScratch scratch = scratchBuffers.takeScratch();
    if (scratch == null) { // a read re-entered on this thread while decoding another record
      return deserialize(record.toByteArray(), classLoader);
    }
    try {
      int length = record.copyInto(scratch);
      return deserialize(scratchBuffers, scratch.bytes(), length, classLoader);
    } finally {
      scratchBuffers.releaseScratch();
    }
  }

  @Override
  public Object deserialize(byte[] bytes, int length, ClassLoader classLoader) {
    return deserialize(buffers.get(), bytes, length, classLoader);
  }

  /** A read with this thread's {@code scratchBuffers} already looked up. */
  private Object deserialize(ForyBuffers scratchBuffers, byte[] bytes, int length, ClassLoader classLoader) {
    if (length == 0) {
      throw new SerializationException("Not a stored value: no bytes", null);
    }
    byte tag = bytes[0];
    boolean fingerprinted = tag == TAG_FORY || tag == TAG_FORY_UNTRACKED;
    if (fingerprinted || tag == TAG_FORY_UNHASHED || tag == TAG_FORY_UNTRACKED_UNHASHED) {
      MemoryBuffer buffer = scratchBuffers.takeReader(bytes, 1, length - 1);
      boolean scratch = buffer != null;
      if (!scratch) {
        buffer = MemoryBuffer.fromByteArray(bytes, 1, length - 1); // a read re-entered on this thread
      }
      try {
        if (!fingerprinted) {
          return (tag == TAG_FORY_UNHASHED ? fory : untracked).deserialize(buffer);
        }
        long written = buffer.readInt64();
        Object value = (tag == TAG_FORY ? fory : untracked).deserialize(buffer);
        // (A value of an enum constant with a body written by the release before such constants were
        // fingerprinted by their enum does not match: that fingerprint, of the constant's own class, could not
        // tell a constant added before it, so it is refused rather than trusted.)
        if (written != 0 && value != null && scratchBuffers.fingerprint(value.getClass()) != written) {
          throw new SerializationException("The class " + value.getClass().getName() + " is not the one this"
              + " record was written with: its fields (names or types) or enum constants, or those of the classes"
              + " its fields hold, changed since; the record is not read",
              null);
        }
        return value;
      } catch (InsecureException e) {
        throw new ClassRejectedException("Refused a class while reading a stored value: " + e.getMessage(), e);
      } catch (SerializationException e) {
        throw e;
      } catch (RuntimeException e) {
        if (policy != null && hasCause(e, InsecureException.class)) {
          throw new ClassRejectedException("Refused a class while reading a stored value: " + e.getMessage(), e);
        }
        throw new SerializationException("Fory cannot read a stored value back: " + e, e);
      } finally {
        if (scratch) {
          scratchBuffers.releaseReader();
        }
      }
    }
    if (tag == (byte) 0xAC || tag == JavaSerializer.TAG_STRING || tag == JavaSerializer.TAG_LONG
        || tag == JavaSerializer.TAG_INTEGER) {
      return java.deserialize(bytes, length, classLoader);
    }
    throw new SerializationException("Not a stored value: unknown format byte 0x"
        + Integer.toHexString(tag & 0xFF) + " (" + length + " bytes)", null);
  }

  /**
   * Whether {@code type} is a Serializable class (not a JDK one, a record or an enum) whose first non-Serializable
   * superclass, below {@code Object}, has instance fields.
   */
  static boolean statefulNonSerializableSuperclass(Class<?> type) {
    if (!fieldSerializedApplicationClass(type)) {
      return false;
    }
    Class<?> superclass = type.getSuperclass();
    while (superclass != null && Serializable.class.isAssignableFrom(superclass)) {
      superclass = superclass.getSuperclass();
    }
    for (Class<?> c = superclass; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (!Modifier.isStatic(field.getModifiers())) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether {@code type} is Serializable and declares {@code serialPersistentFields} (Java writes only those). */
  static boolean namesItsSerializedFields(Class<?> type) {
    if (!fieldSerializedApplicationClass(type)) {
      return false;
    }
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      try {
        Field field = c.getDeclaredField("serialPersistentFields");
        if (Modifier.isStatic(field.getModifiers())) {
          return true;
        }
      } catch (NoSuchFieldException e) {
        // not in this class
      }
    }
    return false;
  }

  /**
   * Whether Java serialization writes {@code type} field by field from the application's own declaration: a
   * {@code Serializable} class that is not a record, enum, array, {@code Externalizable} or JDK class.
   */
  private static boolean fieldSerializedApplicationClass(Class<?> type) {
    return Serializable.class.isAssignableFrom(type) && !type.isRecord() && !type.isEnum() && !type.isArray()
        && !Externalizable.class.isAssignableFrom(type) && !type.getName().startsWith("java.");
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}

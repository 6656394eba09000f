package io.goldylox.serialization;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Proxy;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The fallback {@link Serializer}: Java serialization, with classes resolved through the cache's class loader
 * and every stream checked by an {@link ObjectInputFilter}.
 *
 * <p>The filter is the one given at construction, or else the JVM-wide filter
 * ({@code -Djdk.serialFilter=...} / {@link ObjectInputFilter.Config#setSerialFilter}) when one is set. Java
 * serialization is slow (it is why store-by-value providers run at a few hundred thousand operations a second);
 * {@link ValueCopier} skips it for immutable types.
 *
 * <p>{@code String}, {@code Long} and {@code Integer}, the usual keys, are written in a compact form of their own
 * (a one-byte tag, then the value): about ten times faster than a Java serialization stream, and a tenth of its
 * size in a journal or a disk tier. The tags cannot be confused with a Java stream, which always starts with
 * {@code 0xACED}; a compact {@code Long} or {@code Integer} must have exactly its length, so that other bytes starting
 * with such a tag are refused rather than misread. {@link #guarded} adds a {@link ClassPolicy} to the filter, for
 * bytes from outside the process. Stateless and thread-safe.
 */
public final class JavaSerializer implements Serializer {

  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  /** The name of this format, as {@code goldylox.serializer} spells it. */
  public static final String NAME = "java";

  private final ObjectInputFilter filter;
  private final boolean guarded;

  /** A serializer that applies the JVM-wide serial filter, if any. */
  public JavaSerializer() {
    this(null);
  }

  /** A serializer that checks every stream with {@code filter} ({@code null}: the JVM-wide filter, if any). */
  public JavaSerializer(ObjectInputFilter filter) {
    this(filter, false);
  }

  private JavaSerializer(ObjectInputFilter filter, boolean guarded) {
    this.filter = filter;
    this.guarded = guarded;
  }

  @Override
  public boolean checksClasses() {
    return guarded;
  }

  static final byte TAG_STRING = 1;
  static final byte TAG_LONG = 2;
  static final byte TAG_INTEGER = 3;

  @Override
  public String formatName() {
    return NAME;
  }

  /**
   * This serializer with {@code policy} consulted for every class a stream names that the configured filter (or
   * else the JVM-wide one) leaves undecided; a class the filter explicitly allows stays allowed.
   */
  @Override
  public Serializer guarded(ClassPolicy policy) {
    ObjectInputFilter base = filter != null ? filter : ObjectInputFilter.Config.getSerialFilter();
    return new JavaSerializer(guard(base, policy), true);
  }

  static ObjectInputFilter guard(ObjectInputFilter base, ClassPolicy policy) {
    return info -> {
      ObjectInputFilter.Status status = base == null ? ObjectInputFilter.Status.UNDECIDED : base.checkInput(info);
      if (status != ObjectInputFilter.Status.UNDECIDED || info.serialClass() == null) {
        return status;
      }
      return policy.check(info.serialClass().getName()) ? ObjectInputFilter.Status.ALLOWED
          : ObjectInputFilter.Status.REJECTED;
    };
  }

  @Override
  public byte[] serialize(Object value) {
    Class<?> type = value.getClass();
    if (type == String.class) {
      byte[] utf8 = ((String) value).getBytes(StandardCharsets.UTF_8);
      byte[] out = new byte[utf8.length + 1];
      out[0] = TAG_STRING;
      System.arraycopy(utf8, 0, out, 1, utf8.length);
      return out;
    }
    if (type == Long.class) {
      byte[] out = new byte[9];
      out[0] = TAG_LONG;
      LONG.set(out, 1, (Long) value);
      return out;
    }
    if (type == Integer.class) {
      byte[] out = new byte[5];
      out[0] = TAG_INTEGER;
      INT.set(out, 1, (Integer) value);
      return out;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (NotSerializableException e) {
      throw new SerializationException("Cannot serialize a " + value.getClass().getName() + ": " + e.getMessage()
          + " is not Serializable, which Java serialization (goldylox.serializer=java) needs; the default"
          + " serializer, Fory, does not. Only a heap-only cache by reference serializes nothing: a by-value copy,"
          + " an off-heap or disk tier, write-behind and Redis all serialize", e);
    } catch (IOException e) {
      throw new SerializationException("Cannot serialize a " + value.getClass().getName() + ": " + e, e);
    }
    return bytes.toByteArray();
  }

  @Override
  public Object deserialize(byte[] bytes, ClassLoader classLoader) {
    if (bytes.length > 0) {
      switch (bytes[0]) {
        case TAG_STRING:
          return new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8);
        case TAG_LONG:
          if (bytes.length != 9) {
            throw new SerializationException("Not a stored value: " + bytes.length + " bytes tagged as a Long", null);
          }
          return (long) LONG.get(bytes, 1);
        case TAG_INTEGER:
          if (bytes.length != 5) {
            throw new SerializationException("Not a stored value: " + bytes.length + " bytes tagged as an Integer",
                null);
          }
          return (int) INT.get(bytes, 1);
        default:
          break; // a Java serialization stream
      }
    }
    try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes), classLoader)) {
      if (filter != null) {
        in.setObjectInputFilter(filter);
      }
      return in.readObject();
    } catch (InvalidClassException e) {
      if (String.valueOf(e.getMessage()).contains("REJECTED")) {
        throw new ClassRejectedException("Rejected while reading a stored value: " + e.getMessage(), e);
      }
      throw new SerializationException("Rejected while reading a stored value: " + e.getMessage(), e);
    } catch (IOException | ClassNotFoundException e) {
      throw new SerializationException("Cannot read a stored value back: " + e, e);
    }
  }

  /** Resolves classes with a given loader first, then the loader that loaded Goldylox. */
  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      if (loader != null) {
        try {
          return Class.forName(desc.getName(), false, loader);
        } catch (ClassNotFoundException ignored) {
          // Try the thread's context loader, then the default resolution (primitives, JDK classes).
        }
      }
      ClassLoader context = Thread.currentThread().getContextClassLoader();
      if (context != null && context != loader) {
        try {
          return Class.forName(desc.getName(), false, context);
        } catch (ClassNotFoundException ignored) {
          // Fall through to the default resolution.
        }
      }
      return super.resolveClass(desc);
    }

    @Override
    protected Class<?> resolveProxyClass(String[] interfaces) throws IOException, ClassNotFoundException {
      if (loader == null) {
        return super.resolveProxyClass(interfaces);
      }
      Class<?>[] resolved = new Class<?>[interfaces.length];
      for (int i = 0; i < interfaces.length; i++) {
        resolved[i] = Class.forName(interfaces[i], false, loader);
      }
      @SuppressWarnings("deprecation")
      Class<?> proxy = Proxy.getProxyClass(loader, resolved);
      return proxy;
    }
  }
}

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
import java.lang.reflect.Proxy;

/**
 * The fallback {@link Serializer}: Java serialization, with classes resolved through the cache's class loader
 * and every stream checked by an {@link ObjectInputFilter}.
 *
 * <p>The filter is the one given at construction, or else the JVM-wide filter
 * ({@code -Djdk.serialFilter=...} / {@link ObjectInputFilter.Config#setSerialFilter}) when one is set. Java
 * serialization is slow (it is why store-by-value providers run at a few hundred thousand operations a second);
 * {@link ValueCopier} skips it for immutable types. Stateless and thread-safe.
 */
public final class JavaSerializer implements Serializer {

  private final ObjectInputFilter filter;

  /** A serializer that applies the JVM-wide serial filter, if any. */
  public JavaSerializer() {
    this(null);
  }

  /** A serializer that checks every stream with {@code filter} ({@code null}: the JVM-wide filter, if any). */
  public JavaSerializer(ObjectInputFilter filter) {
    this.filter = filter;
  }

  @Override
  public byte[] serialize(Object value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (NotSerializableException e) {
      throw new SerializationException("Cannot store a " + value.getClass().getName()
          + " by value: " + e.getMessage() + " is not Serializable (use store-by-reference or a Serializer"
          + " that knows the type)", e);
    } catch (IOException e) {
      throw new SerializationException("Cannot serialize a " + value.getClass().getName() + ": " + e, e);
    }
    return bytes.toByteArray();
  }

  @Override
  public Object deserialize(byte[] bytes, ClassLoader classLoader) {
    try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes), classLoader)) {
      if (filter != null) {
        in.setObjectInputFilter(filter);
      }
      return in.readObject();
    } catch (InvalidClassException e) {
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

package io.goldylox.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import javax.cache.CacheException;
import javax.cache.configuration.Factory;

/**
 * Turns a class named in configuration into a JCache {@link Factory}: a class of the product itself (a
 * {@code CacheLoader}, say) becomes a factory that instantiates it on each {@code create()}; a class of
 * {@link Factory} is instantiated once, here, and used as the factory. Stateless; any thread.
 */
final class ClassFactories {

  private ClassFactories() {}

  /**
   * @param type a class implementing {@code product}, or a {@link Factory} class (whose product cannot be
   *     checked: generics are erased; a wrong product shows as a ClassCastException when the cache creates it)
   * @throws IllegalArgumentException if the class is neither, is abstract, or has no public no-argument
   *     constructor, or the factory's constructor fails
   */
  static <T> Factory<T> factoryFor(Class<?> type, Class<T> product) {
    if (product.isAssignableFrom(type)) {
      requireInstantiable(type);
      return new InstanceFactory<>(type.asSubclass(product));
    }
    if (Factory.class.isAssignableFrom(type)) {
      requireInstantiable(type);
      try {
        @SuppressWarnings("unchecked")
        Factory<T> factory = (Factory<T>) type.getConstructor().newInstance();
        return factory;
      } catch (InvocationTargetException e) {
        throw new IllegalArgumentException("the constructor of " + type.getName() + " failed: " + e.getCause(),
            e.getCause());
      } catch (ReflectiveOperationException | LinkageError e) {
        throw new IllegalArgumentException("cannot instantiate " + type.getName() + ": " + e, e);
      }
    }
    throw new IllegalArgumentException(type.getName() + " is neither a " + product.getName() + " nor a "
        + Factory.class.getName() + " of one");
  }

  private static void requireInstantiable(Class<?> type) {
    if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
      throw new IllegalArgumentException(type.getName() + " is abstract; name a concrete class");
    }
    if (!Modifier.isPublic(type.getModifiers())) {
      throw new IllegalArgumentException(type.getName() + " is not public");
    }
    try {
      type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(type.getName() + " has no public no-argument constructor", e);
    }
  }

  /** A factory that creates a new instance of one class per call; serializable as the spec wants factories. */
  static final class InstanceFactory<T> implements Factory<T> {

    private static final long serialVersionUID = 1L;

    private final Class<? extends T> type;

    InstanceFactory(Class<? extends T> type) {
      this.type = type;
    }

    @Override
    public T create() {
      try {
        return type.getConstructor().newInstance();
      } catch (InvocationTargetException e) {
        throw new CacheException("The constructor of " + type.getName() + " failed", e.getCause());
      } catch (ReflectiveOperationException | LinkageError e) {
        throw new CacheException("Cannot instantiate " + type.getName(), e);
      }
    }

    Class<? extends T> type() {
      return type;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof InstanceFactory && ((InstanceFactory<?>) other).type == type;
    }

    @Override
    public int hashCode() {
      return type.hashCode();
    }

    @Override
    public String toString() {
      return "new " + type.getName() + "()";
    }
  }
}

package io.goldylox.cache;

/**
 * The key and value types a cache was configured with ({@code setTypes}, or {@code key-type}/{@code value-type}
 * in a file), enforced at run time on what the cache stores, as the spec allows and as Ehcache does: a raw or
 * unchecked reference to a {@code Cache<String, Order>} that puts a {@code Long} fails at once with a
 * {@link ClassCastException} that names both types, instead of storing an entry that a disk tier, a journal or
 * another node would refuse later. {@code Object} checks nothing. Immutable; any thread.
 */
final class DeclaredTypes {

  private final String cacheName;
  /** The declared key type, boxed; {@code null} when it is {@code Object}. */
  private final Class<?> keyType;
  /** The declared value type, boxed; {@code null} when it is {@code Object}. */
  private final Class<?> valueType;

  DeclaredTypes(String cacheName, Class<?> keyType, Class<?> valueType) {
    this.cacheName = cacheName;
    this.keyType = checked(keyType);
    this.valueType = checked(valueType);
  }

  private static Class<?> checked(Class<?> type) {
    if (type == null || type == Object.class) {
      return null;
    }
    return type.isPrimitive() ? java.lang.invoke.MethodType.methodType(type).wrap().returnType() : type;
  }

  /** Checks a key the cache is about to store. */
  void key(Object key) {
    if (keyType != null && !keyType.isInstance(key)) {
      throw mismatch("key", key, keyType);
    }
  }

  /** Checks a value the cache is about to store. */
  void value(Object value) {
    if (valueType != null && !valueType.isInstance(value)) {
      throw mismatch("value", value, valueType);
    }
  }

  /** Checks a mapping the cache is about to store. */
  void mapping(Object key, Object value) {
    key(key);
    value(value);
  }

  private ClassCastException mismatch(String what, Object found, Class<?> declared) {
    Class<?> type = found.getClass();
    if (type.getName().equals(declared.getName())) {
      // One name, two classes: the cache's type and the value's came from different class loaders.
      return new ClassCastException("Cache '" + cacheName + "' is configured for " + what + "s of type "
          + declared.getName() + " as loaded by " + declared.getClassLoader() + ", and this " + what + " is of a"
          + " class of the same name loaded by " + type.getClassLoader() + " (a restarted or redeployed"
          + " application, or a type named in the configuration file and resolved by another loader): create"
          + " the cache with the application's class loader, or declare the type as Object");
    }
    return new ClassCastException("Cache '" + cacheName + "' is configured for " + what + "s of type "
        + declared.getName() + ", not " + type.getName());
  }
}

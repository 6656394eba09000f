package io.goldylox.serialization;

import java.io.ObjectInputFilter;
import javax.cache.CacheException;

/**
 * Builds the serializer a cache manager (and the write-behind {@code Drain} command, which must read a journal as
 * the manager wrote it) is configured with: {@code fory} ({@link ForySerializer}, the default) or {@code java}
 * ({@link JavaSerializer}); either with an optional {@code ObjectInputFilter} pattern for Java serialization
 * streams. The one place that knows the names; stateless.
 */
public final class Serializers {

  private static final System.Logger LOG = System.getLogger(Serializers.class.getName());

  public static final String JAVA = JavaSerializer.NAME;
  public static final String FORY = ForySerializer.NAME;
  /** The name of the default serializer. */
  public static final String DEFAULT = FORY;

  private Serializers() {}

  /**
   * @param choice {@value #FORY} or {@value #JAVA}; null or blank: {@value #DEFAULT}
   * @param setting the name of the setting {@code choice} came from, for messages
   * @param filterPattern an {@code ObjectInputFilter} pattern for Java serialization streams; null or blank: none
   * @param loader the class loader Fory resolves classes with
   * @throws CacheException naming the setting when the choice is unknown, the pattern invalid, or Fory absent
   */
  public static Serializer create(String choice, String setting, String filterPattern, ClassLoader loader) {
    String name = choice == null || choice.isBlank() ? DEFAULT : choice.trim();
    switch (name) {
      case JAVA:
        return new JavaSerializer(filter(filterPattern));
      case FORY:
        try {
          Class.forName("org.apache.fory.Fory", false, Serializers.class.getClassLoader());
        } catch (ClassNotFoundException e) {
          if (choice == null || choice.isBlank()) {
            LOG.log(System.Logger.Level.WARNING, "org.apache.fory:fory-core is not on the class path: store-by-value"
                + " copies use Java serialization, about ten times slower (add fory-core, or set " + setting
                + "=java to say so)");
            return new JavaSerializer(filter(filterPattern));
          }
          throw new CacheException(setting + "=fory needs org.apache.fory:fory-core on the class path");
        }
        return new ForySerializer(loader, new JavaSerializer(filter(filterPattern)));
      default:
        throw new CacheException(setting + " must be fory or java, not '" + name + "'");
    }
  }

  private static ObjectInputFilter filter(String pattern) {
    if (pattern == null || pattern.isBlank()) {
      return null;
    }
    try {
      return ObjectInputFilter.Config.createFilter(pattern);
    } catch (IllegalArgumentException e) {
      throw new CacheException("goldylox.serial-filter is not a valid ObjectInputFilter pattern: " + pattern, e);
    }
  }
}

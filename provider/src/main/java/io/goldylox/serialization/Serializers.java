package io.goldylox.serialization;

import java.io.ObjectInputFilter;
import javax.cache.CacheException;

/**
 * Builds the serializer a cache manager (and the write-behind {@code Drain} command, which must read a journal as
 * the manager wrote it) is configured with: {@code java} ({@link JavaSerializer}, with an optional
 * {@code ObjectInputFilter} pattern) or {@code fory} ({@link ForySerializer}, with an optional class allow-list).
 * The one place that knows the names; stateless.
 */
public final class Serializers {

  /** The name of the default serializer. */
  public static final String JAVA = "java";
  public static final String FORY = "fory";

  private Serializers() {}

  /**
   * @param choice {@value #JAVA} or {@value #FORY}
   * @param setting the name of the setting {@code choice} came from, for messages
   * @param allowList Fory's class allow-list ({@link ForySerializer#parseAllowList}); empty: every class
   * @param filterPattern an {@code ObjectInputFilter} pattern for Java serialization; null or blank: none
   * @param loader the class loader Fory resolves classes with
   * @throws CacheException naming the setting when the choice is unknown, the pattern invalid, or Fory absent
   */
  public static Serializer create(String choice, String setting, String allowList, String filterPattern,
      ClassLoader loader) {
    switch (choice.trim()) {
      case JAVA:
        return new JavaSerializer(filter(filterPattern));
      case FORY:
        try {
          Class.forName("org.apache.fory.Fory", false, Serializers.class.getClassLoader());
        } catch (ClassNotFoundException e) {
          throw new CacheException(setting + "=fory needs org.apache.fory:fory-core on the class path");
        }
        return new ForySerializer(loader, ForySerializer.parseAllowList(allowList == null ? "" : allowList));
      default:
        throw new CacheException(setting + " must be java or fory, not '" + choice.trim() + "'");
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

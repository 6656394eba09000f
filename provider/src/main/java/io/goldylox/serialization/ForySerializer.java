package io.goldylox.serialization;

import java.util.Arrays;
import java.util.List;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;
import org.apache.fory.resolver.AllowListChecker;

/**
 * A {@link Serializer} on <a href="https://fory.apache.org">Apache Fory</a>: serializers generated per class at
 * run time, about an order of magnitude faster than Java serialization, and no {@code Serializable} needed.
 * Chosen with the manager or system property {@code goldylox.serializer=fory}; {@code fory-core} must then be on
 * the class path (Goldylox declares it optional). This class is loaded only then.
 *
 * <p>Which classes may be read back is an allow-list ({@code goldylox.serializer.allow}: comma-separated class
 * names, {@code com.example.*} for a package), checked strictly when given. Without one every class is allowed,
 * as with Java serialization and no filter, and a warning says so once: the bytes are the cache's own, but a disk
 * tier keeps them in files that others might write.
 *
 * <p>Thread-safe: Fory keeps one instance per thread. Values must keep the same class layout between write and
 * read (a disk tier written by an older class version is rejected through {@code on-incompatible}).
 */
public final class ForySerializer implements Serializer {

  private static final System.Logger LOG = System.getLogger(ForySerializer.class.getName());

  private final ThreadSafeFory fory;

  /**
   * @param classLoader resolves classes when reading values back
   * @param allowList class names or {@code package.*} patterns that may be read back; empty allows all
   */
  public ForySerializer(ClassLoader classLoader, List<String> allowList) {
    fory = Fory.builder()
        .withLanguage(Language.JAVA)
        .withRefTracking(true)
        .requireClassRegistration(false)
        .suppressClassRegistrationWarnings(true)
        .withClassLoader(classLoader)
        .buildThreadSafeFory();
    if (allowList.isEmpty()) {
      LOG.log(System.Logger.Level.WARNING, "goldylox.serializer=fory without goldylox.serializer.allow: any class"
          + " may be read back from stored bytes");
    } else {
      AllowListChecker checker = new AllowListChecker(AllowListChecker.CheckLevel.STRICT);
      checker.allowClasses(allowList);
      fory.setTypeChecker(checker);
    }
  }

  /** Parses a comma-separated allow-list. */
  public static List<String> parseAllowList(String text) {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    return Arrays.stream(text.split(",")).map(String::trim).filter(entry -> !entry.isEmpty()).toList();
  }

  @Override
  public byte[] serialize(Object value) {
    try {
      return fory.serialize(value);
    } catch (RuntimeException e) {
      throw new SerializationException("Fory cannot serialize a " + value.getClass().getName() + ": " + e, e);
    }
  }

  @Override
  public Object deserialize(byte[] bytes, ClassLoader classLoader) {
    try {
      return fory.deserialize(bytes);
    } catch (RuntimeException e) {
      throw new SerializationException("Fory cannot read a stored value back: " + e, e);
    }
  }
}

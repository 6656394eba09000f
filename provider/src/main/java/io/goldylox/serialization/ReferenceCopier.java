package io.goldylox.serialization;

import java.util.function.Supplier;

/**
 * Store-by-reference {@link Copier}: callers' objects are stored and handed back as they are. A value that was
 * demoted to an off-heap or disk tier comes back as {@link SerializedBytes} and is deserialized on each read
 * until the tiered store promotes it; the promotion decodes it once, back into an object (unless the expiry
 * policy moves deadlines on access, see {@code TieredTier.decodeOnPromotion}). With a {@link ClassPolicy} (a cache
 * whose bytes also live outside the heap), each key and value stored is checked against it: a class it will not
 * read back gets a WARN now, not a miss after the restart ({@link ClassPolicy#noteStored}). Thread-safe: holds no
 * mutable state.
 */
public final class ReferenceCopier implements Copier {

  private final Serializer serializer;
  private final Supplier<ClassLoader> classLoader;
  /** The policy of the cache's bytes outside the heap; null when it has none. */
  private final ClassPolicy outside;

  public ReferenceCopier(Serializer serializer, Supplier<ClassLoader> classLoader) {
    this(serializer, classLoader, null);
  }

  /** @param outside the class policy of the cache's bytes outside the heap, or null when it keeps none */
  public ReferenceCopier(Serializer serializer, Supplier<ClassLoader> classLoader, ClassPolicy outside) {
    this.serializer = serializer;
    this.classLoader = classLoader;
    this.outside = outside;
  }

  @Override
  public Object toStored(Object value) {
    if (outside != null) {
      outside.noteStored(value);
    }
    return value;
  }

  @Override
  public Object fromStored(Object stored) {
    if (stored instanceof SerializedBytes) {
      return serializer.deserialize(((SerializedBytes) stored).bytes(), classLoader.get());
    }
    return stored;
  }

  @Override
  public <T> T copyKey(T key) {
    if (outside != null) {
      outside.noteStored(key);
    }
    return key;
  }
}

package io.goldylox.serialization;

import java.util.function.Supplier;

/**
 * Store-by-reference {@link Copier}: callers' objects are stored and handed back as they are. A value that was
 * demoted to an off-heap or disk tier comes back as {@link SerializedBytes} and is deserialized on each read
 * until the tiered store promotes it; the promotion decodes it once, back into an object (unless the expiry
 * policy moves deadlines on access, see {@code TieredTier.decodeOnPromotion}). Thread-safe: holds no mutable state.
 */
public final class ReferenceCopier implements Copier {

  private final Serializer serializer;
  private final Supplier<ClassLoader> classLoader;

  public ReferenceCopier(Serializer serializer, Supplier<ClassLoader> classLoader) {
    this.serializer = serializer;
    this.classLoader = classLoader;
  }

  @Override
  public Object toStored(Object value) {
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
    return key;
  }
}

package io.goldylox.serialization;

import org.apache.fory.Fory;
import org.apache.fory.memory.MemoryBuffer;

/**
 * A Fory serializer for the classes Fory cannot copy exactly as Java serialization does (see
 * {@link ForySerializer#statefulNonSerializableSuperclass}): the object is written as a Java serialization stream
 * inside the Fory stream, by the Goldylox {@link JavaSerializer} of the {@link ForySerializer} that owns it, so a
 * guarded reader checks the classes of that stream against its policy too. References from inside that stream to
 * objects outside it are copies, as with Fory's own JDK fallback. One per class per Fory instance; thread-confined
 * like the Fory instance.
 */
final class JdkStreamForySerializer extends org.apache.fory.serializer.Serializer<Object> {

  private final JavaSerializer java;
  private final ClassLoader classLoader;

  @SuppressWarnings("unchecked")
  JdkStreamForySerializer(Fory fory, Class<?> type, JavaSerializer java, ClassLoader classLoader) {
    super(fory, (Class<Object>) type);
    this.java = java;
    this.classLoader = classLoader;
  }

  @Override
  public void write(MemoryBuffer buffer, Object value) {
    byte[] bytes = java.serialize(value);
    buffer.writeVarUint32(bytes.length);
    buffer.writeBytes(bytes);
  }

  @Override
  public Object read(MemoryBuffer buffer) {
    int length = buffer.readVarUint32();
    return java.deserialize(buffer.readBytes(length), classLoader);
  }
}

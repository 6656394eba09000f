package io.goldylox.serialization;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.fory.Fory;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.memory.Platform;
import org.apache.fory.reflect.ReflectionUtils;
import org.apache.fory.serializer.collection.MapSerializer;

/**
 * Fory's {@code LinkedHashMap} serializer plus the map's access order, which Fory's own drops (an LRU map would
 * come back insertion-ordered) and Java serialization keeps. The flag is read as Fory reads private fields, through
 * its field offset. Used by {@link ForySerializer}; one per Fory instance, confined to its thread.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
final class LinkedHashMapForySerializer extends MapSerializer<LinkedHashMap> {

  private static final long ACCESS_ORDER = ReflectionUtils.getFieldOffset(LinkedHashMap.class, "accessOrder");

  LinkedHashMapForySerializer(Fory fory) {
    super(fory, LinkedHashMap.class, true);
  }

  @Override
  public Map onMapWrite(MemoryBuffer buffer, LinkedHashMap value) {
    buffer.writeBoolean(Platform.getBoolean(value, ACCESS_ORDER));
    buffer.writeVarUint32Small7(value.size());
    return value;
  }

  @Override
  public LinkedHashMap newMap(MemoryBuffer buffer) {
    boolean accessOrder = buffer.readBoolean();
    int size = buffer.readVarUint32Small7();
    setNumElements(size);
    LinkedHashMap map = new LinkedHashMap(Math.max(16, (int) (size / 0.75f) + 1), 0.75f, accessOrder);
    fory.getRefResolver().reference(map);
    return map;
  }
}

package io.goldylox.writebehind;

import javax.cache.Cache;

/** The {@link Cache.Entry} handed to the writer for one pending put. Immutable. */
final class WriterEntry<K, V> implements Cache.Entry<K, V> {

  private final K key;
  private final V value;

  WriterEntry(K key, V value) {
    this.key = key;
    this.value = value;
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public V getValue() {
    return value;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("A write-behind entry cannot be unwrapped to " + clazz.getName());
  }

  @Override
  public String toString() {
    return "Entry[" + key + "=" + value + "]";
  }
}

package io.goldylox.remote;

import io.goldylox.tier.StoredEntry;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The mappings of a shared store's copy, for {@link NearCacheTier#iterator}: walks the store's keys and fetches
 * their records {@value #PAGE} keys a round trip, decoding each page as it arrives. A key whose record is gone or
 * unreadable by now is skipped. Not thread-safe: one iterating thread, as for any iterator.
 *
 * @param <K> the key type
 */
final class SharedPages<K> implements Iterator<Map.Entry<K, StoredEntry>> {

  static final int PAGE = 256;

  private final Iterator<byte[]> keys;
  /** The records of a page of keys, in their order ({@code null} for a missing one): one round trip. */
  private final Function<List<byte[]>, List<byte[]>> fetch;
  private final RemoteCodec codec;
  private final List<Map.Entry<K, StoredEntry>> page = new ArrayList<>(PAGE);
  private int next;

  SharedPages(Iterator<byte[]> keys, Function<List<byte[]>, List<byte[]>> fetch, RemoteCodec codec) {
    this.keys = keys;
    this.fetch = fetch;
    this.codec = codec;
  }

  @Override
  public boolean hasNext() {
    while (next == page.size()) {
      if (!keys.hasNext()) {
        return false;
      }
      fetchPage();
    }
    return true;
  }

  @Override
  public Map.Entry<K, StoredEntry> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return page.get(next++);
  }

  private void fetchPage() {
    page.clear();
    next = 0;
    List<byte[]> batch = new ArrayList<>(PAGE);
    while (batch.size() < PAGE && keys.hasNext()) {
      batch.add(keys.next());
    }
    List<byte[]> records = fetch.apply(batch);
    for (int i = 0; i < batch.size(); i++) {
      byte[] record = records.get(i);
      StoredEntry entry = record == null ? null : codec.decode(record);
      @SuppressWarnings("unchecked")
      K key = entry == null ? null : (K) codec.decodeKey(batch.get(i));
      if (key != null) {
        page.add(new AbstractMap.SimpleImmutableEntry<>(key, entry));
      }
    }
  }
}

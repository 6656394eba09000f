package io.goldylox.serialization;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;

/**
 * The measurement behind the choice of a serializer over Fory's deep-copy API for by-value copies (README,
 * Choosing a serializer): the cost of one {@code Fory.copy} against one serialize plus one deserialize, for a small
 * record and for a map of 20 records. Not a test: run its {@code main} on the test class path. Single-threaded.
 */
public final class CopyVersusSerialize {

  record Item(String name, int count, List<String> tags) {}

  private CopyVersusSerialize() {}

  public static void main(String[] args) {
    ThreadSafeFory fory = Fory.builder().withLanguage(Language.JAVA).withRefTracking(true).withRefCopy(true)
        .requireClassRegistration(false).suppressClassRegistrationWarnings(true).buildThreadSafeFory();
    Map<String, Item> map = new HashMap<>();
    for (int i = 0; i < 20; i++) {
      map.put("k" + i, new Item("v" + i, i, new ArrayList<>(List.of("a", "b", "c"))));
    }
    Item item = new Item("v", 1, new ArrayList<>(List.of("a")));
    int n = 200_000;
    Object sink = null;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink = fory.copy(item);
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink = fory.deserialize(fory.serialize(item));
      }
      long t2 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink = fory.copy(map);
      }
      long t3 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink = fory.deserialize(fory.serialize(map));
      }
      long t4 = System.nanoTime();
      System.out.printf("round %d: record copy %d ns, serialize+deserialize %d ns; map of 20 copy %d ns,"
          + " serialize+deserialize %d ns%n", round, (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n, (t4 - t3) / n);
    }
    System.out.println(sink != null ? "" : "?");
  }
}

package io.goldylox.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The check every crash test of write-behind ends with: a store's rows against the model of the operations a
 * killed child acknowledged (key to value; a null value or no entry: no row). At most one key is uncertain: the
 * operation the child was inside when it was killed may or may not have been journaled, so that key may hold either
 * its modelled value or the uncertain operation's outcome; the model then follows the store, since later rounds
 * build on it. Every other key must match exactly.
 */
public final class AcknowledgedModel {

  private AcknowledgedModel() {}

  /**
   * The keys where {@code store} and {@code model} disagree, each with what was found and expected.
   *
   * @param uncertainKey the key of the operation in flight at the kill, or null
   * @param uncertainValue its value if it was journaled (null: it was a remove)
   */
  public static List<String> mismatches(Map<String, String> model, Map<String, String> store, String uncertainKey,
      String uncertainValue) {
    Set<String> keys = new TreeSet<>(model.keySet());
    keys.addAll(store.keySet());
    List<String> wrong = new ArrayList<>();
    for (String key : keys) {
      String actual = store.get(key);
      String expected = model.get(key);
      if (key.equals(uncertainKey)) {
        if (!Objects.equals(actual, expected) && !Objects.equals(actual, uncertainValue)) {
          wrong.add(key + ": in flight at the kill, store has " + actual + ", expected " + expected + " or "
              + uncertainValue);
        }
        model.put(key, actual);
      } else if (!Objects.equals(actual, expected)) {
        wrong.add(key + ": store has " + actual + ", acknowledged " + expected);
      }
    }
    return wrong;
  }
}

package io.goldylox.writebehind;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Test helper: waits for a condition, failing with a description of the state when it never holds. */
final class Await {

  private Await() {}

  static void until(BooleanSupplier condition, Duration timeout, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("Condition not met within " + timeout + ": " + state.get());
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  static void drained(WriteBehindJournal<?, ?> journal) {
    until(() -> journal.metrics().journalLag() == 0 && journal.pendingKeys() == 0, Duration.ofSeconds(20),
        journal::toString);
  }
}

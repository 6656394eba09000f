package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.serialization.RewritableBytes;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The by-reference in-place write's protocol ({@link StoredEntry#tryRewrite}, {@link StoredEntry#freeze},
 * {@link StoredEntry#thaw}), each interleaving stepped on purpose: a free eternal entry takes a new value, a frozen
 * or mortal one refuses it, a freeze waits for a write in progress (an entry made with the {@code WRITING} word
 * stands for a put between its two stores), the marks never show as a deadline, and the heap tier's atomic step
 * freezes the entry it reads, thaws it only if kept, and thaws it when the step throws. {@code InPlacePutTest}
 * hammers the same through the cache.
 */
class StoredEntryTest {

  private static final long FOREVER = Long.MAX_VALUE;

  private static HeapTier<String> inPlace(HeapTier<String> heap) {
    heap.allowInPlacePuts();
    return heap;
  }

  @Test
  void aHeapThatDoesNotAllowInPlacePutsNeitherRewritesNorFreezes() {
    HeapTier<String> heap = new HeapTier<>(false);
    StoredEntry entry = new StoredEntry("one", StoredEntry.ETERNAL);
    heap.store("k", entry);
    assertThat(heap.rewrite("k", "two")).isFalse();
    heap.compute("k", (key, current) -> {
      assertThat(current.tryRewrite("inside")).as("not frozen: no put could land here anyway").isTrue();
      return current;
    });
  }

  @Test
  void aNestedStepOnTheSameKeyLeavesTheEnclosingStepsFreeze() {
    // An entry processor that invokes on its own key: the map's bin lock is re-entrant, so the inner step runs.
    HeapTier<String> heap = inPlace(new HeapTier<>(false));
    StoredEntry entry = new StoredEntry("one", StoredEntry.ETERNAL);
    heap.store("k", entry);
    heap.compute("k", (key, current) -> {
      assertThat(heap.compute("k", (k2, inner) -> inner)).as("the inner step keeps the entry").isSameAs(entry);
      assertThat(heap.rewrite("k", "inside")).as("still frozen for the enclosing step").isFalse();
      return current;
    });
    assertThat(heap.rewrite("k", "after")).isTrue();
  }

  @Test
  void aFreeEternalEntryTakesANewValueAndAFrozenOrMortalOneRefusesIt() {
    StoredEntry entry = new StoredEntry("one", StoredEntry.ETERNAL);
    assertThat(entry.tryRewrite("two")).isTrue();
    assertThat(entry.value()).isEqualTo("two");

    assertThat(entry.freeze(FOREVER)).isTrue();
    assertThat(entry.tryRewrite("three")).as("frozen").isFalse();
    assertThat(entry.value()).isEqualTo("two");
    assertThat(entry.freeze(FOREVER)).as("a nested step's freeze takes nothing (and must not thaw)").isFalse();
    entry.thaw();
    assertThat(entry.tryRewrite("three")).isTrue();
    assertThat(entry.value()).isEqualTo("three");

    StoredEntry mortal = new StoredEntry("one", 1_000L);
    assertThat(mortal.tryRewrite("two")).as("mortal").isFalse();
    assertThat(mortal.freeze(FOREVER)).isFalse();
    mortal.thaw();
    assertThat(mortal.expireAtMillis()).as("freezing leaves a mortal entry's deadline alone").isEqualTo(1_000L);
  }

  @Test
  void theMarksReadAsEternal() {
    StoredEntry entry = new StoredEntry("v", StoredEntry.ETERNAL);
    entry.freeze(FOREVER);
    assertThat(entry.expireAtMillis()).isEqualTo(StoredEntry.ETERNAL);
    assertThat(entry.isMortal()).isFalse();
    assertThat(entry.isExpiredAt(System.currentTimeMillis())).isFalse();
    StoredEntry writing = new StoredEntry("v", StoredEntry.WRITING);
    assertThat(writing.expireAtMillis()).isEqualTo(StoredEntry.ETERNAL);
    assertThat(writing.isMortal()).isFalse();
    assertThat(writing.tryRewrite("w")).as("a second put while one writes").isFalse();
  }

  @Test
  void aFreezeWaitsForAWriteInProgressAndThenHoldsTheEntry() throws Exception {
    // The word a put holds between taking the entry and giving it back, with its value already stored.
    StoredEntry entry = new StoredEntry("written", StoredEntry.WRITING);
    CompletableFuture<Object> stepRead = CompletableFuture.supplyAsync(() -> {
      assertThat(entry.freeze(FOREVER)).isTrue();
      return entry.value();
    });
    Thread.sleep(50); // the freeze spins, then yields, as long as the write holds the entry
    assertThat(stepRead).as("frozen while a write is in progress").isNotDone();
    entry.setExpireAtMillis(StoredEntry.ETERNAL); // the write gives the entry back
    assertThat(stepRead.get(10, TimeUnit.SECONDS)).isEqualTo("written");
    assertThat(entry.tryRewrite("late")).as("held by the step now").isFalse();
  }

  /**
   * A put whose thread was stopped ({@code Thread.stop}) or suspended between taking the entry and giving it back
   * (an entry made with the {@code WRITING} word): a step fails after the heap's bound, naming the key, instead of
   * holding the map's bin lock for good; the next plain put maps a new entry and steps work again.
   */
  @Test
  void aStepGivesUpOnAnEntryAPutNeverGaveBackAndTheNextPutReplacesIt() {
    assertThatThrownBy(() -> new StoredEntry("v", StoredEntry.WRITING).freeze(TimeUnit.MILLISECONDS.toNanos(20)))
        .isInstanceOf(StoredEntry.HeldEntryException.class).hasMessageContaining("has held the entry for");
    HeapTier<String> heap = inPlace(new HeapTier<>(false, TimeUnit.MILLISECONDS.toNanos(50)));
    StoredEntry stuck = new StoredEntry("held", StoredEntry.WRITING);
    heap.store("k", stuck);
    assertThatThrownBy(() -> heap.compute("k", (key, current) -> current))
        .isInstanceOf(javax.cache.CacheException.class).hasMessageStartingWith("Key k: an in-place put has held");
    assertThat(heap.rewrite("k", "put")).as("the held entry refuses the put").isFalse();
    heap.store("k", new StoredEntry("put", StoredEntry.ETERNAL)); // what the plain put then does
    assertThat(heap.compute("k", (key, current) -> new StoredEntry("stepped", StoredEntry.ETERNAL)).value())
        .isEqualTo("stepped");
  }

  @Test
  void theHeapTiersAtomicStepFreezesTheEntryItReadsAndThawsItOnlyIfKept() {
    HeapTier<String> heap = inPlace(new HeapTier<>(false));
    StoredEntry first = new StoredEntry("one", StoredEntry.ETERNAL);
    heap.store("k", first);
    heap.compute("k", (key, current) -> {
      assertThat(heap.rewrite("k", "inside")).as("a put inside the key's atomic step").isFalse();
      return current; // kept
    });
    assertThat(heap.rewrite("k", "two")).isTrue();
    assertThat(heap.get("k")).isSameAs(first);
    assertThat(first.value()).isEqualTo("two");

    StoredEntry replacement = new StoredEntry("three", StoredEntry.ETERNAL);
    heap.compute("k", (key, current) -> replacement);
    assertThat(first.tryRewrite("late")).as("the replaced entry stays frozen").isFalse();
    assertThat(first.value()).isEqualTo("two");
    assertThat(heap.rewrite("k", "four")).isTrue();
    assertThat(heap.get("k")).isSameAs(replacement);
    assertThat(replacement.value()).isEqualTo("four");

    assertThat(heap.rewrite("absent", "x")).isFalse();
    heap.store("mortal", new StoredEntry("m", 1_000L));
    assertThat(heap.rewrite("mortal", "x")).isFalse();
  }

  @Test
  void byValueTheStepFreezesTheEntryAndItsRecord() {
    HeapTier<String> heap = inPlace(new HeapTier<>(true));
    RewritableBytes record = new RewritableBytes(new byte[] {1});
    StoredEntry entry = new StoredEntry(record, StoredEntry.ETERNAL);
    heap.store("k", entry);
    heap.compute("k", (key, current) -> {
      assertThat(record.tryRewrite(new byte[] {2}, 1)).as("the record, inside the step").isFalse();
      assertThat(heap.rewrite("k", "immutable")).as("the entry, inside the step").isFalse();
      return current;
    });
    assertThat(record.tryRewrite(new byte[] {3}, 1)).isTrue();
    assertThat(heap.rewrite("k", "immutable")).as("an immutable value replaces the record in place").isTrue();
    assertThat(heap.get("k")).isSameAs(entry);
    assertThat(entry.value()).isEqualTo("immutable");
    heap.compute("k", (key, current) -> new StoredEntry("next", StoredEntry.ETERNAL));
    assertThat(record.tryRewrite(new byte[] {4}, 1)).as("unmapped, but only frozen if it was the value").isTrue();
    assertThat(entry.tryRewrite("late")).as("the replaced entry stays frozen").isFalse();
  }

  @Test
  void aStepThatThrowsThawsTheEntry() {
    HeapTier<String> heap = inPlace(new HeapTier<>(false));
    StoredEntry entry = new StoredEntry("one", StoredEntry.ETERNAL);
    heap.store("k", entry);
    AtomicReference<Boolean> insideRewrite = new AtomicReference<>();
    assertThatThrownBy(() -> heap.compute("k", (key, current) -> {
      insideRewrite.set(heap.rewrite("k", "inside"));
      throw new IllegalStateException("a processor failed");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(insideRewrite.get()).isFalse();
    assertThat(heap.rewrite("k", "two")).isTrue();
    assertThat(entry.value()).isEqualTo("two");
  }
}

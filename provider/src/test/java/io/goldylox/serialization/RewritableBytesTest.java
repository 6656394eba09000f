package io.goldylox.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.tier.HeapTier;
import io.goldylox.tier.StoredEntry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The in-place record's protocol, step by step on one thread (the interleavings a hammer test can only hope to
 * hit): a write publishes a new version, a frozen record refuses writes, a write that was frozen while it copied
 * publishes nothing, buffers alternate (also across the version's wrap), a reader copies again only after a write,
 * and the heap tier's atomic step freezes the record it reads. The one interleaving not stepped here, a reader
 * that loads a buffer and then the length a later write gave a grown buffer, has no seam between the two loads; a
 * debugger-driven run in review showed it, and {@code copyInto} checks the pair before copying.
 * {@code InPlacePutTest} hammers the same through the cache.
 */
class RewritableBytesTest {

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String read(RewritableBytes record) {
    return new String(record.toByteArray(), StandardCharsets.UTF_8);
  }

  @Test
  void aWritePublishesTheNewBytesAndBuffersAlternate() {
    RewritableBytes record = new RewritableBytes(bytes("first"));
    assertThat(read(record)).isEqualTo("first");
    assertThat(record.tryRewrite(bytes("second"), 6)).isTrue();
    assertThat(read(record)).isEqualTo("second");
    assertThat(record.tryRewrite(bytes("3rd"), 3)).isTrue(); // shorter: fits the first buffer
    assertThat(read(record)).isEqualTo("3rd");
    assertThat(record.tryRewrite(bytes("the fourth, longer than any buffer"), 34)).isTrue(); // grows one
    assertThat(read(record)).isEqualTo("the fourth, longer than any buffer");
    assertThat(record.tryRewrite(bytes("5th and a prefix only"), 3)).isTrue();
    assertThat(read(record)).isEqualTo("5th");
  }

  @Test
  void theVersionWrapsAfter2To29PublishesAndTheBuffersKeepAlternating() throws Exception {
    VarHandle state = MethodHandles.privateLookupIn(RewritableBytes.class, MethodHandles.lookup())
        .findVarHandle(RewritableBytes.class, "state", int.class);
    RewritableBytes record = new RewritableBytes(bytes("v0"));
    assertThat(record.tryRewrite(bytes("v1"), 2)).isTrue(); // version 1: the odd buffer is current
    state.setVolatile(record, ((1 << 29) - 1) << 2); // as after 2^29 - 1 publishes: still odd, same layout
    assertThat(read(record)).isEqualTo("v1");
    assertThat(record.tryRewrite(bytes("v2"), 2)).as("the 2^29th publish").isTrue();
    assertThat((int) state.getVolatile(record)).as("wrapped to version 0, no bit set").isZero();
    assertThat(read(record)).isEqualTo("v2");
    record.freeze(); // an atomic step takes the key: it must decide on the newest value
    assertThat(read(record)).isEqualTo("v2");
    assertThat(record.tryRewrite(bytes("xx"), 2)).isFalse();
    record.thaw();
    assertThat(record.tryRewrite(bytes("v3"), 2)).isTrue();
    assertThat(read(record)).isEqualTo("v3");
    assertThat((int) state.getVolatile(record)).isEqualTo(1 << 2);
  }

  @Test
  void aFreezeOrThawDuringACopyDoesNotMakeTheReaderCopyAgain() {
    RewritableBytes record = new RewritableBytes(bytes("same"));
    int[] copies = {0};
    ReadScratch reader = new ReadScratch() {
      @Override
      byte[] ensure(int length) {
        if (copies[0]++ == 0) {
          record.freeze(); // touches no buffer
        }
        return super.ensure(length);
      }
    };
    int length = record.copyInto(reader);
    assertThat(new String(reader.bytes(), 0, length, StandardCharsets.UTF_8)).isEqualTo("same");
    assertThat(copies[0]).isEqualTo(1);
  }

  @Test
  void aFrozenRecordRefusesWritesUntilThawed() {
    RewritableBytes record = new RewritableBytes(bytes("kept"));
    record.freeze();
    assertThat(record.tryRewrite(bytes("lost"), 4)).isFalse();
    assertThat(read(record)).isEqualTo("kept");
    record.thaw();
    assertThat(record.tryRewrite(bytes("next"), 4)).isTrue();
    assertThat(read(record)).isEqualTo("next");
  }

  @Test
  void aWriteFrozenWhileItCopiesPublishesNothingAndLeavesTheRecordWritable() {
    RewritableBytes record = new RewritableBytes(bytes("before"));
    int taken = record.acquire();
    assertThat(taken).isNotNegative();
    assertThat(record.acquire()).as("a second writer while one holds the record").isEqualTo(-1);
    assertThat(record.tryRewrite(bytes("other!"), 6)).isFalse();
    record.fill(taken, bytes("during"), 6);
    assertThat(read(record)).as("a reader meanwhile sees the published bytes").isEqualTo("before");
    record.freeze(); // an atomic step took the key
    assertThat(record.publish(taken)).isFalse();
    assertThat(read(record)).isEqualTo("before");
    record.thaw(); // the step kept the entry
    assertThat(record.tryRewrite(bytes("after!"), 6)).isTrue();
    assertThat(read(record)).isEqualTo("after!");
  }

  @Test
  void aWriteThatWasNotFrozenPublishesAfterAStepThatThawed() {
    RewritableBytes record = new RewritableBytes(bytes("before"));
    int taken = record.acquire();
    record.fill(taken, bytes("during"), 6);
    record.freeze();
    record.thaw(); // a step that kept the entry came and went while the write copied: the write comes after it
    assertThat(record.publish(taken)).isTrue();
    assertThat(read(record)).isEqualTo("during");
  }

  @Test
  void aReadDuringWhichTwoWritesPublishedReadsAgain() {
    RewritableBytes record = new RewritableBytes(bytes("aaaa"));
    int[] calls = {0};
    ReadScratch slowReader = new ReadScratch() {
      @Override
      byte[] ensure(int length) {
        if (calls[0]++ == 0) { // the reader chose the buffer of version 0 and stalls before copying it
          assertThat(record.tryRewrite(RewritableBytesTest.bytes("bbbbbbbb"), 8)).isTrue(); // version 1, into the other buffer
          assertThat(record.tryRewrite(RewritableBytesTest.bytes("cc"), 2)).isTrue(); // version 2, into the reader's buffer
        }
        return super.ensure(length);
      }
    };
    int length = record.copyInto(slowReader);
    assertThat(new String(slowReader.bytes(), 0, length, StandardCharsets.UTF_8))
        .as("not the torn \"ccaa\"").isEqualTo("cc");
    assertThat(calls[0]).as("copies").isEqualTo(2);
  }

  /** A plain put's in-place write through the heap tier: the key's record, if it takes the bytes. */
  private static boolean rewrite(HeapTier<String> heap, String key, String text) {
    RewritableBytes record = heap.rewritable(key);
    return record != null && record.tryRewrite(bytes(text), bytes(text).length);
  }

  @Test
  void theHeapTiersAtomicStepFreezesTheRecordItReadsAndThawsItOnlyIfKept() {
    HeapTier<String> heap = new HeapTier<>(true);
    heap.allowInPlacePuts();
    RewritableBytes first = new RewritableBytes(bytes("one"));
    heap.store("k", new StoredEntry(first, StoredEntry.ETERNAL));

    heap.compute("k", (key, current) -> {
      assertThat(rewrite(heap, "k", "two")).as("a put inside the key's atomic step").isFalse();
      return current; // kept
    });
    assertThat(rewrite(heap, "k", "two")).isTrue();
    assertThat(read(first)).isEqualTo("two");

    StoredEntry replacement = new StoredEntry(new RewritableBytes(bytes("three")), StoredEntry.ETERNAL);
    heap.compute("k", (key, current) -> replacement);
    assertThat(first.tryRewrite(bytes("late"), 4)).as("the replaced record stays frozen").isFalse();
    assertThat(read(first)).isEqualTo("two");
    assertThat(rewrite(heap, "k", "four")).isTrue();
    assertThat(read((RewritableBytes) heap.get("k").value())).isEqualTo("four");
  }

  @Test
  void aStepThatThrowsThawsTheRecord() {
    HeapTier<String> heap = new HeapTier<>(true);
    heap.allowInPlacePuts();
    RewritableBytes record = new RewritableBytes(bytes("one"));
    heap.store("k", new StoredEntry(record, StoredEntry.ETERNAL));
    try {
      heap.compute("k", (key, current) -> {
        throw new IllegalStateException("a processor failed");
      });
    } catch (IllegalStateException expected) {
      // the entry stays as it was
    }
    assertThat(rewrite(heap, "k", "two")).isTrue();
    assertThat(read(record)).isEqualTo("two");
  }

  @Test
  void onlyEternalEntriesAndRewritableValuesWithinTheLimitAreRewritten() {
    HeapTier<String> heap = new HeapTier<>(true);
    heap.allowInPlacePuts();
    heap.store("mortal", new StoredEntry(new RewritableBytes(bytes("m")), System.currentTimeMillis() + 60_000));
    heap.store("plain", new StoredEntry(new SerializedBytes(bytes("p")), StoredEntry.ETERNAL));
    heap.store("small", new StoredEntry(new RewritableBytes(bytes("s")), StoredEntry.ETERNAL));
    assertThat(heap.rewritable("mortal")).isNull();
    assertThat(heap.rewritable("plain")).isNull();
    assertThat(heap.rewritable("absent")).isNull();
    byte[] large = new byte[RewritableBytes.MAX_BYTES + 1];
    assertThat(heap.rewritable("small").tryRewrite(large, large.length)).isFalse();
    assertThat(heap.rewritable("small").tryRewrite(large, RewritableBytes.MAX_BYTES)).isTrue();
  }
}

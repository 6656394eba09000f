package io.goldylox.writebehind;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The rule the writer lane applies to a batch that waited behind another ({@link Backlog#supersededSinceClaim}):
 * a key written again since its claim is left out, so its newest operation goes next instead of the writer getting
 * both; but a slot is left out at most once until it is delivered, so a key written without pause cannot be left
 * out for ever. A real {@link Backlog} over a real pending index, as callers publish into it.
 */
class BacklogSkipTest {

  private final ConcurrentHashMap<String, Pending<String>> pending = new ConcurrentHashMap<>();
  private final Backlog<String, String> backlog = new Backlog<>(true, pending);
  private long sequence;

  /** What a caller does: publish the key's newest operation (the first one also hands the key over). */
  private void write(String key, String value) {
    long seq = ++sequence;
    Pending<String> previous = pending.get(key);
    pending.put(key, new Pending<>(seq, value, new byte[] {1}, new byte[] {2}, seq, 0L,
        previous == null ? 1 : previous.operations + 1, 0L, false));
    if (previous == null || previous.claimed) {
      backlog.addLive(key, seq, seq, 0L);
    }
  }

  private Backlog.Slot<String, String> takeAndClaimOne() {
    List<Backlog.Slot<String, String>> taken = backlog.takeReady(0, 1);
    assertThat(taken).hasSize(1);
    Backlog.Slot<String, String> slot = taken.get(0);
    assertThat(backlog.claim(slot)).isTrue();
    return slot;
  }

  @Test
  void aKeyWrittenAgainSinceItsClaimIsLeftOutOnceThenDeliveredWhateverFollows() {
    write("k", "v1");
    Backlog.Slot<String, String> slot = takeAndClaimOne();
    assertThat(backlog.supersededSinceClaim(slot)).as("nothing newer yet").isFalse();

    write("k", "v2");
    assertThat(backlog.supersededSinceClaim(slot)).as("v2 came after the claim of v1").isTrue();
    backlog.requeueSkipped(slot);
    assertThat(backlog.readyCount()).isEqualTo(1);

    Backlog.Slot<String, String> again = takeAndClaimOne();
    assertThat(again).isSameAs(slot);
    assertThat(pending.get("k").value()).isEqualTo("v2");
    write("k", "v3");
    assertThat(backlog.supersededSinceClaim(again)).as("left out once already: goes now, with v2").isFalse();

    // Delivered: v3 is still pending, so the slot stays (ready) and may be left out once more later.
    assertThat(backlog.resolve(again)).isPositive();
    Backlog.Slot<String, String> third = takeAndClaimOne();
    write("k", "v4");
    assertThat(backlog.supersededSinceClaim(third)).isTrue();
  }

  @Test
  void aSkippedSlotGoesBackInFrontOfKeysThatBecameReadyAfterIt() {
    write("a", "1");
    write("b", "1");
    Backlog.Slot<String, String> a = takeAndClaimOne();
    write("a", "2");
    backlog.requeueSkipped(a);
    assertThat(backlog.takeReady(0, 2)).extracting(s -> s.key).containsExactly("a", "b");
  }

  @Test
  void withoutAClaimNothingIsLeftOut() {
    Backlog<String, String> journalOrder = new Backlog<>(false, pending);
    journalOrder.add(new JournalRecord(JournalRecord.PUT, 1, 0L, 0, 0L, new byte[] {1}, new byte[] {2}, 1L), "k");
    Backlog.Slot<String, String> slot = journalOrder.takeReady(0, 1).get(0);
    write("k", "v");
    assertThat(journalOrder.supersededSinceClaim(slot)).isFalse();
  }
}

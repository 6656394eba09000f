package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TransitMapTest {

  private static StoredBytes bytes(int b) {
    return new StoredBytes(new byte[] {(byte) b}, StoredEntry.ETERNAL);
  }

  @Test
  void arrivalsArePolledInOrderAndReadableUntilRemoved() {
    TransitMap<String> transit = new TransitMap<>();
    StoredBytes a = bytes(1);
    StoredBytes b = bytes(2);
    transit.arrive("a", a);
    transit.arrive("b", b);
    assertThat(transit.backlog()).isEqualTo(2);
    assertThat(transit.get("a")).isSameAs(a);

    TransitMap.Arrival<String> first = transit.poll();
    assertThat(first.key).isEqualTo("a");
    assertThat(transit.isCurrent(first)).isTrue();
    assertThat(transit.get("a")).as("polling hands it over; the map still serves readers").isSameAs(a);
    transit.remove("a", a);
    assertThat(transit.get("a")).isNull();
    assertThat(transit.poll().key).isEqualTo("b");
    assertThat(transit.poll()).isNull();
    assertThat(transit.backlog()).isZero();
  }

  @Test
  void anArrivalReplacedOrRemovedSinceIsStale() {
    TransitMap<String> transit = new TransitMap<>();
    StoredBytes older = bytes(1);
    StoredBytes newer = bytes(2);
    transit.arrive("k", older);
    transit.arrive("k", newer); // evicted again before the first move
    transit.arrive("gone", bytes(3));
    transit.remove("gone"); // a write below the heap took it

    TransitMap.Arrival<String> first = transit.poll();
    assertThat(transit.isCurrent(first)).as("replaced by a later eviction").isFalse();
    transit.remove(first.key, first.bytes);
    assertThat(transit.get("k")).as("removing a stale arrival keeps the newer one").isSameAs(newer);
    assertThat(transit.isCurrent(transit.poll())).isTrue();
    assertThat(transit.isCurrent(transit.poll())).as("removed").isFalse();
    assertThat(transit.size()).isEqualTo(1);
  }

  @Test
  void clearDropsEntriesAndQueuedArrivals() {
    TransitMap<Integer> transit = new TransitMap<>();
    for (int i = 0; i < 100; i++) {
      transit.arrive(i, bytes(i));
    }
    transit.clear();
    assertThat(transit.size()).isZero();
    assertThat(transit.backlog()).isZero();
    assertThat(transit.poll()).isNull();
    assertThat(transit.keys().hasNext()).isFalse();
  }
}

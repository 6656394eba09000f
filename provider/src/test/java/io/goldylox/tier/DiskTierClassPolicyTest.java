package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.serialization.ClassPolicy;
import io.goldylox.serialization.ForySerializer;
import io.goldylox.serialization.Serializer;
import io.goldylox.serialization.other.Badge;
import io.goldylox.serialization.other.Gadget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.cache.CacheException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a restart a disk tier's files are outside input: keys and values naming a class the cache's policy does
 * not allow are never instantiated; a refused value is a miss, counted, and stays in its file; a refused key cannot
 * be indexed, so {@link OnIncompatible} decides for a live entry (fail: the tier does not open, and nothing is lost;
 * wipe: the tier is emptied, as for data of other classes). What was written since the open is the process's own.
 */
class DiskTierClassPolicyTest {

  @TempDir
  Path dir;

  private final ClassLoader loader = getClass().getClassLoader();
  private final ForySerializer fory = new ForySerializer(loader);

  private DiskTier<Object> open(Serializer serializer, OnIncompatible onIncompatible) {
    return DiskTier.open(dir, 1 << 20, 64 << 10, serializer, loader, Object.class, Object.class, onIncompatible);
  }

  private static ClassPolicy strict() {
    return ClassPolicy.of("test", List.of(String.class, Object.class), List.of());
  }

  private static ClassPolicy allowingGadgets() {
    return ClassPolicy.of("test", List.of(Object.class), List.of("io.goldylox.serialization.other.**"));
  }

  /** A string key with a list value, a string key with a gadget value, and a key of a refused class. */
  private void writeThree() {
    try (DiskTier<Object> tier = open(fory.guarded(strict()), OnIncompatible.FAIL)) {
      tier.put("list", fory.serialize(new ArrayList<>(List.of("a"))), StoredEntry.ETERNAL);
      tier.put("gadget", fory.serialize(new Gadget()), StoredEntry.ETERNAL);
      tier.put(new Badge("refused key"), fory.serialize("a refused class in the key"), StoredEntry.ETERNAL);
      // Written by this process since the open: its own bytes, handed out as they are.
      assertThat(tier.get("gadget")).isNotNull();
      assertThat(tier.rejectedRecords()).isZero();
    }
  }

  @Test
  void aRefusedKeyFoundAtOpenFailsTheOpenByDefaultAndNothingIsLost() {
    writeThree();
    int before = Gadget.instantiations();
    ClassPolicy afterRestart = strict();
    assertThatThrownBy(() -> open(fory.guarded(afterRestart), OnIncompatible.FAIL))
        .isInstanceOf(CacheException.class)
        .hasMessageContaining("1 entries have keys of classes this cache does not allow")
        .hasMessageContaining("serializer.allow").hasMessageContaining("on-incompatible = wipe");
    assertThat(Gadget.instantiations()).as("nothing of it ran").isEqualTo(before);
    assertThat(afterRestart.rejected()).isEqualTo(1);
    // The failed open released the directory and deleted nothing: with the class allowed, all three are there.
    try (DiskTier<Object> tier = open(fory.guarded(allowingGadgets()), OnIncompatible.FAIL)) {
      assertThat(tier.size()).as("the entry with the refused key was indexed").isEqualTo(3);
      assertThat(fory.deserialize(tier.get(new Badge("refused key")).bytes(), loader))
          .isEqualTo("a refused class in the key");
      assertThat(tier.rejectedRecords()).isZero();
    }
  }

  @Test
  void aRefusedKeyWhoseEntryWasRemovedBeforeTheRestartDoesNotFailTheOpen() {
    Object gadgetKey = new Badge("k");
    try (DiskTier<Object> tier = open(fory.guarded(strict()), OnIncompatible.FAIL)) {
      tier.put("list", fory.serialize(new ArrayList<>(List.of("a"))), StoredEntry.ETERNAL);
      tier.put(gadgetKey, fory.serialize("one"), StoredEntry.ETERNAL);
      tier.put(gadgetKey, fory.serialize("two"), StoredEntry.ETERNAL);
      assertThat(tier.remove(gadgetKey)).isTrue();
    }
    ClassPolicy afterRestart = strict();
    try (DiskTier<Object> tier = open(fory.guarded(afterRestart), OnIncompatible.FAIL)) {
      assertThat(tier.size()).isEqualTo(1);
      assertThat(afterRestart.rejected()).as("its two puts and the tombstone, refused, none of them live")
          .isEqualTo(3);
    }
  }

  @Test
  void withWipeARefusedKeyEmptiesTheTierAsDataOfOtherClassesDoes() {
    writeThree();
    int before = Gadget.instantiations();
    try (DiskTier<Object> tier = open(fory.guarded(strict()), OnIncompatible.WIPE)) {
      assertThat(tier.size()).isZero();
      tier.put("after", fory.serialize("the wipe"), StoredEntry.ETERNAL);
    }
    assertThat(Gadget.instantiations()).isEqualTo(before);
    // Nothing comes back once the class is allowed.
    try (DiskTier<Object> tier = open(fory.guarded(allowingGadgets()), OnIncompatible.FAIL)) {
      assertThat(tier.size()).isEqualTo(1);
      assertThat(tier.get(new Badge("refused key"))).isNull();
    }
  }

  @Test
  void aRefusedValueIsAMissThatStaysInItsFile() {
    try (DiskTier<Object> tier = open(fory.guarded(strict()), OnIncompatible.FAIL)) {
      tier.put("list", fory.serialize(new ArrayList<>(List.of("a"))), StoredEntry.ETERNAL);
      tier.put("gadget", fory.serialize(new Gadget()), StoredEntry.ETERNAL);
    }
    int before = Gadget.instantiations();
    ClassPolicy afterRestart = strict();
    try (DiskTier<Object> tier = open(fory.guarded(afterRestart), OnIncompatible.FAIL)) {
      assertThat(tier.size()).isEqualTo(2);
      assertThat(fory.deserialize(tier.get("list").bytes(), loader)).isEqualTo(List.of("a"));
      assertThat(tier.get("gadget")).as("a refused value is a miss").isNull();
      assertThat(tier.get("gadget")).isNull();
      assertThat(tier.rejectedRecords()).isEqualTo(2);
      assertThat(afterRestart.rejected()).isEqualTo(2);
      assertThat(Gadget.instantiations()).as("nothing of it ran").isEqualTo(before);
      // A value verified once is not decoded again.
      assertThat(tier.get("list")).isNotNull();
      assertThat(afterRestart.rejected()).isEqualTo(2);
    }
    // With the class allowed, the refused value reads: it stayed in its file.
    try (DiskTier<Object> tier = open(fory.guarded(allowingGadgets()), OnIncompatible.FAIL)) {
      assertThat(fory.deserialize(tier.get("gadget").bytes(), loader)).isInstanceOf(Gadget.class);
      assertThat(tier.rejectedRecords()).isZero();
    }
  }

  @Test
  void aValuePutSinceTheOpenIsTheProcesssOwn() {
    writeThree();
    ClassPolicy afterRestart = strict();
    try (DiskTier<Object> tier = open(fory.guarded(afterRestart), OnIncompatible.WIPE)) {
      tier.put("gadget", fory.serialize(new Gadget()), StoredEntry.ETERNAL);
      assertThat(tier.get("gadget")).isNotNull();
      assertThat(afterRestart.rejected()).as("the key refused at open only").isEqualTo(1);
    }
  }
}

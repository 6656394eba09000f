package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.ClassPolicy;
import io.goldylox.serialization.ForySerializer;
import io.goldylox.serialization.Serializer;
import io.goldylox.serialization.other.Gadget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a restart a disk tier's files are outside input: keys and values naming a class the cache's policy does
 * not allow are misses, counted, and never instantiated; what was written since the open is the process's own.
 */
class DiskTierClassPolicyTest {

  @TempDir
  Path dir;

  private final ClassLoader loader = getClass().getClassLoader();
  private final ForySerializer fory = new ForySerializer(loader);

  private DiskTier<Object> open(Serializer serializer) {
    return DiskTier.open(dir, 1 << 20, 64 << 10, serializer, loader, Object.class, Object.class,
        OnIncompatible.FAIL);
  }

  @Test
  void aRefusedClassFoundAtOpenIsAMissAndIsNeverInstantiated() {
    ClassPolicy policy = ClassPolicy.of("test", List.of(String.class, Object.class), List.of());
    Serializer guarded = fory.guarded(policy);
    try (DiskTier<Object> tier = open(guarded)) {
      tier.put("list", fory.serialize(new ArrayList<>(List.of("a"))), StoredEntry.ETERNAL);
      tier.put("gadget", fory.serialize(new Gadget()), StoredEntry.ETERNAL);
      tier.put(new ArrayList<>(List.of(new Gadget())), fory.serialize("a gadget in the key"), StoredEntry.ETERNAL);
      // Written by this process since the open: its own bytes, handed out as they are.
      assertThat(tier.get("gadget")).isNotNull();
      assertThat(tier.rejectedRecords()).isZero();
    }
    int before = Gadget.instantiations();
    ClassPolicy afterRestart = ClassPolicy.of("test", List.of(String.class, Object.class), List.of());
    try (DiskTier<Object> tier = open(fory.guarded(afterRestart))) {
      assertThat(tier.size()).as("the record whose key is refused was skipped at open").isEqualTo(2);
      assertThat(tier.rejectedRecords()).isEqualTo(1);
      assertThat(fory.deserialize(tier.get("list").bytes(), loader)).isEqualTo(List.of("a"));
      assertThat(tier.get("gadget")).as("a refused value is a miss").isNull();
      assertThat(tier.get("gadget")).isNull();
      assertThat(tier.rejectedRecords()).isEqualTo(3);
      assertThat(afterRestart.rejected()).isEqualTo(3);
      assertThat(Gadget.instantiations()).as("nothing of it ran").isEqualTo(before);
      // A value verified once is not decoded again; a value put now is the process's own.
      assertThat(tier.get("list")).isNotNull();
      tier.put("gadget", fory.serialize(new Gadget()), StoredEntry.ETERNAL);
      assertThat(tier.get("gadget")).isNotNull();
      assertThat(afterRestart.rejected()).isEqualTo(3);
    }
    // With the class allowed, the same file reads.
    try (DiskTier<Object> tier = open(fory.guarded(ClassPolicy.of("test", List.of(Object.class),
        List.of("io.goldylox.serialization.other.**"))))) {
      assertThat(fory.deserialize(tier.get("gadget").bytes(), loader)).isInstanceOf(Gadget.class);
      assertThat(tier.rejectedRecords()).isZero();
    }
  }
}

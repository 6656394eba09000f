package io.goldylox.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.ClassPolicy;
import io.goldylox.serialization.ForySerializer;
import io.goldylox.serialization.SerializedBytes;
import io.goldylox.serialization.ValueCopier;
import io.goldylox.serialization.other.Gadget;
import io.goldylox.tier.StoredEntry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Records read from the remote store are network input: decoded through the cache's guarded serializer, a value of
 * a refused class, or a record of the format before format bytes, is a miss counted in ForeignRecords, and the
 * refused class is never instantiated. (The whole path over a real Redis runs in the TCK's Redis profile.)
 */
class RemoteCodecTest {

  private final ClassLoader loader = getClass().getClassLoader();
  private final ForySerializer fory = new ForySerializer(loader);
  private final RemoteMetrics metrics = new RemoteMetrics();
  private final ClassPolicy policy = ClassPolicy.of("remote", List.of(String.class, Object.class), List.of());
  private final RemoteCodec codec = new RemoteCodec(fory.guarded(policy), new ValueCopier(fory, () -> loader),
      () -> loader, Object.class, metrics, "remote");

  @Test
  void anAllowedValueIsDecodedAndARefusedOneIsAMissNeverBuilt() {
    long deadline = System.currentTimeMillis() + 60_000;
    byte[] list = codec.encode(new StoredEntry(new SerializedBytes(fory.serialize(new ArrayList<>(List.of("a")))),
        deadline));
    StoredEntry read = codec.decode(list);
    assertThat(read.expireAtMillis()).isEqualTo(deadline);
    assertThat(fory.deserialize(((SerializedBytes) read.value()).bytes(), loader)).isEqualTo(List.of("a"));

    byte[] gadget = codec.encode(new StoredEntry(new SerializedBytes(fory.serialize(new Gadget())), deadline));
    int before = Gadget.instantiations();
    assertThat(codec.decode(gadget)).isNull();
    assertThat(Gadget.instantiations()).isEqualTo(before);
    assertThat(metrics.foreignRecords()).isEqualTo(1);
    assertThat(policy.rejected()).isEqualTo(1);

    // A record written before format bytes (version 1) is another format: a miss, not a guess.
    byte[] old = list.clone();
    old[1] = 1;
    assertThat(codec.decode(old)).isNull();
    assertThat(metrics.foreignRecords()).isEqualTo(2);
  }
}

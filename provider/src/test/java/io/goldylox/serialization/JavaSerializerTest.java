package io.goldylox.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

class JavaSerializerTest {

  private final JavaSerializer serializer = new JavaSerializer();

  private Object roundTrip(Object value) {
    return serializer.deserialize(serializer.serialize(value), getClass().getClassLoader());
  }

  @Test
  void commonKeysUseTheCompactFormAndComeBackEqual() {
    for (Object value : List.of("", "order-42", "ünïcødé ✓", 0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 7,
        Integer.MIN_VALUE)) {
      assertThat(roundTrip(value)).isEqualTo(value).hasSameClassAs(value);
    }
    assertThat(serializer.serialize(42L)).hasSize(9);
    assertThat(serializer.serialize("ab")).hasSize(3);
  }

  @Test
  void everythingElseIsAJavaSerializationStream() {
    Date date = new Date(1234);
    ArrayList<Object> list = new ArrayList<>(List.of("a", 1L, new BigDecimal("1.5")));
    assertThat(serializer.serialize(date)).startsWith((byte) 0xAC, (byte) 0xED);
    assertThat(roundTrip(date)).isEqualTo(date).isNotSameAs(date);
    assertThat(roundTrip(list)).isEqualTo(list);
  }

  @Test
  void bytesWrittenBeforeTheCompactFormStillReadBack() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject("written by plain Java serialization");
    }
    assertThat(serializer.deserialize(bytes.toByteArray(), null)).isEqualTo("written by plain Java serialization");
  }

  @Test
  void aFilterRejectsClassesItDoesNotAllow() {
    JavaSerializer strict = new JavaSerializer(java.io.ObjectInputFilter.Config.createFilter("java.lang.*;!*"));
    assertThatThrownBy(() -> strict.deserialize(strict.serialize(new Date()), null))
        .isInstanceOf(SerializationException.class).hasMessageContaining("Rejected");
  }
}

package io.goldylox.tier;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The heap's popularity sketch counts a use as one, whatever the key's hash code. */
class AccessSketchTest {

  @Test
  void keysWhoseHashCodeIsZeroCountOneUseAsOne() {
    for (Object key : new Object[] {0, 0L, "", 1, "a", 42L}) {
      AccessSketch sketch = new AccessSketch(10_000);
      sketch.record(key, false);
      assertThat(sketch.frequency(key)).as("frequency of %s (hash code %d) after one use", key, key.hashCode())
          .isEqualTo(1);
      sketch.record(key, false);
      sketch.record(key, false);
      assertThat(sketch.frequency(key)).as("after three uses").isEqualTo(3);
    }
  }

  @Test
  void oneKeysUsesDoNotMakeAnotherLookPopular() {
    AccessSketch sketch = new AccessSketch(10_000);
    for (int i = 0; i < 15; i++) {
      sketch.record(0, false);
    }
    int popularOthers = 0;
    for (int key = 1; key <= 1_000; key++) {
      if (sketch.frequency(key) > 0) {
        popularOthers++;
      }
    }
    assertThat(popularOthers).as("keys never used that the sketch counts as used").isZero();
  }
}

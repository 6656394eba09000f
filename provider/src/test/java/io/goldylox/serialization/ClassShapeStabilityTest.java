package io.goldylox.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record's class fingerprint depends on the class alone, not on what the JVM met first (found by a review: Fory's
 * own class hash, tried first, took its field type ids from what that Fory instance had already seen, so records
 * of unchanged classes failed after a restart). Same classes, same code, two JVMs: one stores an ArrayList holding
 * one Address twice and then a Person; the other, after a restart, reads the Person first.
 */
class ClassShapeStabilityTest {

  public static final class Address implements java.io.Serializable {
    String city;
    public Address(String city) {
      this.city = city;
    }

    @Override
    public String toString() {
      return "Address(" + city + ")";
    }
  }

  public static final class Person implements java.io.Serializable {
    String name;
    Address home;
    public Person(String name, Address home) {
      this.name = name;
      this.home = home;
    }

    @Override
    public String toString() {
      return "Person(" + name + ", " + home + ")";
    }
  }

  /** args: write|read dir. */
  public static void main(String[] args) throws Exception {
    ForySerializer fory = new ForySerializer(ClassShapeStabilityTest.class.getClassLoader());
    Path dir = Path.of(args[1]);
    if (args[0].equals("write")) {
      Address shared = new Address("Oslo");
      Files.write(dir.resolve("1"), fory.serialize(new ArrayList<>(List.of(shared, shared))));
      Files.write(dir.resolve("2"), fory.serialize(new Person("ann", new Address("Rome"))));
      System.out.println("written");
    } else {
      for (String record : new String[] {"2", "1"}) { // a disk tier, a journal, Redis: any order
        try {
          System.out.println(record + " " + fory.deserialize(Files.readAllBytes(dir.resolve(record)), null));
        } catch (RuntimeException e) {
          System.out.println(record + " FAILED " + e.getMessage());
        }
      }
    }
  }

  @TempDir
  Path dir;

  private String run(String mode) throws Exception {
    Process child = ChildJvm.start(ClassShapeStabilityTest.class, List.of(), dir.resolve(mode + ".err"), mode,
        dir.toString());
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void aRecordReadsBackInAnotherJvmWhateverItReadsFirst() throws Exception {
    assertThat(run("write")).contains("written");
    String read = run("read");
    assertThat(read).contains("1 [Address(Oslo), Address(Oslo)]").contains("2 Person(ann, Address(Rome))");
  }
}

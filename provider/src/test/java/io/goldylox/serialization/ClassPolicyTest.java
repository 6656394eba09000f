package io.goldylox.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.goldylox.serialization.other.Gadget;
import io.goldylox.testing.SerialForms.Money;
import io.goldylox.testing.SerialForms.Op;
import java.util.concurrent.atomic.AtomicInteger;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What a {@link ClassPolicy} allows, and that a guarded serializer (Fory's, and Java's for records written by Java
 * serialization) refuses any other class before instantiating it, at the top of the value or deep inside it.
 */
class ClassPolicyTest {

  record Line(String sku, int quantity) implements Serializable {}

  /** A declared value type: its field types (and their generic arguments) are allowed with it. */
  static final class Order implements Serializable {
    private static final long serialVersionUID = 1L;
    String id;
    List<Line> lines = new ArrayList<>();
    Map<String, BigDecimal> prices = new HashMap<>();
    Object extra; // declared as Object: only Object itself, nothing that happens to be put there

    @Override
    public boolean equals(Object o) {
      return o instanceof Order && ((Order) o).id.equals(id) && ((Order) o).lines.equals(lines)
          && ((Order) o).prices.equals(prices) && Objects.equals(((Order) o).extra, extra);
    }

    @Override
    public int hashCode() {
      return id.hashCode();
    }
  }

  private final ClassLoader loader = getClass().getClassLoader();

  private static Order order() {
    Order order = new Order();
    order.id = "o-1";
    order.lines.add(new Line("apple", 3));
    order.prices.put("apple", new BigDecimal("0.50"));
    order.extra = LocalDate.of(2025, 1, 1);
    return order;
  }

  @Test
  void theDeclaredTypesTheirFieldTypesAndJdkValuesAreAllowed() {
    ClassPolicy policy = ClassPolicy.of("orders", List.of(String.class, Order.class), List.of());
    assertThat(policy.allows(Order.class.getName())).isTrue();
    assertThat(policy.allows(Line.class.getName())).as("a generic argument of a field").isTrue();
    for (Class<?> jdk : List.of(String.class, Long.class, BigDecimal.class, UUID.class, LocalDate.class,
        ArrayList.class, HashMap.class, List.of(1, 2, 3).getClass(), int[].class, String[].class)) {
      assertThat(policy.allows(jdk.getName())).as(jdk.getName()).isTrue();
    }
    assertThat(policy.allows(Gadget.class.getName())).isFalse();
    assertThat(policy.allows("[L" + Gadget.class.getName() + ";")).isFalse();
    assertThat(policy.allows("java.util.PriorityQueue")).isFalse();
    assertThat(policy.allows("org.apache.commons.collections.functors.InvokerTransformer")).isFalse();
    assertThat(policy.rejected()).as("allows() neither counts nor logs").isZero();
  }

  @Test
  void allowListEntriesAreClassesPackagesOrTrees() {
    ClassPolicy policy = ClassPolicy.of("c", List.of(), List.of("com.example.Exact", "com.shop.*", "org.acme.**"));
    assertThat(policy.allows("com.example.Exact")).isTrue();
    assertThat(policy.allows("com.example.Other")).isFalse();
    assertThat(policy.allows("com.shop.Cart")).isTrue();
    assertThat(policy.allows("com.shop.Cart$Item")).isTrue();
    assertThat(policy.allows("com.shop.internal.Cart")).as("* is one package").isFalse();
    assertThat(policy.allows("org.acme.deep.down.Thing")).isTrue();
    assertThat(policy.allows("org.acmeevil.Thing")).isFalse();
    assertThatThrownBy(() -> ClassPolicy.of("c", List.of(), List.of("com..x"))).isInstanceOf(
        IllegalArgumentException.class);
    assertThatThrownBy(() -> ClassPolicy.of("c", List.of(), List.of("*"))).isInstanceOf(
        IllegalArgumentException.class);
  }

  @Test
  void aGuardedForyReadsAllowedValuesAndRefusesAGadgetWithoutInstantiatingIt() {
    ForySerializer fory = new ForySerializer(loader);
    ClassPolicy policy = ClassPolicy.of("orders", List.of(String.class, Order.class), List.of());
    Serializer guarded = fory.guarded(policy);
    assertThat(guarded.checksClasses()).isTrue();
    assertThat(guarded.deserialize(fory.serialize(order()), loader)).isEqualTo(order());

    byte[] top = fory.serialize(new Gadget());
    Order carrier = order();
    carrier.extra = new Gadget(); // inside an allowed class, in a field declared as Object
    byte[] nested = fory.serialize(carrier);
    int before = Gadget.instantiations();
    assertThatThrownBy(() -> guarded.deserialize(nested, loader)).isInstanceOf(ClassRejectedException.class);
    assertThatThrownBy(() -> guarded.deserialize(top, loader)).isInstanceOf(ClassRejectedException.class);
    assertThat(Gadget.instantiations()).as("readObject/readResolve never ran").isEqualTo(before);
    assertThat(policy.rejected()).isEqualTo(2);
    // The unguarded serializer (copies inside the heap) reads it: the check is only for outside bytes.
    assertThat(fory.deserialize(top, loader)).isInstanceOf(Gadget.class);
    assertThat(Gadget.instantiations()).isGreaterThan(before);
  }

  /** Not allowed by any policy here; counts its constructions (Fory rebuilds a record through its constructor). */
  record Stranger(long id) implements Serializable {
    static final AtomicInteger CONSTRUCTED = new AtomicInteger();

    Stranger {
      CONSTRUCTED.incrementAndGet();
    }
  }

  @Test
  void valuesWrittenWithoutReferenceTrackingAreCheckedToo() {
    ForySerializer fory = new ForySerializer(loader);
    ClassPolicy policy = ClassPolicy.of("lines", List.of(String.class, Line.class), List.of());
    Serializer guarded = fory.guarded(policy);
    byte[] allowed = fory.serialize(new Line("apple", 3));
    assertThat(allowed[0]).isEqualTo(ForySerializer.TAG_FORY_UNTRACKED);
    assertThat(guarded.deserialize(allowed, loader)).isEqualTo(new Line("apple", 3));

    byte[] planted = fory.serialize(new Stranger(7));
    assertThat(planted[0]).isEqualTo(ForySerializer.TAG_FORY_UNTRACKED);
    int before = Stranger.CONSTRUCTED.get();
    assertThatThrownBy(() -> guarded.deserialize(planted, loader)).isInstanceOf(ClassRejectedException.class);
    assertThat(Stranger.CONSTRUCTED.get()).as("never instantiated").isEqualTo(before);
    assertThat(policy.rejected()).isEqualTo(1);
    assertThat(fory.deserialize(planted, loader)).as("a heap copy needs no check").isEqualTo(new Stranger(7));
  }

  enum Secret { A, B }

  /** Written without reference tracking, with a field of an enum that only the declared-type walk would allow. */
  static final class HoldsSecret implements Serializable {
    private static final long serialVersionUID = 1L;
    Secret secret = Secret.B;
    int x = 1;
  }

  @Test
  void aDisallowedClassInsideAnUntrackedRecordIsRefused() {
    ForySerializer fory = new ForySerializer(loader);
    ClassPolicy policy = ClassPolicy.of("holders", List.of(), List.of(HoldsSecret.class.getName()));
    byte[] bytes = fory.serialize(new HoldsSecret());
    assertThat(bytes[0]).isEqualTo(ForySerializer.TAG_FORY_UNTRACKED);
    assertThatThrownBy(() -> fory.guarded(policy).deserialize(bytes, loader))
        .isInstanceOf(ClassRejectedException.class).hasMessageContaining(Secret.class.getName());
    assertThat(policy.rejected()).isEqualTo(1);
  }

  @Test
  void recordsWrittenByJavaSerializationAreCheckedToo() {
    JavaSerializer java = new JavaSerializer();
    ClassPolicy policy = ClassPolicy.of("orders", List.of(String.class, Order.class), List.of());
    Serializer guarded = new ForySerializer(loader).guarded(policy);
    assertThat(guarded.deserialize(java.serialize(order()), loader)).isEqualTo(order());
    Order carrier = order();
    carrier.extra = new Gadget();
    byte[] nested = java.serialize(carrier);
    int before = Gadget.instantiations();
    assertThatThrownBy(() -> guarded.deserialize(nested, loader)).isInstanceOf(ClassRejectedException.class);
    assertThatThrownBy(() -> java.guarded(policy).deserialize(nested, loader))
        .isInstanceOf(ClassRejectedException.class);
    assertThat(Gadget.instantiations()).isEqualTo(before);
  }

  @Test
  void theAllowListLetsANamedClassIn() {
    ForySerializer fory = new ForySerializer(loader);
    Serializer guarded = fory.guarded(ClassPolicy.of("any", List.of(Object.class),
        List.of("io.goldylox.serialization.other.*")));
    assertThat(guarded.deserialize(fory.serialize(new Gadget()), loader)).isInstanceOf(Gadget.class);
  }

  /** Declares a serializable lambda: its class is hidden, generated at run time under this class's name. */
  static final class WithLambda implements Serializable {
    private static final long serialVersionUID = 1L;
    Runnable task = (Runnable & Serializable) () -> { };
  }

  @Test
  void classesDeclaredInsideAnAllowedApplicationClassAreAllowedWithIt() {
    ClassPolicy policy = ClassPolicy.of("c", List.of(Order.class, Op.class, Money.class, WithLambda.class,
        java.util.List.class), List.of("com.example.Exact"));
    assertThat(policy.allows(Op.SUB.getClass().getName())).as("an enum constant's body").isTrue();
    assertThat(Op.SUB.getClass().getName()).isEqualTo(Op.class.getName() + "$2");
    assertThat(policy.allows(Money.class.getName() + "$Proxy")).as("a private member class").isTrue();
    // Named under an allowed class, but not a class declared in it:
    assertThat(policy.allows(Order.class.getName() + "$Inner")).as("no such class").isFalse();
    assertThat(policy.allows(Order.class.getName() + "$$SpringCGLIB$$0")).as("a generated subclass").isFalse();
    assertThat(policy.allows(Order.class.getName() + "$x.Gadget")).as("another package").isFalse();
    String lambda = new WithLambda().task.getClass().getName();
    assertThat(lambda).startsWith(WithLambda.class.getName() + "$$Lambda");
    assertThat(policy.allows(lambda)).as("a lambda's hidden class").isFalse();
    assertThat(policy.allows(ClassPolicyTest.class.getName() + "$Stranger"))
        .as("in the same nest (this test class), but not declared in an allowed class").isFalse();
    assertThat(policy.allows("com.example.Exact$Builder")).as("an allow-list name is that class only").isFalse();
    assertThat(policy.allows("java.util.List$Anything")).as("not for the JDK's classes").isFalse();
    assertThat(policy.allows("java.util.HashMap$Node")).isFalse();
  }

  @Test
  void classesCompiledForJava8WithoutNestAttributesAreRecognisedByTheirEnclosingClass(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path source = dir.resolve("p8");
    java.nio.file.Files.createDirectories(source);
    java.nio.file.Files.writeString(source.resolve("Money.java"), "package p8;\n"
        + "public class Money implements java.io.Serializable {\n"
        + "  long cents;\n"
        + "  private Object writeReplace() { return new Proxy(); }\n"
        + "  private static final class Proxy implements java.io.Serializable { }\n"
        + "}\n");
    java.nio.file.Files.writeString(source.resolve("Op.java"), "package p8;\n"
        + "public enum Op { ADD { int apply(int a) { return a + 1; } }; abstract int apply(int a); }\n");
    javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
    int status = javac.run(null, null, null, "--release", "8", "-nowarn", "-d", dir.resolve("classes").toString(),
        source.resolve("Money.java").toString(), source.resolve("Op.java").toString());
    assertThat(status).isZero();
    try (java.net.URLClassLoader classes = new java.net.URLClassLoader(
        new java.net.URL[] {dir.resolve("classes").toUri().toURL()}, loader)) {
      Class<?> money = classes.loadClass("p8.Money");
      Class<?> op = classes.loadClass("p8.Op");
      Class<?> proxy = classes.loadClass("p8.Money$Proxy");
      assertThat(proxy.getNestHost()).as("a Java 8 class file has no nest attributes").isSameAs(proxy);
      ClassPolicy policy = ClassPolicy.of("c", List.of(money, op), List.of());
      assertThat(policy.allows("p8.Money$Proxy")).isTrue();
      assertThat(policy.allows("p8.Op$1")).isTrue();
      assertThat(policy.allows("p8.Money$Missing")).isFalse();
    }
  }

  @Test
  void anOverlongNameIsRefusedUnread() {
    ClassPolicy policy = ClassPolicy.of("c", List.of(Order.class), List.of("com.example.**"));
    String name = "com.example." + "$".repeat(ClassPolicy.MAX_NAME_LENGTH);
    assertThat(policy.allows(name)).as("inside an allowed tree, but too long").isFalse();
    assertThat(policy.allows(Order.class.getName() + "$".repeat(60_000))).isFalse();
  }

  @Test
  void anEnumConstantWithABodyAndAWriteReplaceProxyReadBackThroughBothGuardedReaders() {
    ForySerializer fory = new ForySerializer(loader);
    JavaSerializer java = new JavaSerializer();
    ClassPolicy policy = ClassPolicy.of("c", List.of(Op.class, Money.class), List.of());
    // Fory's records through Fory's guarded reader; Java's through both (Fory's reads what Java wrote).
    List<List<Serializer>> pairs = List.of(List.of(fory, fory.guarded(policy)), List.of(java, fory.guarded(policy)),
        List.of(java, java.guarded(policy)));
    for (List<Serializer> pair : pairs) {
      Serializer writer = pair.get(0);
      Serializer reader = pair.get(1);
      Object op = reader.deserialize(writer.serialize(Op.SUB), loader);
      assertThat(op).as(writer + " -> " + reader).isSameAs(Op.SUB);
      assertThat(((Op) op).apply(5, 3)).isEqualTo(2);
      assertThat(reader.deserialize(writer.serialize(new Money(1250)), loader))
          .as(writer + " -> " + reader).isEqualTo(new Money(1250));
    }
    assertThat(policy.rejected()).isZero();
  }

  /**
   * Java's guarded reader refuses a serializable lambda (its serial form, {@code SerializedLambda}, is not
   * allowed), even inside an allowed class. Fory's does not: it checks only the capturing class and rebuilds the
   * lambda through it (a known limit, README "Threat model"; Fory 0.13.1 reads lambdas past a serializer
   * registered for them).
   */
  @Test
  void javasGuardedReaderRefusesASerializableLambdaEvenInsideAnAllowedClass() {
    JavaSerializer java = new JavaSerializer();
    ClassPolicy policy = ClassPolicy.of("c", List.of(WithLambda.class), List.of());
    WithLambda value = new WithLambda();
    assertThatThrownBy(() -> java.guarded(policy).deserialize(java.serialize(value), loader))
        .isInstanceOf(ClassRejectedException.class);
    assertThat(policy.rejected()).isEqualTo(1);
  }
}

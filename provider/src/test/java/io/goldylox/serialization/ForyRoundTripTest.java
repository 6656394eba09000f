package io.goldylox.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectInputStream;
import java.io.ObjectOutput;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The default serializer (Fory) reads back what it wrote exactly as Java serialization would: for each kind of
 * class whose Java serialization has a semantic of its own, the value read back through Fory is compared with the
 * value read back through {@link JavaSerializer} (same class, equal, and the semantic itself checked).
 */
class ForyRoundTripTest {

  private final ForySerializer fory = new ForySerializer(getClass().getClassLoader());
  private final JavaSerializer java = new JavaSerializer();

  private Object viaFory(Object value) {
    byte[] bytes = fory.serialize(value);
    return fory.deserialize(bytes, getClass().getClassLoader());
  }

  private Object viaJava(Object value) {
    return java.deserialize(java.serialize(value), getClass().getClassLoader());
  }

  /** Fory's copy has the class and the state that Java serialization's copy has, and is not the original. */
  private Object sameAsJava(Object value) {
    Object byFory = viaFory(value);
    Object byJava = viaJava(value);
    assertThat(byFory).isInstanceOf(byJava.getClass());
    assertThat(byFory.getClass()).isEqualTo(byJava.getClass());
    if (byFory instanceof ArrayDeque) { // no equals of its own
      assertThat(new ArrayList<>((ArrayDeque<?>) byFory)).isEqualTo(new ArrayList<>((ArrayDeque<?>) byJava));
    } else {
      assertThat(byFory).isEqualTo(byJava);
    }
    if (!(byFory instanceof LinkedHashMap)) { // comparing an access-ordered map field by field reorders it
      assertThat(byFory).usingRecursiveComparison().isEqualTo(byJava);
    }
    return byFory;
  }

  // ---------------------------------------------------------------------------------------------------------
  // readResolve, writeReplace, writeObject/readObject, Externalizable

  /** A singleton whose readResolve keeps it one. */
  static final class Singleton implements Serializable {
    private static final long serialVersionUID = 1L;
    static final Singleton INSTANCE = new Singleton();

    private Singleton() {}

    private Object readResolve() throws ObjectStreamException {
      return INSTANCE;
    }
  }

  @Test
  void aReadResolveSingletonStaysTheSingleton() {
    assertThat(viaJava(Singleton.INSTANCE)).isSameAs(Singleton.INSTANCE);
    assertThat(viaFory(Singleton.INSTANCE)).isSameAs(Singleton.INSTANCE);
    Object[] pair = (Object[]) viaFory(new Object[] {Singleton.INSTANCE, Singleton.INSTANCE});
    assertThat(pair[0]).isSameAs(Singleton.INSTANCE).isSameAs(pair[1]);
  }

  /** Written as a proxy (writeReplace) that rebuilds it (readResolve), as the serialization-proxy pattern does. */
  static final class Range implements Serializable {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger PROXIES_WRITTEN = new AtomicInteger();
    final int low;
    final int high;
    final transient int width; // derived: the proxy does not carry it

    Range(int low, int high) {
      if (low > high) {
        throw new IllegalArgumentException(low + " > " + high);
      }
      this.low = low;
      this.high = high;
      this.width = high - low;
    }

    private Object writeReplace() {
      PROXIES_WRITTEN.incrementAndGet();
      return new RangeProxy(low, high);
    }

    private void readObject(ObjectInputStream in) throws java.io.InvalidObjectException {
      throw new java.io.InvalidObjectException("only through the proxy");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Range && ((Range) o).low == low && ((Range) o).high == high && ((Range) o).width == width;
    }

    @Override
    public int hashCode() {
      return Objects.hash(low, high);
    }
  }

  static final class RangeProxy implements Serializable {
    private static final long serialVersionUID = 1L;
    final int low;
    final int high;

    RangeProxy(int low, int high) {
      this.low = low;
      this.high = high;
    }

    private Object readResolve() {
      return new Range(low, high); // through the constructor: the derived field is rebuilt
    }
  }

  @Test
  void writeReplaceAndReadResolveGoThroughTheProxy() {
    int before = Range.PROXIES_WRITTEN.get();
    Range copy = (Range) sameAsJava(new Range(3, 10));
    assertThat(copy.width).isEqualTo(7);
    assertThat(Range.PROXIES_WRITTEN.get() - before).as("writeReplace ran for Java and for Fory").isEqualTo(2);
  }

  /** Custom writeObject/readObject: the stream form differs from the fields, a transient field is rebuilt. */
  static final class Secret implements Serializable {
    private static final long serialVersionUID = 1L;
    String text;
    transient int length;

    Secret(String text) {
      this.text = text;
      this.length = text.length();
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.writeUTF(new StringBuilder(text).reverse().toString());
    }

    private void readObject(ObjectInputStream in) throws IOException {
      text = new StringBuilder(in.readUTF()).reverse().toString();
      length = text.length();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Secret && ((Secret) o).text.equals(text) && ((Secret) o).length == length;
    }

    @Override
    public int hashCode() {
      return text.hashCode();
    }
  }

  @Test
  void writeObjectAndReadObjectAreCalled() {
    Secret copy = (Secret) sameAsJava(new Secret("goldylox"));
    assertThat(copy.text).isEqualTo("goldylox");
    assertThat(copy.length).isEqualTo(8);
  }

  /** Externalizable: rebuilt through its public no-arg constructor and readExternal. */
  public static final class Packet implements Externalizable {
    static final AtomicInteger CONSTRUCTED = new AtomicInteger();
    int id;
    String body;

    public Packet() {
      CONSTRUCTED.incrementAndGet();
    }

    Packet(int id, String body) {
      this.id = id;
      this.body = body;
    }

    @Override
    public void writeExternal(ObjectOutput out) throws IOException {
      out.writeInt(id);
      out.writeUTF(body);
    }

    @Override
    public void readExternal(ObjectInput in) throws IOException {
      id = in.readInt();
      body = in.readUTF();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Packet && ((Packet) o).id == id && ((Packet) o).body.equals(body);
    }

    @Override
    public int hashCode() {
      return id;
    }
  }

  @Test
  void externalizableUsesItsConstructorAndReadExternal() {
    int before = Packet.CONSTRUCTED.get();
    sameAsJava(new Packet(5, "five"));
    assertThat(Packet.CONSTRUCTED.get() - before).as("the no-arg constructor ran for Java and for Fory")
        .isEqualTo(2);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Records, enums, classes without a no-arg constructor, transient fields

  record Point(int x, int y, List<String> tags) implements Serializable {
    static final AtomicInteger CONSTRUCTED = new AtomicInteger();

    Point {
      CONSTRUCTED.incrementAndGet();
      tags = List.copyOf(tags);
    }
  }

  @Test
  void aRecordIsRebuiltThroughItsCanonicalConstructor() {
    Point point = new Point(1, 2, List.of("a", "b"));
    int before = Point.CONSTRUCTED.get();
    Point copy = (Point) sameAsJava(point);
    assertThat(copy).isEqualTo(point).isNotSameAs(point);
    // Java serialization builds a record through its canonical constructor; Fory must too.
    assertThat(Point.CONSTRUCTED.get() - before).isEqualTo(2);
  }

  enum Planet {
    MERCURY, EARTH { @Override public String toString() { return "home"; } }
  }

  @Test
  void enumConstantsStayTheConstants() {
    for (Planet planet : Planet.values()) {
      assertThat(viaFory(planet)).isSameAs(planet);
      assertThat(viaJava(planet)).isSameAs(planet);
    }
    @SuppressWarnings("unchecked")
    List<Planet> list = (List<Planet>) sameAsJava(new ArrayList<>(List.of(Planet.EARTH, Planet.MERCURY)));
    assertThat(list.get(0)).isSameAs(Planet.EARTH);
  }

  /** Serializable, no no-arg constructor, a constructor that counts and validates. */
  static final class Account implements Serializable {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger CONSTRUCTED = new AtomicInteger();
    final String owner;
    final BigDecimal balance;
    transient String cachedLabel;

    Account(String owner, BigDecimal balance) {
      CONSTRUCTED.incrementAndGet();
      this.owner = Objects.requireNonNull(owner);
      this.balance = balance;
      this.cachedLabel = owner + ":" + balance;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Account && ((Account) o).owner.equals(owner) && ((Account) o).balance.equals(balance)
          && Objects.equals(((Account) o).cachedLabel, cachedLabel);
    }

    @Override
    public int hashCode() {
      return owner.hashCode();
    }
  }

  @Test
  void aClassWithoutANoArgConstructorIsRebuiltWithoutRunningOne() {
    Account account = new Account("ada", new BigDecimal("10.50"));
    int before = Account.CONSTRUCTED.get();
    Account copy = (Account) sameAsJava(account);
    assertThat(Account.CONSTRUCTED.get()).as("no constructor ran, as with Java serialization").isEqualTo(before);
    assertThat(copy.owner).isEqualTo("ada");
    assertThat(copy.cachedLabel).as("a transient field comes back as its default").isNull();
  }

  /** Public, with a public no-arg constructor, a transient field with an initializer, and a constructor count. */
  public static final class Session implements Serializable {
    private static final long serialVersionUID = 1L;
    static final java.util.concurrent.atomic.AtomicInteger CONSTRUCTED = new java.util.concurrent.atomic.AtomicInteger();
    public String user = "nobody";
    transient int hits = 7;

    public Session() {
      CONSTRUCTED.incrementAndGet();
    }
  }

  /** The same, package-private: Fory does not use its constructor. */
  static final class HiddenSession implements Serializable {
    private static final long serialVersionUID = 1L;
    String user = "nobody";
    transient int hits = 7;
  }

  /**
   * A documented difference (README, "Choosing a serializer"): for a public class with a public no-arg
   * constructor, Fory builds the copy with that constructor, so its field initializers and body run and a transient
   * field keeps the value they give it; Java serialization runs no constructor of a Serializable class and leaves it
   * 0. A package-private class is built without one, as Java does. Pinned so that a Fory upgrade that changes
   * either is noticed (and the README corrected).
   */
  @Test
  void aNoArgConstructorRunsUnderForyWhereJavaSerializationRunsNone() {
    Session session = new Session();
    session.user = "ada";
    session.hits = 99;
    int before = Session.CONSTRUCTED.get();
    Session byJava = (Session) viaJava(session);
    assertThat(Session.CONSTRUCTED.get()).isEqualTo(before);
    assertThat(byJava.user).isEqualTo("ada");
    assertThat(byJava.hits).isZero();
    Session byFory = (Session) viaFory(session);
    assertThat(Session.CONSTRUCTED.get()).as("Fory ran the constructor").isEqualTo(before + 1);
    assertThat(byFory.user).isEqualTo("ada");
    assertThat(byFory.hits).as("the initializer's value, not Java's 0").isEqualTo(7);

    HiddenSession hidden = new HiddenSession();
    hidden.hits = 99;
    assertThat(((HiddenSession) viaFory(hidden)).hits).isZero();
    assertThat(((HiddenSession) viaJava(hidden)).hits).isZero();
  }

  /** A superclass that is not Serializable: Java serialization runs its no-arg constructor, not its fields. */
  static class Base {
    int generation = 1;

    Base() {}
  }

  static final class Derived extends Base implements Serializable {
    private static final long serialVersionUID = 1L;
    String name;

    Derived(String name) {
      this.name = name;
      this.generation = 5;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Derived && ((Derived) o).name.equals(name) && ((Derived) o).generation == generation;
    }

    @Override
    public int hashCode() {
      return name.hashCode();
    }
  }

  @Test
  void aNonSerializableSuperclassIsRebuiltByItsNoArgConstructor() {
    Derived copy = (Derived) sameAsJava(new Derived("d"));
    assertThat(copy.name).isEqualTo("d");
    assertThat(copy.generation).as("the superclass's state comes from its constructor, as in Java").isEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Collections

  static Stream<Object> collections() {
    Map<String, Integer> access = new LinkedHashMap<>(16, 0.75f, true);
    access.put("a", 1);
    access.put("b", 2);
    access.get("a");
    TreeMap<String, Integer> reversed = new TreeMap<>(Comparator.reverseOrder());
    reversed.put("a", 1);
    reversed.put("z", 26);
    EnumMap<Planet, String> enumMap = new EnumMap<>(Planet.class);
    enumMap.put(Planet.EARTH, "blue");
    return Stream.of(
        new ArrayList<>(List.of(1, "two", 3.0)),
        new LinkedList<>(List.of("a", "b")),
        new HashMap<>(Map.of("k", List.of(1, 2))),
        access,
        reversed,
        new TreeSet<>(Set.of(3, 1, 2)),
        new HashSet<>(Set.of(UUID.nameUUIDFromBytes(new byte[] {1}), LocalDate.of(2024, 2, 29))),
        new ArrayDeque<>(List.of("x", "y")),
        new ConcurrentHashMap<>(Map.of("c", 3)),
        enumMap,
        EnumSet.of(Planet.MERCURY),
        List.of("immutable", "list"),
        Set.of("immutable-set"),
        Map.of("immutable", "map"),
        Collections.unmodifiableList(new ArrayList<>(List.of("wrapped"))),
        Collections.emptyList(),
        Collections.singletonMap("one", 1),
        Arrays.asList("as", "list"));
  }

  @ParameterizedTest
  @MethodSource("collections")
  void collectionsComeBackAsTheSameKindWithTheSameContent(Object collection) {
    Object copy = sameAsJava(collection);
    if (collection == Collections.emptyList()) {
      assertThat(copy).as("readResolve: the JDK's one empty list").isSameAs(collection);
    } else {
      assertThat(copy).isNotSameAs(collection);
    }
    if (collection instanceof TreeMap) {
      assertThat(((TreeMap<?, ?>) copy).firstKey()).as("the comparator came along").isEqualTo("z");
    }
    if (collection instanceof LinkedHashMap) {
      @SuppressWarnings("unchecked")
      Map<String, Integer> map = (Map<String, Integer>) copy;
      assertThat(new ArrayList<>(map.keySet())).containsExactly("b", "a");
      map.get("b");
      assertThat(new ArrayList<>(map.keySet())).as("still ordered by access").containsExactly("a", "b");
    }
  }

  /** An LRU-style map in a field, and the same map twice. */
  static final class Recent implements Serializable {
    private static final long serialVersionUID = 1L;
    final LinkedHashMap<String, Integer> lru = new LinkedHashMap<>(16, 0.75f, true);
    LinkedHashMap<String, Integer> again;
  }

  @Test
  void anAccessOrderedMapInAFieldKeepsItsOrderAndItsIdentity() {
    Recent recent = new Recent();
    recent.lru.put("a", 1);
    recent.lru.put("b", 2);
    recent.again = recent.lru;
    for (Recent copy : List.of((Recent) viaFory(recent), (Recent) viaJava(recent))) {
      assertThat(copy.again).isSameAs(copy.lru);
      copy.lru.get("a");
      assertThat(new ArrayList<>(copy.lru.keySet())).containsExactly("b", "a");
    }
  }

  @Test
  void sharedReferencesAndCyclesAreKept() {
    List<Object> shared = new ArrayList<>(List.of("s"));
    List<Object> outer = new ArrayList<>();
    outer.add(shared);
    outer.add(shared);
    outer.add(outer);
    @SuppressWarnings("unchecked")
    List<Object> copy = (List<Object>) viaFory(outer);
    assertThat(copy.get(0)).isSameAs(copy.get(1)).isNotSameAs(shared);
    assertThat(copy.get(2)).isSameAs(copy);
  }

  /** Written without reference tracking (nothing in it can be reached twice): read back as Java reads it back. */
  static final class Reading implements Serializable {
    private static final long serialVersionUID = 1L;
    long at = 42;
    String sensor = "s-1";
    Long boxed = null;
    Instant taken = Instant.ofEpochSecond(7);
    Planet planet = Planet.EARTH;
    byte[] samples = {1, 2, 3};
    int[] flags = {};
    transient String label = "transient";

    @Override
    public boolean equals(Object o) {
      return o instanceof Reading r && r.at == at && Objects.equals(r.sensor, sensor) && Objects.equals(r.boxed, boxed)
          && r.taken.equals(taken) && r.planet == planet && Arrays.equals(r.samples, samples)
          && Arrays.equals(r.flags, flags) && Objects.equals(r.label, label);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(at);
    }
  }

  /** Two fields of one array type holding the same array: written with tracking, so they still share it. */
  static final class Twin implements Serializable {
    private static final long serialVersionUID = 1L;
    byte[] left;
    byte[] right;
  }

  @Test
  void valuesWithoutSharedReferencesAreWrittenUntrackedAndReadBackAsJavaReadsThem() {
    Reading reading = new Reading();
    assertThat(fory.serialize(reading)[0]).isEqualTo(ForySerializer.TAG_FORY_UNTRACKED);
    Reading copy = (Reading) sameAsJava(reading);
    assertThat(copy.samples).isNotSameAs(reading.samples).containsExactly(1, 2, 3);
    assertThat(copy.label).as("a transient field comes back as its default").isNull();
    assertThat(copy.planet).isSameAs(Planet.EARTH);

    Twin twin = new Twin();
    twin.left = new byte[] {9};
    twin.right = twin.left;
    assertThat(fory.serialize(twin)[0]).isEqualTo(ForySerializer.TAG_FORY);
    for (Twin back : List.of((Twin) viaFory(twin), (Twin) viaJava(twin))) {
      assertThat(back.right).isSameAs(back.left).containsExactly(9);
    }
  }

  /**
   * Its format byte and a Fory stream with reference tracking and no class hashes: what this serializer wrote for
   * any class before it wrote untracked records, and before class hashes.
   */
  private byte[] trackedRecord(Object value) {
    // The tracking instance's settings that matter for these classes (no LinkedHashMap in them, no Java stream).
    byte[] stream = org.apache.fory.Fory.builder().withLanguage(org.apache.fory.config.Language.JAVA)
        .withRefTracking(true).requireClassRegistration(false).withClassLoader(getClass().getClassLoader()).build()
        .serialize(value);
    byte[] record = new byte[stream.length + 1];
    record[0] = ForySerializer.TAG_FORY_UNHASHED;
    System.arraycopy(stream, 0, record, 1, stream.length);
    return record;
  }

  @Test
  void aValueWrittenWithTrackingBeforeStillReadsBack() {
    assertThat(fory.deserialize(trackedRecord(new Reading()), getClass().getClassLoader()))
        .usingRecursiveComparison().isEqualTo(viaJava(new Reading()));
    // A tracked record with a back-reference (one array in two fields) is read by the tracking instance, so the
    // sharing is kept, by the guarded reader too (bytes from a disk tier or a journal).
    Twin twin = new Twin();
    twin.left = new byte[] {4};
    twin.right = twin.left;
    byte[] record = trackedRecord(twin);
    Serializer guarded = fory.guarded(ClassPolicy.of("twins", List.of(Twin.class), List.of()));
    for (Serializer reader : List.of(fory, guarded)) {
      Twin back = (Twin) reader.deserialize(record, getClass().getClassLoader());
      assertThat(back.right).isSameAs(back.left).containsExactly(4);
    }
  }

  /** Names its serialized fields: Java serialization writes {@code kept} and brings {@code dropped} back as 0. */
  static final class Persistent implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final java.io.ObjectStreamField[] serialPersistentFields = {
        new java.io.ObjectStreamField("kept", int.class)};
    int kept = 1;
    int dropped = 2;
  }

  @Test
  void serialPersistentFieldsIsHonoured() {
    Persistent java = (Persistent) viaJava(new Persistent());
    Persistent byFory = (Persistent) viaFory(new Persistent());
    assertThat(java.dropped).isZero();
    assertThat(byFory.kept).isEqualTo(1);
    assertThat(byFory.dropped).isEqualTo(java.dropped);
  }

  /** A Spring-style DTO with a list of strings and a map of counters. */
  static final class Profile implements Serializable {
    private static final long serialVersionUID = 1L;
    String id = "u-1";
    long visits = 3;
    Instant last = Instant.ofEpochSecond(9);
    List<String> roles = new ArrayList<>(List.of("admin", "user"));
    Map<String, Long> counters = new HashMap<>(Map.of("logins", 2L));
    List<String> tags = List.of("t");

    @Override
    public boolean equals(Object o) {
      return o instanceof Profile p && p.id.equals(id) && p.visits == visits && p.last.equals(last)
          && Objects.equals(p.roles, roles) && Objects.equals(p.counters, counters) && Objects.equals(p.tags, tags);
    }

    @Override
    public int hashCode() {
      return id.hashCode();
    }
  }

  /** Containers whose order, enum constants and nulls must come back as they were. */
  static final class Holder implements Serializable {
    private static final long serialVersionUID = 1L;
    Set<String> ordered = new LinkedHashSet<>(List.of("c", "a", "b"));
    List<Planet> planets = new ArrayList<>(Arrays.asList(Planet.EARTH, null, Planet.MERCURY));
  }

  @Test
  void aDtoWithAListOfStringsIsWrittenUntrackedAndOneWithASharedListTracked() {
    Profile profile = new Profile();
    assertThat(fory.serialize(profile)[0]).isEqualTo(ForySerializer.TAG_FORY_UNTRACKED);
    Profile copy = (Profile) sameAsJava(profile);
    Profile javaCopy = (Profile) viaJava(profile);
    assertThat(copy.roles).isNotSameAs(profile.roles).containsExactly("admin", "user");
    assertThat(copy.roles.getClass()).isEqualTo(javaCopy.roles.getClass()).isEqualTo(ArrayList.class);
    assertThat(copy.counters.getClass()).isEqualTo(javaCopy.counters.getClass()).isEqualTo(HashMap.class);
    assertThat(copy.tags.getClass()).isEqualTo(javaCopy.tags.getClass());

    // Order, enum constants with bodies and nulls, untracked as well.
    Holder holder = new Holder();
    assertThat(fory.serialize(holder)[0]).isEqualTo(ForySerializer.TAG_FORY_UNTRACKED);
    Holder holderBack = (Holder) viaFory(holder);
    assertThat(holderBack.ordered).isInstanceOf(LinkedHashSet.class).containsExactly("c", "a", "b");
    assertThat(holderBack.planets).containsExactly(Planet.EARTH, null, Planet.MERCURY);
    assertThat(holderBack.planets.get(0)).isSameAs(Planet.EARTH);

    Profile shared = new Profile();
    shared.tags = shared.roles;
    assertThat(fory.serialize(shared)[0]).isEqualTo(ForySerializer.TAG_FORY);
    for (Profile back : List.of((Profile) viaFory(shared), (Profile) viaJava(shared))) {
      assertThat(back.tags).isSameAs(back.roles);
    }
  }
}

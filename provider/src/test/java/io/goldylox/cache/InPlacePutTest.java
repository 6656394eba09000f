package io.goldylox.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.serialization.RewritableBytes;
import io.goldylox.testing.Parallel;
import io.goldylox.testing.TestManagers;
import io.goldylox.tier.HeapTier;
import io.goldylox.tier.StoredEntry;
import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.cache.Cache;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Puts into a default (unbounded, eternal, by-value) cache overwrite a present key's small value in place
 * ({@code RewritableBytes}), and by reference the same cache stores the new value into the key's entry
 * ({@code StoredEntry.tryRewrite}). Checked here through the JCache API: the record or entry is rewritten (the same
 * object stays mapped), a value over the in-place limit and an atomic step take the ordinary path; and hammered on
 * real threads, both ways: readers never see a torn value and never go back in time while records are rewritten,
 * grown and replaced (by reference a value is one object, so only the order is at stake), and an atomic step
 * (replace) never decides on a value that a concurrent put has already overwritten. {@code InPlacePutOrderingTest}
 * has the orderings found in review; {@code StoredEntryTest} and {@code RewritableBytesTest} step the protocols.
 */
class InPlacePutTest {

  private static final Duration LIMIT = Duration.ofSeconds(60);

  private final TestManagers managers = new TestManagers();

  @AfterEach
  void closeManagers() {
    managers.close();
  }

  /**
   * A value whose padding is a function of who wrote it and when, so a value assembled from two writes shows.
   * {@code basedOn} is the sequence of the value a replace replaced (-1 for a put).
   */
  static final class Stamp implements Serializable {
    private static final long serialVersionUID = 1L;
    final int writer;
    final long sequence;
    final long basedOn;
    final byte[] padding;

    Stamp(int writer, long sequence, long basedOn, int paddingBytes) {
      this.writer = writer;
      this.sequence = sequence;
      this.basedOn = basedOn;
      this.padding = new byte[paddingBytes];
      Arrays.fill(padding, fill(writer, sequence));
    }

    static byte fill(int writer, long sequence) {
      return (byte) (writer * 31 + sequence * 7);
    }

    boolean intact() {
      for (byte b : padding) {
        if (b != fill(writer, sequence)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Stamp && ((Stamp) o).writer == writer && ((Stamp) o).sequence == sequence
          && ((Stamp) o).basedOn == basedOn && Arrays.equals(((Stamp) o).padding, padding);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(sequence) * 31 + writer;
    }

    @Override
    public String toString() {
      return "Stamp[" + writer + "/" + sequence + (basedOn >= 0 ? " on " + basedOn : "") + ", " + padding.length
          + " bytes]";
    }
  }

  private Cache<String, Stamp> defaultCache() {
    return cache(true);
  }

  private Cache<String, Stamp> cache(boolean byValue) {
    return managers.newManager("in-place").createCache("stamps",
        new MutableConfiguration<String, Stamp>().setStoreByValue(byValue));
  }

  @ParameterizedTest(name = "by value: {0}")
  @ValueSource(booleans = {true, false})
  void readersNeverSeeATornOrOlderValueWhileWritersOverwriteInPlace(boolean byValue) throws Exception {
    Cache<String, Stamp> cache = cache(byValue);
    int writers = 2;
    int readers = 2;
    int puts = 200_000;
    cache.put("hot", new Stamp(0, 0, -1, 100));
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong reads = new AtomicLong();
    AtomicLong resized = new AtomicLong();
    Parallel.run(writers + readers, LIMIT, thread -> {
      if (thread < writers) {
        int writer = thread + 1;
        for (long sequence = 1; sequence <= puts; sequence++) {
          // Every 64th value is over the in-place limit: a new entry is mapped (bytes, not a record) under the
          // in-place writes, and the next put maps a new record. Every 16th has a size of its own, so a record's
          // buffers grow while readers copy them.
          boolean large = sequence % 64 == 0;
          int padding = large ? 400 : sequence % 16 == 0 ? 120 + (int) (sequence % 100) : 100;
          cache.put("hot", new Stamp(writer, sequence, -1, padding));
          if (large) {
            resized.incrementAndGet();
          }
        }
        writing.set(false);
        return;
      }
      long[] lastSeen = new long[writers + 1];
      do { // at least one read, however late this thread is scheduled
        Stamp stamp = cache.get("hot");
        assertThat(stamp.intact()).as("value read whole: %s", stamp).isTrue();
        assertThat(stamp.sequence).as("writer %s went back in time", stamp.writer)
            .isGreaterThanOrEqualTo(lastSeen[stamp.writer]);
        lastSeen[stamp.writer] = stamp.sequence;
        reads.incrementAndGet();
      } while (writing.get());
    });
    Stamp last = cache.get("hot");
    assertThat(last.sequence).isEqualTo(puts);
    assertThat(last.intact()).isTrue();
    assertThat(reads.get()).isPositive();
    assertThat(resized.get()).isEqualTo(writers * (puts / 64));
  }

  @Test
  void aPutOfAPresentKeyRewritesItsRecordAndALargeValueTakesTheOrdinaryPath() {
    Cache<String, Stamp> cache = defaultCache();
    HeapTier<String> heap = (HeapTier<String>) cache.unwrap(GoldyloxCache.class).tier();
    cache.put("k", new Stamp(1, 1, -1, 100));
    RewritableBytes record = heap.rewritable("k");
    assertThat(record).as("a small value's first put maps a record").isNotNull();
    cache.put("k", new Stamp(1, 2, -1, 100));
    cache.put("k", new Stamp(1, 3, -1, 180)); // another size, still within the limit
    assertThat(heap.rewritable("k")).as("rewritten in place").isSameAs(record);
    assertThat(cache.get("k")).isEqualTo(new Stamp(1, 3, -1, 180));
    cache.put("k", new Stamp(1, 4, -1, 400)); // over the limit
    assertThat(heap.rewritable("k")).as("a large value is kept as bytes of its own").isNull();
    assertThat(cache.get("k")).isEqualTo(new Stamp(1, 4, -1, 400));
    cache.put("k", new Stamp(1, 5, -1, 100));
    assertThat(heap.rewritable("k")).isNotNull().isNotSameAs(record);
    assertThat(cache.replace("k", new Stamp(1, 5, -1, 100), new Stamp(2, 6, 5, 100))).isTrue();
    assertThat(heap.rewritable("k")).as("an atomic step maps bytes of its own").isNull();
    assertThat(cache.get("k")).isEqualTo(new Stamp(2, 6, 5, 100));
  }

  @Test
  void byReferenceAPutOfAPresentKeyStoresIntoItsEntryAndAnAtomicStepMapsANewOne() {
    Cache<String, Stamp> cache = cache(false);
    HeapTier<String> heap = (HeapTier<String>) cache.unwrap(GoldyloxCache.class).tier();
    Stamp first = new Stamp(1, 1, -1, 10);
    cache.put("k", first);
    StoredEntry entry = heap.get("k");
    Stamp second = new Stamp(1, 2, -1, 10);
    cache.put("k", second);
    assertThat(heap.get("k")).as("the entry is rewritten in place").isSameAs(entry);
    assertThat(cache.get("k")).isSameAs(second);
    assertThat(cache.getAndPut("k", first)).isSameAs(second);
    StoredEntry stepped = heap.get("k");
    assertThat(stepped).as("an atomic step maps an entry of its own").isNotSameAs(entry);
    assertThat(entry.value()).as("the replaced entry keeps its value").isSameAs(second);
    cache.put("k", second);
    assertThat(heap.get("k")).as("the next put rewrites the step's entry").isSameAs(stepped);
    assertThat(cache.get("k")).isSameAs(second);
    cache.remove("k");
    cache.put("k", first);
    assertThat(cache.get("k")).isSameAs(first);
  }

  /**
   * By value, the two in-place forms and atomic steps at once: writer 1 puts small values (written into the key's
   * record), writer 2 small values of other sizes and every third one over the record's limit (stored into the
   * entry, swapping the record out), and a replacer replaces whatever a writer's stamp it reads with one naming it.
   * Each writer reads the key back after every put: its own stamp must be the one it just put, and a replacement
   * of its stamps must be based on that one (else a put was lost, or a replace decided on an overwritten value).
   * Fails without the freeze of the entry, and without the freeze of its record.
   */
  @Test
  void recordWritesEntrySwapsAndReplacesAtOnceLoseNothing() throws Exception {
    Cache<String, Stamp> cache = defaultCache();
    int puts = 200_000;
    cache.put("hot", new Stamp(1, 0, -1, 100));
    AtomicBoolean putting = new AtomicBoolean(true);
    AtomicLong replaced = new AtomicLong();
    Parallel.run(3, LIMIT, thread -> {
      if (thread < 2) {
        int writer = thread + 1;
        for (long sequence = 1; sequence <= puts; sequence++) {
          int padding = writer == 1 ? 100 : sequence % 3 == 0 ? 400 : 60 + (int) (sequence % 50);
          cache.put("hot", new Stamp(writer, sequence, -1, padding));
          Stamp read = cache.get("hot");
          if (read.writer == writer) {
            assertThat(read.sequence).as("writer %s read back after put %s", writer, sequence).isEqualTo(sequence);
          } else if (read.writer == 3 && read.basedOn / 1_000_000_000L == writer) {
            assertThat(read.basedOn % 1_000_000_000L).as("a replacement read back by writer %s after put %s: %s",
                writer, sequence, read).isGreaterThanOrEqualTo(sequence);
          }
        }
        if (writer == 1) {
          putting.set(false);
        }
        return;
      }
      long replacements = 0;
      while (putting.get()) {
        Stamp current = cache.get("hot");
        if (current.writer != 3 && cache.replace("hot", current,
            new Stamp(3, ++replacements, current.writer * 1_000_000_000L + current.sequence, 100))) {
          replaced.incrementAndGet();
        }
      }
    });
    assertThat(replaced.get()).as("replaces that won").isPositive();
  }

  @Test
  void byValueAnImmutableOrLargeValueIsStoredIntoTheEntry() {
    Cache<String, Object> cache = managers.newManager("in-place").createCache("mixed",
        new MutableConfiguration<String, Object>());
    HeapTier<String> heap = (HeapTier<String>) cache.unwrap(GoldyloxCache.class).tier();
    cache.put("k", "first");
    StoredEntry entry = heap.get("k");
    cache.put("k", "second");
    assertThat(heap.get("k")).as("an immutable value goes into the entry").isSameAs(entry);
    assertThat(cache.get("k")).isEqualTo("second");
    Stamp large = new Stamp(1, 1, -1, 400);
    cache.put("k", large);
    assertThat(heap.get("k")).as("so do a large value's bytes").isSameAs(entry);
    assertThat(cache.get("k")).isEqualTo(large).isNotSameAs(large);
    Stamp small = new Stamp(1, 2, -1, 10);
    cache.put("k", small);
    RewritableBytes record = heap.rewritable("k");
    assertThat(heap.get("k")).as("and a new record").isSameAs(entry);
    cache.put("k", new Stamp(1, 3, -1, 10));
    assertThat(heap.rewritable("k")).as("which the next put rewrites").isSameAs(record);
    assertThat(cache.get("k")).isEqualTo(new Stamp(1, 3, -1, 10));
    assertThat(cache.replace("k", new Stamp(1, 3, -1, 10), 42L)).isTrue();
    StoredEntry replaced = heap.get("k");
    assertThat(replaced).as("an atomic step maps an entry of its own").isNotSameAs(entry);
    cache.put("k", 43L);
    assertThat(heap.get("k")).isSameAs(replaced);
    assertThat(cache.get("k")).isEqualTo(43L);
  }

  @Test
  void withJavaSerializationTooAPutRewritesTheRecordAndReadsBackWhole() {
    java.util.Properties properties = new java.util.Properties();
    properties.setProperty("goldylox.serializer", "java");
    Cache<String, Stamp> cache = managers.newManager("in-place-java", properties)
        .createCache("stamps", new MutableConfiguration<String, Stamp>());
    HeapTier<String> heap = (HeapTier<String>) cache.unwrap(GoldyloxCache.class).tier();
    cache.put("k", new Stamp(1, 1, -1, 20));
    RewritableBytes record = heap.rewritable("k");
    assertThat(record).as("a Java serialization record of a small value").isNotNull();
    cache.put("k", new Stamp(1, 2, -1, 20));
    assertThat(heap.rewritable("k")).isSameAs(record);
    assertThat(cache.get("k")).isEqualTo(new Stamp(1, 2, -1, 20));
  }

  @Test
  void aValueOverTheInPlaceLimitIsStoredAndReadBackWhole() {
    Cache<String, Stamp> cache = defaultCache();
    for (int size : new int[] {100, 1_000, 100, 10_000, 200, 200}) {
      Stamp stamp = new Stamp(1, size, -1, size);
      cache.put("k", stamp);
      assertThat(cache.get("k")).isEqualTo(stamp).isNotSameAs(stamp);
    }
  }

  /**
   * A putter writes stamps 1, 2, 3, ... and after each put reads the key back; a replacer replaces whatever stamp of
   * the putter it reads with one of its own that names it ({@code basedOn}). Read right after a put, the key holds
   * that put's stamp or a replacement based on it. A replacement based on an older stamp would mean the replace
   * decided on a value that the put had already overwritten in place: an atomic step that was not atomic.
   */
  @ParameterizedTest(name = "by value: {0}")
  @ValueSource(booleans = {true, false})
  void aReplaceNeverDecidesOnAValueAPutHasOverwritten(boolean byValue) throws Exception {
    Cache<String, Stamp> cache = cache(byValue);
    int puts = 200_000;
    cache.put("hot", new Stamp(1, 0, -1, 100));
    AtomicBoolean putting = new AtomicBoolean(true);
    AtomicLong replaced = new AtomicLong();
    AtomicLong afterReplace = new AtomicLong();
    Parallel.run(2, LIMIT, thread -> {
      if (thread == 0) {
        // At least `puts` puts, and on until a replacement was read back (the interleaving this test is about),
        // for at most 20 s: how often the replacer wins depends on the scheduler.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (long sequence = 1; sequence <= puts || afterReplace.get() == 0 && System.nanoTime() < deadline;
            sequence++) {
          cache.put("hot", new Stamp(1, sequence, -1, 100));
          Stamp read = cache.get("hot");
          if (read.writer == 1) {
            assertThat(read.sequence).as("read back after put %s", sequence).isEqualTo(sequence);
          } else {
            assertThat(read.basedOn).as("a replacement read back after put %s: %s", sequence, read)
                .isEqualTo(sequence);
            afterReplace.incrementAndGet();
          }
        }
        putting.set(false);
        return;
      }
      long replacements = 0;
      while (putting.get()) {
        Stamp current = cache.get("hot");
        if (current.writer == 1
            && cache.replace("hot", current, new Stamp(2, ++replacements, current.sequence, 100))) {
          replaced.incrementAndGet();
        }
      }
    });
    assertThat(replaced.get()).as("replaces that won").isPositive();
    assertThat(afterReplace.get()).as("puts read back as a replacement").isPositive();
  }
}

package io.goldylox.tier;

/**
 * What the heap tier knows about how its keys are used: a recent-use (CLOCK reference) bit and a popularity
 * estimate per key, for choosing which entry leaves the heap.
 *
 * <p>One byte per counter: bits 0–3 are a saturating count (0–15), bit 4 is a reference bit. A key maps to four
 * counters inside one 64-byte block (one cache line, chosen by one hash; the four places in it by another); its
 * frequency is the smallest of the four (a count-min sketch of depth 4, as in TinyLFU, laid out like Caffeine's
 * so that a use touches one cache line). The reference bit lives in the key's first counter only. Counters are
 * not cleared when a key leaves the heap, so a key that keeps coming back is recognised as popular: that history
 * is what lets a popular newcomer in and keeps a scan of one-time keys out. Counters age: once
 * {@link #agingDue()} (ten uses per heap entry that raised a count since the last aging), {@link #age()} halves
 * every count.
 *
 * <h2>Threads</h2>
 * Any caller thread {@link #record}s, with plain (racy) reads and writes of the table: a lost increment or a lost
 * reference bit only makes the estimate less precise, never wrong in a way that matters for correctness, and
 * costs a reader no atomic instruction. The victim chooser (the tier's mover, or a caller helping it, under the
 * tier's hand lock) reads and clears reference bits; the mover ages.
 */
final class AccessSketch {

  private static final int COUNT = 0x0F;
  private static final int REFERENCED = 0x10;
  private static final int BLOCK = 64;

  private final byte[] table;
  private final int blockMask;
  private final int agingThreshold;
  private int additions; // racy on purpose: only decides when to age

  /**
   * @param maxEntries the heap's bound, which sizes the table (sixteen counters per entry, at most 8 MiB)
   */
  AccessSketch(long maxEntries) {
    int slots = (int) Math.min(1 << 23, Math.max(BLOCK, maxEntries * 16));
    slots = Integer.highestOneBit(slots - 1) << 1;
    this.table = new byte[slots];
    this.blockMask = (slots - 1) & ~(BLOCK - 1);
    this.agingThreshold = (int) Math.min(Integer.MAX_VALUE / 2, Math.max(BLOCK, 10 * maxEntries));
  }

  /** Counts one use of {@code key}; with {@code reference}, also sets its reference bit. */
  void record(Object key, boolean reference) {
    int h = spread(key.hashCode());
    int block = h & blockMask;
    int places = rehash(h);
    boolean added = false;
    int first = block + (places & (BLOCK - 1));
    int b = table[first];
    int next = ((b & COUNT) < COUNT ? b + 1 : b) | (reference ? REFERENCED : 0);
    if (next != b) {
      table[first] = (byte) next;
      added = (b & COUNT) < COUNT;
    }
    for (int i = 1; i < 4; i++) {
      int slot = block + ((places >>> (6 * i)) & (BLOCK - 1));
      b = table[slot];
      if ((b & COUNT) < COUNT) {
        table[slot] = (byte) (b + 1);
        added = true;
      }
    }
    if (added) {
      additions++;
    }
  }

  /** The estimated recent popularity of {@code key}, 0–15. */
  int frequency(Object key) {
    int h = spread(key.hashCode());
    int block = h & blockMask;
    int places = rehash(h);
    int min = COUNT;
    for (int i = 0; i < 4; i++) {
      min = Math.min(min, table[block + ((places >>> (6 * i)) & (BLOCK - 1))] & COUNT);
    }
    return min;
  }

  /** Whether {@code key} was used since the last call for it; clears its reference bit (a second chance). */
  boolean testAndClearReference(Object key) {
    int slot = referenceSlot(key);
    int b = table[slot];
    if ((b & REFERENCED) == 0) {
      return false;
    }
    table[slot] = (byte) (b & ~REFERENCED);
    return true;
  }

  /** Sets the reference bit of {@code key} without counting a use. */
  void reference(Object key) {
    int slot = referenceSlot(key);
    int b = table[slot];
    if ((b & REFERENCED) == 0) {
      table[slot] = (byte) (b | REFERENCED);
    }
  }

  /** Whether enough uses were counted since the last aging that counters should be halved. */
  boolean agingDue() {
    return additions >= agingThreshold;
  }

  /** Halves every counter, keeping reference bits: old popularity fades so that new popularity can show. */
  void age() {
    for (int i = 0; i < table.length; i++) {
      int b = table[i];
      if (b != 0) {
        table[i] = (byte) ((b & REFERENCED) | ((b & COUNT) >>> 1));
      }
    }
    additions = 0;
  }

  private int referenceSlot(Object key) {
    int h = spread(key.hashCode());
    return (h & blockMask) + (rehash(h) & (BLOCK - 1));
  }

  static int spread(int h) {
    return (h ^ (h >>> 16)) * 0x9E3779B1;
  }

  /**
   * The four places of a key in its block, 6 bits each. Offset before the multiply: a key whose hash code is 0
   * ({@code 0}, {@code 0L}, {@code ""}) spreads to 0, which a bare multiply maps to four times the same place, so
   * that each use counted four and the key always looked popular.
   */
  private static int rehash(int h) {
    int x = (h + 0x7F4A7C15) * 0x31848BAB;
    return x ^ (x >>> 14);
  }
}

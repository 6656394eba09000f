package io.goldylox.writebehind;

import io.goldylox.serialization.Serializer;
import java.util.ArrayList;
import java.util.List;

/**
 * Forms the flusher's batches: takes up to {@code batch-size} ready slots of one writer lane from the
 * {@link Backlog}, oldest first, claims each key's newest pending operation (with coalescing), decodes the values
 * the writer will get, setting aside those that cannot be decoded (the flusher dead-letters them when it settles
 * the batch), and builds the writer calls ({@link BatchWriter.Calls}), so that the writer lane's thread spends its
 * time between two writer calls on nothing it could do earlier.
 *
 * <p>Threads: the flusher thread only. What it writes into the slots reaches the writer lane with the batch (see
 * {@link WriterLane}).
 */
final class BatchAssembler<K, V> {

  private final Backlog<K, V> backlog;
  /** With coalescing: a slot takes its key's newest pending operation when its batch is formed. */
  private final boolean claims;
  private final int batchSize;
  /** Decodes the operations of this run, which callers handed over (their own bytes). */
  private final Serializer serializer;
  /** Decodes what is read back from the journal files: bytes from outside the process. */
  private final Serializer journalReader;
  private final ClassLoader loader;
  /** The journal's operation count, read before the claims (see {@link WriterLane.Batch#sequenceAtClaim}). */
  private final java.util.concurrent.atomic.AtomicLong sequence;

  BatchAssembler(Backlog<K, V> backlog, boolean claims, int batchSize, Serializer serializer,
      Serializer journalReader, ClassLoader loader, java.util.concurrent.atomic.AtomicLong sequence) {
    this.backlog = backlog;
    this.claims = claims;
    this.batchSize = batchSize;
    this.serializer = serializer;
    this.journalReader = journalReader;
    this.loader = loader;
    this.sequence = sequence;
  }

  /** The next batch for writer lane {@code lane}, from its ready slots. */
  WriterLane.Batch<K, V> prepare(int lane) {
    List<Backlog.Slot<K, V>> taken = backlog.takeReady(lane, batchSize);
    WriterLane.Batch<K, V> batch = new WriterLane.Batch<>(lane, new ArrayList<>(taken.size()));
    batch.sequenceAtClaim = sequence.get();
    for (Backlog.Slot<K, V> slot : taken) {
      if (claims && !backlog.claim(slot)) {
        continue; // nothing pending any more (cannot happen while the invariants hold; see Backlog.claim)
      }
      decodeInto(batch, slot);
    }
    if (!batch.slots.isEmpty()) {
      batch.calls = new BatchWriter.Calls<>(batch.slots); // the writer lane then only makes the calls
    }
    return batch;
  }

  /** Decodes the slot's value if needed and adds it to the batch, or to its undecodable slots. */
  private void decodeInto(WriterLane.Batch<K, V> batch, Backlog.Slot<K, V> slot) {
    if (!slot.decoded && !slot.isDelete()) {
      try {
        @SuppressWarnings("unchecked")
        V value = (V) (slot.handedOver ? serializer : journalReader).deserialize(slot.record.value, loader);
        slot.value = value;
      } catch (RuntimeException e) {
        batch.undecodable(slot, e);
        return;
      }
    }
    slot.decoded = true;
    batch.slots.add(slot);
  }
}

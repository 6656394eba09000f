package io.goldylox.benchmarks;

import io.goldylox.serialization.ForySerializer;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.atomic.LongAdder;

/**
 * The floor under a by-value put: what "serialize the value with Fory, then store the bytes" costs with none of
 * the JCache work around it, on 1 and 2 threads, Zipf keys, the benchmarks' 100,000 keys and {@link Payload}.
 * Two ways to store:
 * <ul>
 *   <li>{@code put}: {@code ConcurrentHashMap.put(key, new Holder(bytes))}, which takes the key's bin lock (as
 *   Goldylox's put does);</li>
 *   <li>{@code cas}: look the holder up and compare-and-set its bytes in place, no lock, retrying on a lost race
 *   (what a correct in-place update needs: a concurrent locked step must be able to fence the entry off);</li>
 *   <li>{@code set}: look the holder up and store its bytes with a plain volatile write (not a correct cache
 *   update, since nothing could fence it off: the bound on what an in-place update could gain).</li>
 * </ul>
 * Not JMH: a plain loop, each thread counting its own operations over the same wall-clock window, 4 warmup and 4
 * measured rounds of 2 million operations per thread. It answers whether the bin lock is what keeps 2-thread
 * by-value puts below 10× the peers (see README, Performance): compare the three in one run. (The branch
 * {@code experiment/in-place-put} built the {@code cas} way into the cache; measured against the locked put in
 * one session it gained nothing this machine could show, so it was not merged.)
 * Uses the provider's own {@link ForySerializer} with the benchmarks' allow-list.
 */
public final class ByValueFloor {

  private static final int ROUNDS = 8;
  private static final int WARMUP_ROUNDS = 4;
  private static final int OPS_PER_THREAD = 2_000_000;

  /** A map value that can be updated in place. */
  static final class Holder {
    volatile byte[] bytes;

    Holder(byte[] bytes) {
      this.bytes = bytes;
    }
  }

  private static final AtomicReferenceFieldUpdater<Holder, byte[]> BYTES =
      AtomicReferenceFieldUpdater.newUpdater(Holder.class, byte[].class, "bytes");

  public static void main(String[] args) throws InterruptedException {
    StringBuilder md = new StringBuilder();
    md.append("## By-value put floor (Fory serialize + store, no JCache), M ops/s, zipf keys\n\n");
    md.append("| store | 1 thread | 2 threads |\n|---|---|---|\n");
    for (String mode : List.of("put", "cas", "set")) {
      md.append("| ").append(mode).append(" |");
      for (int threads : new int[] {1, 2}) {
        md.append(String.format(Locale.ROOT, " %.2f |", run(mode, threads) / 1e6));
      }
      md.append('\n');
    }
    System.out.println(md);
  }

  /** Mean operations per second over the measured rounds. */
  static double run(String mode, int threads) throws InterruptedException {
    ForySerializer fory = new ForySerializer(ByValueFloor.class.getClassLoader(), List.of(Providers.FORY_ALLOW));
    ConcurrentHashMap<Long, Holder> map = new ConcurrentHashMap<>();
    Long[] keys = new Long[KeyStream.KEYS];
    Payload[] values = new Payload[KeyStream.KEYS];
    for (int i = 0; i < KeyStream.KEYS; i++) {
      keys[i] = (long) i;
      values[i] = new Payload(i);
      map.put(keys[i], new Holder(fory.serialize(values[i])));
    }
    int[] stream = KeyStream.indices("zipf");
    double measured = 0;
    for (int round = 0; round < ROUNDS; round++) {
      LongAdder ops = new LongAdder();
      Thread[] workers = new Thread[threads];
      long start = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        int offset = t * (KeyStream.LENGTH / threads);
        workers[t] = new Thread(() -> {
          int position = offset;
          for (int i = 0; i < OPS_PER_THREAD; i++) {
            int index = stream[position++ & KeyStream.MASK];
            byte[] bytes = fory.serialize(values[index].next());
            if (mode.equals("put")) {
              map.put(keys[index], new Holder(bytes));
            } else if (mode.equals("cas")) {
              Holder holder = map.get(keys[index]);
              byte[] current;
              do {
                current = holder.bytes;
              } while (!BYTES.compareAndSet(holder, current, bytes));
            } else {
              map.get(keys[index]).bytes = bytes;
            }
          }
          ops.add(OPS_PER_THREAD);
        });
        workers[t].start();
      }
      for (Thread worker : workers) {
        worker.join();
      }
      double perSecond = ops.sum() * 1e9 / (System.nanoTime() - start);
      if (round >= WARMUP_ROUNDS) {
        measured += perSecond / (ROUNDS - WARMUP_ROUNDS);
      }
    }
    return measured;
  }
}

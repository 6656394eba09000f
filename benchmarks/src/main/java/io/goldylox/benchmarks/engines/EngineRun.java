package io.goldylox.benchmarks.engines;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Runs the workload on one engine: {@code warmups + passes} passes, each on a freshly created, empty engine
 * (insert needs an empty one): insert every key, get every key, update every key, each phase timed on its own
 * after a full GC, each followed by a check that the engine holds exactly N entries and evicted none. The warm-up
 * passes are not recorded. An engine that cannot be created on the first pass is reported SKIPPED; anything that
 * goes wrong later (a wrong value, a missing entry, an eviction) is FAILED. Runs on the harness thread.
 */
final class EngineRun {

  private static final int INSERT = 0;
  private static final int GET = 1;
  private static final int UPDATE = 2;
  private static final int VERIFY_SAMPLE = 10_000;

  private final EngineKind kind;
  private final Workload workload;
  private final int warmups;
  private final int passes;
  private final Path scratch;

  EngineRun(EngineKind kind, Workload workload, int warmups, int passes, Path scratch) {
    this.kind = kind;
    this.workload = workload;
    this.warmups = warmups;
    this.passes = passes;
    this.scratch = scratch;
  }

  EngineResult run() {
    EngineResult result = new EngineResult(kind);
    result.loadAtStart = Machine.loadAverage();
    for (int pass = 0; pass < warmups + passes; pass++) {
      boolean measured = pass >= warmups;
      String passName = measured ? "pass " + (pass - warmups + 1) + "/" + passes : "warm-up " + (pass + 1);
      long heapBefore = usedHeapAfterGc();
      Engine engine;
      try {
        engine = kind.create(workload.n, workload.valueBytes, scratch);
      } catch (Throwable e) {
        result.status = pass == 0 ? EngineResult.Status.SKIPPED : EngineResult.Status.FAILED;
        result.message = (pass == 0 ? "could not start: " : "could not start on " + passName + ": ") + describe(e)
            + (kind.needsChronicleFlags ? " (Chronicle needs the JVM flags of ${chronicle.jvm.flags} in the parent"
            + " pom)" : "");
        System.err.println(kind.label + ": " + result.message);
        if (pass > 0) {
          e.printStackTrace();
        }
        return result;
      }
      try {
        double[] ops = new double[3];
        ops[INSERT] = rate(insert(engine));
        checkHolds(engine, "insert", passName);
        if (measured) {
          result.bytesAfterInsert = engine.bytesUsed();
          result.heapDeltaAfterInsert = usedHeapAfterGc() - heapBefore;
        }
        System.gc();
        ops[GET] = rate(get(engine));
        checkHolds(engine, "get", passName);
        System.gc();
        ops[UPDATE] = rate(update(engine));
        checkHolds(engine, "update", passName);
        verifyUpdated(engine, passName);
        if (measured) {
          result.bytesAfterUpdate = engine.bytesUsed();
          for (int phase = 0; phase < ops.length; phase++) {
            result.add(phase, ops[phase]);
          }
        }
        System.err.printf("%s, %s: insert %s/s, get %s/s, update %s/s (load %s)%n", kind.label, passName,
            Report.ops(ops[INSERT]), Report.ops(ops[GET]), Report.ops(ops[UPDATE]), Machine.loadAverage());
      } catch (Throwable e) {
        result.status = EngineResult.Status.FAILED;
        result.message = passName + ": " + describe(e);
        System.err.println(kind.label + " FAILED: " + result.message);
        e.printStackTrace();
        return result;
      } finally {
        engine.close();
      }
    }
    return result;
  }

  private double rate(long nanos) {
    return workload.n * 1e9 / nanos;
  }

  private long insert(Engine engine) {
    Long[] keys = workload.keys;
    int[] order = workload.insertOrder;
    long start = System.nanoTime();
    for (int i = 0; i < order.length; i++) {
      int key = order[i];
      engine.put(keys[key], workload.insertValue(key));
    }
    return System.nanoTime() - start;
  }

  /** Every get must hit; its length and first and last byte are checked inside the timed loop (cheap). */
  private long get(Engine engine) {
    Long[] keys = workload.keys;
    int[] order = workload.getOrder;
    int wrong = 0;
    int firstWrong = -1;
    long start = System.nanoTime();
    for (int i = 0; i < order.length; i++) {
      int key = order[i];
      byte[] value = engine.get(keys[key]);
      byte[] expected = workload.insertValue(key);
      if (value == null || value.length != expected.length || value[0] != expected[0]
          || value[value.length - 1] != expected[expected.length - 1]) {
        if (wrong++ == 0) {
          firstWrong = key;
        }
      }
    }
    long nanos = System.nanoTime() - start;
    if (wrong > 0) {
      throw new IllegalStateException(kind.label + " returned a missing or wrong value for " + wrong + " of "
          + workload.n + " gets (first: key " + firstWrong + ")");
    }
    return nanos;
  }

  private long update(Engine engine) {
    Long[] keys = workload.keys;
    int[] order = workload.updateOrder;
    long start = System.nanoTime();
    for (int i = 0; i < order.length; i++) {
      int key = order[i];
      engine.put(keys[key], workload.updateValue(key));
    }
    return System.nanoTime() - start;
  }

  /** Untimed: a sample of keys must hold exactly their updated value. */
  private void verifyUpdated(Engine engine, String passName) {
    int step = Math.max(1, workload.n / VERIFY_SAMPLE);
    for (int key = 0; key < workload.n; key += step) {
      byte[] value = engine.get(workload.keys[key]);
      if (!Arrays.equals(value, workload.updateValue(key))) {
        throw new IllegalStateException(kind.label + ", " + passName + ": key " + key
            + " does not hold its updated value after the update phase");
      }
    }
  }

  private void checkHolds(Engine engine, String phase, String passName) {
    long size = engine.size();
    long evicted = engine.evictions();
    if (size != workload.n || evicted != 0) {
      throw new IllegalStateException(kind.label + ", " + passName + ": after the " + phase + " phase the engine"
          + " holds " + size + " entries, not " + workload.n + " (evicted: " + evicted + "); the measurement is"
          + " void");
    }
  }

  private static long usedHeapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static String describe(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      text.append(text.length() == 0 ? "" : " <- caused by ").append(t.getClass().getName());
      if (t.getMessage() != null) {
        text.append(": ").append(t.getMessage());
      }
      if (t.getCause() == t) {
        break;
      }
    }
    String all = text.toString();
    return all.length() > 600 ? all.substring(0, 600) + "..." : all;
  }
}

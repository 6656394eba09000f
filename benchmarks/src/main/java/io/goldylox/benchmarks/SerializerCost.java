package io.goldylox.benchmarks;

import io.goldylox.serialization.ForySerializer;
import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.Serializer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one store-by-value copy of the benchmarks' {@link Payload} costs in the serializer alone, with no cache
 * around it: {@code serialize} is a by-value put's copy, {@code deserialize} a by-value get's. Run with
 * {@code -prof gc} to see the allocation of each: the deserialized value itself is 144 bytes (a 24-byte
 * {@code Payload} and its 120-byte array), the serialized record what {@code recordBytes} reports.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class SerializerCost {

  @Param({"fory", "java"})
  public String serializer;

  private Serializer format;
  private Payload value;
  private byte[] record;
  private ClassLoader loader;

  @Setup
  public void setUp() {
    loader = getClass().getClassLoader();
    format = serializer.equals("java") ? new JavaSerializer() : new ForySerializer(loader);
    value = new Payload(7).next();
    record = format.serialize(value);
  }

  @Benchmark
  public byte[] serialize() {
    return format.serialize(value);
  }

  /**
   * A new value per call, as a put gets it (the benchmark's {@code values[i].next()}: a new {@code Payload} sharing
   * its array with the one before): what tracking a fresh object costs (Fory's reference tracking asks each
   * object's identity hash, which a new object must first be given).
   */
  @Benchmark
  public byte[] serializeFresh() {
    return format.serialize(value.next());
  }

  /** A new value per call, not serialized: what {@link #serializeFresh} spends making it. */
  @Benchmark
  public Payload freshOnly() {
    return value.next();
  }

  @Benchmark
  public Object deserialize() {
    return format.deserialize(record, loader);
  }

  /** The record's size, printed once per trial (not a measurement). */
  public int recordBytes() {
    return record.length;
  }
}

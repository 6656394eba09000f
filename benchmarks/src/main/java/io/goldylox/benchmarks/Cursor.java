package io.goldylox.benchmarks;

import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One benchmark thread's position in the shared key stream (each thread starts at a random offset), its
 * operation counter for the mixed workload, and its count of gets that missed (which must stay zero: the cache
 * holds every key). Touched only by its own thread.
 */
@State(Scope.Thread)
public class Cursor {

  int position;
  int operation;
  long misses;

  @Setup(Level.Iteration)
  public void setUp() {
    position = ThreadLocalRandom.current().nextInt();
  }

  /** The next index into the key stream. */
  int next() {
    return position++ & KeyStream.MASK;
  }

  /** Whether this operation of the mixed workload is a put: one in five, the other four are gets. */
  boolean putTurn() {
    if (++operation == 5) {
      operation = 0;
      return true;
    }
    return false;
  }

  @TearDown(Level.Iteration)
  public void requireNoMiss() {
    if (misses != 0) {
      throw new IllegalStateException(misses + " gets missed although every key was put: the cache lost entries");
    }
  }
}

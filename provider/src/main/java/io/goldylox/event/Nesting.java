package io.goldylox.event;

import java.util.ArrayList;
import java.util.List;

/**
 * What the current thread is inside of: atomic steps (of any cache; a loader, writer or entry processor runs in
 * one) and synchronous deliveries, and the synchronous events that changes made during a delivery left for after
 * it ({@link EventDispatcher.SyncEvents#deliver}).
 *
 * <ul>
 *   <li>A delivery made inside a step never waits for the key's earlier events: the step holds a key that the
 *   thread it would wait for may need.</li>
 *   <li>A delivery asked for inside another delivery (a listener changed the cache) is deferred to the end of the
 *   outer one, so that the outer change reaches every listener before the inner one: otherwise a listener that
 *   changes the key it is told about would let its change overtake the outer one at the listeners after it.</li>
 * </ul>
 * Touched only by its own thread.
 */
public final class Nesting {

  private static final ThreadLocal<Nesting> CURRENT = ThreadLocal.withInitial(Nesting::new);

  int steps;
  int deliveries;
  /** Batches whose delivery was asked for during a delivery, in order; delivered at the end of the outer one. */
  final List<EventDispatcher.SyncEvents<?, ?>> deferred = new ArrayList<>();

  private Nesting() {}

  /** The current thread's. */
  public static Nesting current() {
    return CURRENT.get();
  }

  /** Enters an atomic step (or work done on behalf of one, {@link #isNested}). */
  public void enterStep() {
    steps++;
  }

  /** Leaves what {@link #enterStep} entered. */
  public void exitStep() {
    steps--;
  }

  /**
   * Whether this thread is inside a step or a delivery: work it hands to another thread and waits for (a
   * {@code loadAll}) must not wait for the order of synchronous events either.
   */
  public boolean isNested() {
    return steps > 0 || deliveries > 0;
  }
}

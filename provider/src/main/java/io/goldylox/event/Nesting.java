package io.goldylox.event;

/**
 * How deep the current thread is inside atomic steps (of any cache: a loader, writer or entry processor runs in
 * one) and synchronous deliveries. A synchronous delivery made at depth zero waits for the key's earlier
 * synchronous events (their order, {@link EventDispatcher}); one made deeper never waits, so that a listener, entry
 * processor, loader or writer that changes other keys cannot close a cycle of waits with another thread that is
 * delivering (it would wait for events this thread has not delivered yet, while holding a key this thread needs).
 * Nested deliveries of one key may therefore be seen out of order. Touched only by its own thread.
 */
public final class Nesting {

  private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private Nesting() {}

  /** Enters a step or delivery: the counter to pass to {@link #exit} (one lookup for both). */
  public static int[] enter() {
    int[] depth = DEPTH.get();
    depth[0]++;
    return depth;
  }

  /** Leaves what {@link #enter} entered. */
  public static void exit(int[] depth) {
    depth[0]--;
  }
}

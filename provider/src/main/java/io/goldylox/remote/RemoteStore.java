package io.goldylox.remote;

import java.util.Iterator;
import java.util.List;

/**
 * The shared copy of one cache's mappings, held outside this JVM (the {@code goldylox-redis} module implements it
 * on Redis), under the cache's local tiers, which then act as a near cache ({@link NearCacheTier}). Keys and values
 * are opaque bytes here: the provider encodes them ({@link RemoteCodec}); the store adds its own key prefix.
 *
 * <p>Contract, for any implementation:
 * <ul>
 *   <li>Thread-safe. Every call is one or a few round trips, each bounded by the store's timeout; a failure or a
 *       timeout throws {@link RemoteStoreException} naming the store (passwords masked) and never leaves a call
 *       hanging.</li>
 *   <li>{@link #lock} and {@link #writeAndUnlock} make a read-modify-write atomic across every node sharing the
 *       store: while one node holds a key's lock, no other node's {@link #lock} of that key returns, and every
 *       change made through {@link #writeAndUnlock} or {@link #clear} is announced to the other nodes'
 *       {@link InvalidationListener} (never to the node that made it).</li>
 *   <li>A lock is a lease: if its holder dies, another node may take it after the lease. A write whose lease was
 *       lost changes nothing and throws.</li>
 * </ul>
 */
public interface RemoteStore extends AutoCloseable {

  /** The value bytes of {@code key}, or null when absent (or expired in the store). */
  byte[] get(byte[] key);

  /**
   * {@link #get} without waiting: the stage completes on the store's I/O thread (so what follows it must not
   * block), exceptionally with a {@link RemoteStoreException} on a failure or after the timeout.
   */
  java.util.concurrent.CompletionStage<byte[]> getAsync(byte[] key);

  /** The value bytes of each key, null where absent, in the order of {@code keys}. */
  List<byte[]> getAll(List<byte[]> keys);

  /**
   * Takes the lock of {@code key} for this node and reads its value. Waits while another node holds it, up to the
   * store's lock wait.
   *
   * @throws RemoteStoreException when the lock cannot be had in time or the store fails
   */
  Lock lock(byte[] key);

  /**
   * Replaces the value of the locked key ({@code value == null} deletes it), with {@code expireAtMillis} as the
   * store's own expiry (wall-clock milliseconds; {@code Long.MAX_VALUE} never), releases the lock and tells the
   * other nodes that the key changed, as one atomic step.
   *
   * @throws RemoteStoreException when the lease was lost (nothing is written) or the store fails
   */
  void writeAndUnlock(Lock lock, byte[] value, long expireAtMillis);

  /**
   * Where a value record carries its deadline: a big-endian {@code long} of wall-clock milliseconds at this offset
   * ({@link RemoteCodec} writes it; {@link #moveDeadline} rewrites it in place).
   */
  int DEADLINE_OFFSET = 2;

  /**
   * Moves the deadline of {@code key}'s record, if it still exists and still carries {@code previousDeadline}, to
   * {@code expireAtMillis}: the 8 bytes at {@link #DEADLINE_OFFSET} and the store's own expiry, in one atomic step,
   * without a lock and without waiting for the answer (access expiry, on a reader's path). A deadline moved
   * earlier is announced to the other nodes, whose near copies would otherwise outlive it. A failure is only
   * logged: the entry then keeps its previous deadline.
   */
  void moveDeadline(byte[] key, long expireAtMillis, long previousDeadline);

  /**
   * Sets {@code key}'s value, eternal, and tells the other nodes, as one atomic step, unless another node holds
   * the key's lock: then nothing is done and it returns false (the caller takes the lock instead). One round trip:
   * for writes whose result does not depend on the current value.
   *
   * @throws RemoteStoreException when the store fails; the write may or may not have been applied
   */
  boolean storeUnlocked(byte[] key, byte[] value);

  /** Releases the lock without changing anything. Never throws: a failure leaves the lock's lease to run out. */
  void unlock(Lock lock);

  /** Keys of the store's mappings, fetched page by page (weakly consistent). */
  Iterator<byte[]> keys();

  /** The number of mappings (counted by a scan: for monitoring, not for a hot path). */
  long size();

  /** Deletes every mapping of this cache and tells the other nodes to drop their near copies. */
  void clear();

  /**
   * Starts delivering the other nodes' changes to {@code listener} (once, before the store is shared). The
   * listener is called on the store's I/O thread and must not block.
   */
  void listen(InvalidationListener listener);

  /** Describes the store for messages: its URI with any password masked, and the key prefix. */
  String describe();

  /** Closes connections and threads; idempotent. The shared data stays. */
  @Override
  void close();

  /** A held lock: the key and the value it had when the lock was taken (null when absent). */
  interface Lock {
    byte[] key();

    byte[] value();
  }

  /**
   * Receives what other nodes changed. Called on the store's I/O thread: implementations only record and hand
   * over, never block.
   */
  interface InvalidationListener {
    /** Another node changed or removed {@code key}. */
    void invalidated(byte[] key);

    /** Another node cleared the cache. */
    void cleared();

    /** Changes may be missed from now on (the connection carrying them is down). */
    void disconnected();

    /**
     * The store opened without its connection and has not connected yet (it keeps trying): as
     * {@link #disconnected}, without an outage to report; the first {@link #connected} follows when it connects.
     */
    default void notConnectedYet() {
      disconnected();
    }

    /** Changes are delivered again; what came between {@link #disconnected} and now is unknown. */
    void connected();

    /**
     * The store answered, within the command timeout, a call the store made of its own accord (its periodic
     * heartbeat): it takes commands again, whatever the callers' last calls found.
     */
    default void answered() {
    }
  }
}

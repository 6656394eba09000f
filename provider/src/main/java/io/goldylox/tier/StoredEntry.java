package io.goldylox.tier;

/**
 * One mapping's value as a tier holds it: the stored form of the value (see
 * {@link io.goldylox.serialization.Copier}) and its absolute expiry deadline in wall-clock milliseconds.
 *
 * <p>The value is final; a write replaces the whole {@code StoredEntry} inside the tier's per-key atomic step.
 * The deadline is volatile and may be moved later by a read that applies the expiry policy's access duration
 * without taking the key's lock. That write races benignly with a concurrent replacement: it then lands on an
 * entry that is no longer mapped and has no effect.
 */
public final class StoredEntry {

  /** Deadline of an entry that never expires. */
  public static final long ETERNAL = Long.MAX_VALUE;

  private final Object value;
  private volatile long expireAtMillis;

  public StoredEntry(Object value, long expireAtMillis) {
    this.value = value;
    this.expireAtMillis = expireAtMillis;
  }

  /** The stored form of the value. */
  public Object value() {
    return value;
  }

  /** The wall-clock millisecond from which this entry is expired; {@link #ETERNAL} for never. */
  public long expireAtMillis() {
    return expireAtMillis;
  }

  /** Moves the deadline (access expiry). */
  public void setExpireAtMillis(long expireAtMillis) {
    this.expireAtMillis = expireAtMillis;
  }

  /** Whether this entry is expired at {@code nowMillis}. */
  public boolean isExpiredAt(long nowMillis) {
    return expireAtMillis <= nowMillis;
  }

  /** Whether this entry can expire at all (reading the clock is only needed then). */
  public boolean isMortal() {
    return expireAtMillis != ETERNAL;
  }
}

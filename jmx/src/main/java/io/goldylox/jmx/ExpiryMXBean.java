package io.goldylox.jmx;

/**
 * Goldylox's expiry MXBean of one cache, {@code io.goldylox:type=Expiry,CacheManager=<uri>,Cache=<name>}: how
 * many entries expired and how the background sweeper keeps up. Reads never block the cache.
 */
public interface ExpiryMXBean {

  /** Entries removed because they expired: found by a read or a write, or reclaimed by a sweep. */
  long getExpired();

  /** Background sweeps run so far. */
  long getSweeps();

  /** How long the last sweep took, in milliseconds. */
  long getLastSweepMillis();

  /** Milliseconds until the next planned sweep; negative when it is overdue (the timer's backlog); -1 if none. */
  long getNextSweepInMillis();
}

package io.goldylox.jmx;

/**
 * Goldylox's write-behind MXBean of one cache, {@code io.goldylox:type=WriteBehind,CacheManager=<uri>,Cache=<name>}:
 * how far the cache's writer is behind its journal, and how its deliveries go. Registered only for a cache with a
 * {@code write-behind} block.
 *
 * <p>Counters count from the journal's opening (the cache's creation). Every getter sums striped counters or reads
 * an atomic or a concurrent map's count: none locks or waits on the cache, the journal or the flusher thread,
 * even while the writer is stuck. A reading taken while the flusher works may be one batch behind.
 */
public interface WriteBehindMXBean {

  /** Operations journaled and not yet acknowledged by the writer (nor dead-lettered). */
  long getJournalLag();

  /** Age in milliseconds of the oldest unacknowledged operation the flusher holds; 0 when the lag is 0. */
  long getOldestUnacknowledgedAgeMillis();

  /** Keys with an unacknowledged operation (read-your-writes entries). */
  long getPendingKeys();

  /** Operations journaled by callers' puts and removes. */
  long getAppended();

  /** Operations found unacknowledged in the journal when it was opened, and delivered again. */
  long getReplayed();

  /** Operations the writer acknowledged. */
  long getDelivered();

  /** Batches the flusher handed to the writer. */
  long getBatches();

  /** Operations in all batches, before coalescing; divided by {@link #getBatches()}, the mean batch size. */
  long getBatchedOperations();

  /** Operations in the latest batch. */
  long getLastBatchSize();

  /** Calls of the writer's {@code writeAll} and {@code deleteAll}. */
  long getWriterCalls();

  /** Nanoseconds spent inside the writer, over all calls. */
  long getWriterTimeNanos();

  /** Mean time of one writer call in milliseconds; 0 before the first call. */
  double getWriterMeanLatencyMillis();

  /** Attempts after a failed one (an operation replaced by a later one of its key before its retry is not one). */
  long getRetries();

  /** Operations per second the writer acknowledged, over the last one to two seconds. */
  double getDeliveryRate();

  /** Entries handed to writeAll/deleteAll; with coalescing fewer than {@link #getDelivered()}. */
  long getWriterEntries();

  /** Operations replaced by a later operation of their key before they reached the writer. */
  long getCoalesced();

  /** Time the writer took for the latest batch (its writeAll and deleteAll), in milliseconds. */
  double getLastBatchWriterMillis();

  /** Mean time the writer took per batch, in milliseconds; 0 before the first batch. */
  double getMeanBatchWriterMillis();

  /**
   * Time delivery had work in hand since the journal opened (the flusher preparing or settling a batch, or a batch
   * with the writer), in milliseconds: the flusher's wall time less its idle parks.
   */
  long getFlusherBusyMillis();

  /** The configured {@code max-lag}. */
  long getMaxLag();

  /** Whether the lag is at or past {@code max-lag} now. */
  boolean isOverMaxLag();

  /** Times the lag reached {@code max-lag}. */
  long getLagEpisodes();

  /** Puts and removes refused because the lag had reached {@code max-lag} ({@code on-max-lag = reject}). */
  long getRejected();

  /** Failed attempts: an operation left in the writer's collection, or a whole call that threw. */
  long getFailures();

  /** Operations moved to the dead-letter journal after their last attempt. */
  long getDeadLetters();

  /** The error that stopped the flusher thread, or {@code null} while it runs (nothing is then delivered). */
  String getFlusherFailure();

  /** The journal's directory. */
  String getJournal();

  /** The dead-letter journal's directory. */
  String getDeadLetterJournal();
}

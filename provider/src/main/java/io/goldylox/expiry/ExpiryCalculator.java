package io.goldylox.expiry;

import io.goldylox.tier.StoredEntry;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;

/**
 * Turns an {@link ExpiryPolicy} into absolute deadlines (wall-clock milliseconds, {@link StoredEntry#ETERNAL}
 * for never).
 *
 * <p>The built-in {@link EternalExpiryPolicy}, {@link CreatedExpiryPolicy} and {@link ModifiedExpiryPolicy}
 * always answer the same, so they are asked once, at construction, and their answers kept as constants: a read
 * then never calls the policy and, for eternal caches, never reads the clock. Any other policy is called on
 * every operation, as the spec requires. A policy that throws gets the spec's "implementation specific default":
 * {@link Duration#ETERNAL} on creation, "unchanged" on access and update.
 *
 * <p>Stateless after construction; called by callers' threads inside a key's atomic step.
 */
public abstract class ExpiryCalculator {

  /** Returned by {@link #onAccess} and {@link #onUpdate} when the deadline does not change. */
  public static final long UNCHANGED = Long.MIN_VALUE;

  private static final System.Logger LOG = System.getLogger(ExpiryCalculator.class.getName());

  /** The calculator for {@code policy}. */
  public static ExpiryCalculator of(ExpiryPolicy policy) {
    Class<?> type = policy.getClass();
    if (type == EternalExpiryPolicy.class) {
      return new Constant(null, null, null);
    }
    if (type == CreatedExpiryPolicy.class || type == ModifiedExpiryPolicy.class) {
      return new Constant(policy.getExpiryForCreation(), policy.getExpiryForAccess(),
          policy.getExpiryForUpdate());
    }
    return new Dynamic(policy);
  }

  /** Whether a read may have to move the deadline; when false, reads skip expiry work altogether. */
  public abstract boolean accessMayChangeDeadline();

  /** Whether every entry lives forever: then writes need not read the clock. */
  public abstract boolean isEternal();

  /** Deadline of an entry created at {@code now}; {@code now} itself when it is born expired. */
  public abstract long onCreation(long now);

  /** New deadline after a read at {@code now}, or {@link #UNCHANGED}. */
  public abstract long onAccess(long now);

  /** New deadline after an update at {@code now}, or {@link #UNCHANGED}. */
  public abstract long onUpdate(long now);

  /** Deadline for a duration that starts at {@code now}: {@code null} stays {@code null}. */
  static long deadline(Duration duration, long now) {
    if (duration.isEternal()) {
      return StoredEntry.ETERNAL;
    }
    if (duration.isZero()) {
      return now;
    }
    long millis = duration.getTimeUnit().toMillis(duration.getDurationAmount());
    if (millis == 0 && duration.getDurationAmount() > 0) {
      millis = 1; // a positive duration below one millisecond still outlives "now"
    }
    long deadline = now + millis;
    return deadline < now ? StoredEntry.ETERNAL : deadline; // overflow means "practically never"
  }

  /** A policy whose answers never change, asked once. */
  private static final class Constant extends ExpiryCalculator {
    private final Duration creation;
    private final Duration access;
    private final Duration update;

    Constant(Duration creation, Duration access, Duration update) {
      this.creation = creation == null ? Duration.ETERNAL : creation;
      this.access = access;
      this.update = update;
    }

    @Override
    public boolean accessMayChangeDeadline() {
      return access != null;
    }

    @Override
    public boolean isEternal() {
      return creation.isEternal() && (access == null || access.isEternal())
          && (update == null || update.isEternal());
    }

    @Override
    public long onCreation(long now) {
      return creation.isEternal() ? StoredEntry.ETERNAL : deadline(creation, now);
    }

    @Override
    public long onAccess(long now) {
      return access == null ? UNCHANGED : deadline(access, now);
    }

    @Override
    public long onUpdate(long now) {
      return update == null ? UNCHANGED : deadline(update, now);
    }
  }

  /** A user's policy, asked on every operation. */
  private static final class Dynamic extends ExpiryCalculator {
    private final ExpiryPolicy policy;

    Dynamic(ExpiryPolicy policy) {
      this.policy = policy;
    }

    @Override
    public boolean accessMayChangeDeadline() {
      return true;
    }

    @Override
    public boolean isEternal() {
      return false;
    }

    @Override
    public long onCreation(long now) {
      Duration duration;
      try {
        duration = policy.getExpiryForCreation();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "ExpiryPolicy.getExpiryForCreation failed; using ETERNAL", e);
        duration = Duration.ETERNAL;
      }
      return duration == null ? StoredEntry.ETERNAL : deadline(duration, now);
    }

    @Override
    public long onAccess(long now) {
      try {
        Duration duration = policy.getExpiryForAccess();
        return duration == null ? UNCHANGED : deadline(duration, now);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "ExpiryPolicy.getExpiryForAccess failed; deadline unchanged", e);
        return UNCHANGED;
      }
    }

    @Override
    public long onUpdate(long now) {
      try {
        Duration duration = policy.getExpiryForUpdate();
        return duration == null ? UNCHANGED : deadline(duration, now);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "ExpiryPolicy.getExpiryForUpdate failed; deadline unchanged", e);
        return UNCHANGED;
      }
    }
  }

}

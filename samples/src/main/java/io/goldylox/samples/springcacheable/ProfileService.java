package io.goldylox.samples.springcacheable;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/**
 * A profile lookup that stands for a database or remote call. {@link #profile} is {@code @Cacheable("profiles")}:
 * Spring runs its body only when the JCache cache {@code profiles} has no entry for the user id. Called on any
 * application thread; the lookup counter is its only state.
 */
@Service
public class ProfileService {

  private final AtomicInteger lookups = new AtomicInteger();

  /** The profile of {@code userId}, from the cache if it is there, else built (then cached). */
  @Cacheable("profiles")
  public UserProfile profile(String userId) {
    lookups.incrementAndGet();
    int n = Math.floorMod(userId.hashCode(), 1_000);
    return new UserProfile(userId, "User " + userId, 1_000L + n, List.of("reader", "writer", "team-" + (n % 7)),
        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(n * 3_600L));
  }

  /** How many times the body really ran (a cache hit does not count). */
  public int lookups() {
    return lookups.get();
  }
}

package io.goldylox.samples.springboot;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/**
 * A price lookup that stands for a slow remote call. {@link #price} is {@code @Cacheable("prices")}: Spring runs
 * its body only when the Goldylox cache {@code prices} (declared in {@code goldylox.conf}) has no price for the
 * SKU. Called on the application's threads; the lookup counter is the only state.
 */
@Service
public class PriceService {

  private final AtomicInteger lookups = new AtomicInteger();
  private final long lookupDelayMillis;

  public PriceService(@Value("${prices.lookup-delay-ms:300}") long lookupDelayMillis) {
    if (lookupDelayMillis < 0) {
      throw new IllegalArgumentException("prices.lookup-delay-ms must be >= 0, not " + lookupDelayMillis);
    }
    this.lookupDelayMillis = lookupDelayMillis;
  }

  /** The price of {@code sku}, from the cache if it is there, else from the slow lookup (then cached). */
  @Cacheable("prices")
  public BigDecimal price(String sku) {
    lookups.incrementAndGet();
    try {
      // The "remote call". The sample's own thread waits here; the cache never does.
      TimeUnit.MILLISECONDS.sleep(lookupDelayMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while looking up the price of " + sku, e);
    }
    int cents = 100 + Math.floorMod(sku.hashCode(), 9_900);
    return BigDecimal.valueOf(cents).divide(BigDecimal.valueOf(100), 2, RoundingMode.UNNECESSARY);
  }

  /** How many times the slow lookup really ran (a cache hit does not count). */
  public int lookups() {
    return lookups.get();
  }
}

/**
 * Goldylox monitoring beyond the standard JCache MBeans.
 *
 * <ul>
 *   <li>{@link io.goldylox.jmx.GoldyloxCacheMetrics}: a Micrometer {@code MeterBinder} per cache
 *       ({@code cache.*} conventions plus {@code goldylox.*} meters).</li>
 *   <li>{@link io.goldylox.jmx.GoldyloxMBeans}: registers {@code io.goldylox:type=Cache|Listeners|Tiers|WriteBehind,...}
 *       MXBeans.</li>
 * </ul>
 * Both render the same {@code MetricSource}s, listed in one place ({@code MetricSources}), and read striped
 * counters and snapshots only: no read locks or waits on a cache.
 */
package io.goldylox.jmx;

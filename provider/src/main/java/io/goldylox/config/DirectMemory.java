package io.goldylox.config;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * How much direct (off-heap) memory this JVM may allocate: {@code -XX:MaxDirectMemorySize}, read through the
 * {@link HotSpotDiagnosticMXBean}; when the option is 0 (not set) the JDK allows about {@link Runtime#maxMemory()},
 * and so do we. Stateless; any thread.
 */
public final class DirectMemory {

  private DirectMemory() {}

  /** The most direct memory this JVM may allocate, in bytes. */
  public static long maxDirectMemory() {
    try {
      HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (bean != null) {
        long configured = Long.parseLong(bean.getVMOption("MaxDirectMemorySize").getValue().trim());
        if (configured > 0) {
          return configured;
        }
      }
    } catch (RuntimeException | LinkageError e) {
      // Not a HotSpot JVM, or the option is unknown: fall back to the JDK's own default below.
    }
    return Runtime.getRuntime().maxMemory();
  }
}

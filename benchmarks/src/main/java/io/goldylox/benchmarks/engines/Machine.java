package io.goldylox.benchmarks.engines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads what a benchmark report says about the machine (Linux /proc files; "unknown" elsewhere), for the storage
 * engines and the remote tier reports. Stateless.
 */
public final class Machine {

  private Machine() {
  }

  /** The first three fields of /proc/loadavg (1, 5 and 15 minute load averages). */
  public static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  public static String cpuModel() {
    return procField("/proc/cpuinfo", "model name");
  }

  public static String memTotal() {
    String kb = procField("/proc/meminfo", "MemTotal");
    try {
      long value = Long.parseLong(kb.replace("kB", "").trim());
      return String.format("%.1f GiB", value / (1024.0 * 1024.0));
    } catch (NumberFormatException e) {
      return kb;
    }
  }

  public static String os() {
    return System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch");
  }

  public static String jvm() {
    return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
  }

  public static String fileStore(Path path) {
    try {
      return Files.getFileStore(path).type();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String procField(String file, String name) {
    try {
      List<String> lines = Files.readAllLines(Path.of(file));
      for (String line : lines) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
          return line.substring(colon + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return "unknown";
  }
}

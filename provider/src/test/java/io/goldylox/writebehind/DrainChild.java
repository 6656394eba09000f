package io.goldylox.writebehind;

import io.goldylox.spi.GoldyloxCachingProvider;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;

/**
 * The node that {@link DrainTest} kills: a JVM with a cache manager on a configuration file, writing through
 * cache {@code orders}, whose write-behind writer is a {@link DrainWriter} (slow or held by its system
 * properties). It never closes the manager; the test kills it with SIGKILL.
 *
 * <ul>
 *   <li>{@code stream <config> <seed>}: puts and removes over 300 keys forever, printing
 *       {@code B <n> P|D key [value]} before each call and {@code A <n>} after it returned (acknowledged), as
 *       {@link CrashChild} does.
 *   <li>{@code put <config> key=value...}: puts each pair, prints {@code DONE}, and waits to be killed (with no
 *       pairs it just holds the journal open).
 * </ul>
 */
public final class DrainChild {

  private DrainChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 12),
        false, StandardCharsets.UTF_8);
    CacheManager manager = Caching.getCachingProvider(GoldyloxCachingProvider.class.getName())
        .getCacheManager(Path.of(args[1]).toUri(), DrainChild.class.getClassLoader());
    Cache<String, String> orders = manager.getCache("orders");
    if (args[0].equals("put")) {
      for (int i = 2; i < args.length; i++) {
        String[] pair = args[i].split("=", 2);
        orders.put(pair[0], pair[1]);
      }
      out.println("DONE");
      out.flush();
      Thread.sleep(Long.MAX_VALUE);
      return;
    }
    Random random = new Random(Long.parseLong(args[2]));
    out.println("READY");
    out.flush();
    for (long n = 0; ; n++) {
      String key = "k" + random.nextInt(300);
      boolean delete = random.nextInt(4) == 0;
      String value = "v" + n;
      // One flush per line: each line leaves in one write(2) of less than PIPE_BUF bytes, so a kill never tears it.
      out.println("B " + n + (delete ? " D " + key : " P " + key + " " + value));
      out.flush();
      if (delete) {
        orders.remove(key);
      } else {
        orders.put(key, value);
      }
      out.println("A " + n);
      out.flush();
    }
  }
}

package io.goldylox.jmx;

import io.goldylox.cache.GoldyloxCache;
import io.goldylox.management.MBeanRegistrar;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers and unregisters Goldylox's own MXBeans of a cache in the platform MBeanServer, next to the standard
 * JCache ones: {@code io.goldylox:type=<type>,CacheManager=<uri>,Cache=<name>} for every bean of
 * {@link MetricSources#ALL}: {@code type=Cache} ({@link GoldyloxCacheMXBean}) and {@code type=Listeners}
 * ({@link ListenersMXBean}) for every cache, {@code type=Tiers} ({@link TiersMXBean}) for a tiered cache and
 * {@code type=WriteBehind} ({@link WriteBehindMXBean}) for a cache with write-behind. The URI and the name are sanitised exactly as the standard beans' are
 * ({@link MBeanRegistrar#sanitize}: {@code , : = * ? "} and line breaks become {@code .}).
 *
 * <h2>Ownership</h2>
 * This class remembers which cache each name was registered for. {@link #register} is idempotent for the same
 * cache; it takes over a name left behind by a cache that is now closed (so a re-created cache of the same name is
 * never shown through its predecessor's bean); and it refuses, with a {@link CacheException}, a name held by
 * another open cache (two managers with the same URI under different class loaders) or by somebody else.
 * {@link #unregister} removes only the beans registered for that very cache, so a late unregister of a closed cache
 * cannot take a successor's beans away.
 *
 * <p>Both are management calls, serialised on this class; they never run on a cache operation's path, and the
 * beans they register read striped counters without locking the cache.
 */
public final class GoldyloxMBeans {

  /** The JMX domain of Goldylox's own beans. */
  public static final String DOMAIN = "io.goldylox";

  /** Which cache each registered name belongs to. Guarded by the class monitor for writes. */
  private static final Map<ObjectName, GoldyloxCache<?, ?>> OWNERS = new ConcurrentHashMap<>();

  private GoldyloxMBeans() {}

  /**
   * Registers the Goldylox MXBeans of {@code cache}; does nothing for beans already registered for it.
   *
   * @throws IllegalArgumentException if {@code cache} is not a Goldylox cache
   * @throws IllegalStateException if {@code cache} is closed
   * @throws CacheException if a name is held by another open cache or by somebody else, or JMX refuses a bean
   */
  public static synchronized void register(Cache<?, ?> cache) {
    GoldyloxCache<?, ?> goldylox = GoldyloxCacheMetrics.goldylox(cache);
    if (goldylox.isClosed()) {
      throw new IllegalStateException("Cache " + goldylox.getName() + " is closed: its MBeans cannot be registered");
    }
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    List<ObjectName> added = new ArrayList<>();
    try {
      for (MetricSource source : MetricSources.ALL) {
        for (MetricSource.NamedBean named : source.mxBeans(goldylox)) {
          ObjectName name = objectName(goldylox, named.type(), named.extraKeys());
          if (claim(server, name, goldylox)) {
            server.registerMBean(named.bean(), name);
            OWNERS.put(name, goldylox);
            added.add(name);
          }
        }
      }
    } catch (InstanceAlreadyExistsException e) {
      rollBack(server, added);
      throw new CacheException("An MBean was registered by somebody else while registering those of cache "
          + goldylox.getName() + ": " + e.getMessage(), e);
    } catch (CacheException e) {
      rollBack(server, added);
      throw e;
    } catch (Exception e) {
      rollBack(server, added);
      throw new CacheException("Could not register the Goldylox MBeans of cache " + goldylox.getName(), e);
    }
  }

  /**
   * Whether {@code name} must be registered for {@code cache}: false if it already is; true if it is free or was
   * held by a closed cache (whose bean is removed here).
   */
  private static boolean claim(MBeanServer server, ObjectName name, GoldyloxCache<?, ?> cache) throws Exception {
    GoldyloxCache<?, ?> owner = OWNERS.get(name);
    if (owner == cache && server.isRegistered(name)) {
      return false;
    }
    if (owner != null && owner != cache && !owner.isClosed() && server.isRegistered(name)) {
      throw new CacheException("MBean " + name + " is already registered for another open cache named "
          + cache.getName() + " (a second cache manager with the URI " + cache.getCacheManager().getURI()
          + " under another class loader?)");
    }
    if (owner == null && server.isRegistered(name)) {
      throw new CacheException("MBean " + name + " is already registered, and not by " + GoldyloxMBeans.class.getName()
          + " in this class loader");
    }
    // Free, or left behind by a closed cache (or unregistered behind our back): take it over.
    OWNERS.remove(name);
    unregisterQuietly(server, name);
    return true;
  }

  /**
   * Unregisters the Goldylox MXBeans registered for {@code cache}, if any; beans of the same names registered for
   * another cache are left alone. Idempotent.
   *
   * @throws IllegalArgumentException if {@code cache} is not a Goldylox cache
   */
  public static synchronized void unregister(Cache<?, ?> cache) {
    GoldyloxCache<?, ?> goldylox = GoldyloxCacheMetrics.goldylox(cache);
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    CacheException failure = null;
    for (ObjectName name : objectNames(goldylox)) {
      if (OWNERS.remove(name, goldylox)) {
        try {
          unregisterQuietly(server, name);
        } catch (Exception e) {
          failure = failure != null ? failure : new CacheException("Could not unregister MBean " + name, e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** The names of the Goldylox MXBeans of {@code cache} (registered or not). */
  public static List<ObjectName> objectNames(Cache<?, ?> cache) {
    GoldyloxCache<?, ?> goldylox = GoldyloxCacheMetrics.goldylox(cache);
    List<ObjectName> names = new ArrayList<>();
    for (MetricSource source : MetricSources.ALL) {
      for (MetricSource.NamedBean named : source.mxBeans(goldylox)) {
        names.add(objectName(goldylox, named.type(), named.extraKeys()));
      }
    }
    return names;
  }

  /**
   * The name of the Goldylox MXBean of {@code type} for {@code cache}:
   * {@code io.goldylox:type=<type>,CacheManager=<sanitised uri>,Cache=<sanitised name>}.
   */
  public static ObjectName objectName(Cache<?, ?> cache, String type) {
    return objectName(GoldyloxCacheMetrics.goldylox(cache), type, "");
  }

  private static ObjectName objectName(GoldyloxCache<?, ?> cache, String type, String extraKeys) {
    String text = DOMAIN + ":type=" + type
        + ",CacheManager=" + MBeanRegistrar.sanitize(cache.getCacheManager().getURI().toString())
        + ",Cache=" + MBeanRegistrar.sanitize(cache.getName()) + extraKeys;
    try {
      return new ObjectName(text);
    } catch (MalformedObjectNameException e) {
      throw new CacheException("Illegal MBean name " + text, e);
    }
  }

  private static void rollBack(MBeanServer server, List<ObjectName> added) {
    for (ObjectName name : added) {
      OWNERS.remove(name);
      try {
        unregisterQuietly(server, name);
      } catch (Exception ignored) {
        // Best effort: the registration failure is what gets reported.
      }
    }
  }

  private static void unregisterQuietly(MBeanServer server, ObjectName name) throws Exception {
    try {
      server.unregisterMBean(name);
    } catch (InstanceNotFoundException absent) {
      // Already gone: unregistration is idempotent.
    }
  }
}

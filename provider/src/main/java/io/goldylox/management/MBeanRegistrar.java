package io.goldylox.management;

import java.lang.management.ManagementFactory;
import java.net.URI;
import javax.cache.CacheException;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers and unregisters the standard JCache MBeans in the platform MBeanServer under
 * {@code javax.cache:type=CacheStatistics|CacheConfiguration,CacheManager=<uri>,Cache=<name>}, with
 * {@code , : = * ? "} and line breaks replaced by {@code .} (the names Micrometer's {@code JCacheMetrics}
 * and JConsole users look for). Registration is idempotent. Called from management calls and close, never
 * from a cache operation.
 */
public final class MBeanRegistrar {

  /** The two standard bean types. */
  public enum Kind {
    CONFIGURATION("CacheConfiguration"),
    STATISTICS("CacheStatistics");

    private final String type;

    Kind(String type) {
      this.type = type;
    }
  }

  private MBeanRegistrar() {}

  /** The object name of a cache's bean of the given kind. */
  public static ObjectName objectName(Kind kind, URI managerUri, String cacheName) {
    String name = "javax.cache:type=" + kind.type + ",CacheManager=" + sanitize(managerUri.toString())
        + ",Cache=" + sanitize(cacheName);
    try {
      return new ObjectName(name);
    } catch (MalformedObjectNameException e) {
      throw new CacheException("Illegal MBean name " + name, e);
    }
  }

  /** Replaces the characters that JMX object names reserve. */
  public static String sanitize(String text) {
    return text == null ? "" : text.replaceAll("[,:=*?\"\\n\\r]", ".");
  }

  /** Which bean this class registered under each name, so that only its owner unregisters it. */
  private static final java.util.Map<ObjectName, Object> OWNERS = new java.util.concurrent.ConcurrentHashMap<>();

  /** Registers {@code bean} unless a bean of that name is already there. */
  public static synchronized void register(Object bean, ObjectName name) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      if (server.isRegistered(name)) {
        // Already ours, or another open cache's of the same name (same URI, another class loader): leave it.
        return;
      }
      server.registerMBean(bean, name);
      OWNERS.put(name, bean);
    } catch (InstanceAlreadyExistsException raced) {
      // Registered by somebody else meanwhile: registration is idempotent.
    } catch (Exception e) {
      throw new CacheException("Could not register MBean " + name, e);
    }
  }

  /**
   * Unregisters the bean of that name if it is {@code bean}, the one registered by {@link #register} for this
   * cache; a bean of the same name registered for another cache is left alone.
   */
  public static synchronized void unregister(ObjectName name, Object bean) {
    if (!OWNERS.remove(name, bean)) {
      return;
    }
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      server.unregisterMBean(name);
    } catch (InstanceNotFoundException raced) {
      // Already gone.
    } catch (Exception e) {
      throw new CacheException("Could not unregister MBean " + name, e);
    }
  }
}

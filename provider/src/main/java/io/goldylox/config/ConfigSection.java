package io.goldylox.config;

import io.goldylox.tier.OnIncompatible;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import javax.cache.configuration.Factory;

/**
 * One object of a configuration file (the default block, a cache, a listener, ...) with its full key path: typed
 * reads of its keys, each failing with a {@link ConfigurationException} that names the file, the full key, the
 * line and the reason. A {@code .properties} file holds only strings, so there {@code true}/{@code false} and
 * digit strings are read as booleans and whole numbers. Used by {@link FileConfigReader}, on the loading thread
 * only.
 */
final class ConfigSection {

  /** The file, for messages. */
  private final URI source;
  /** Loads the classes the file names. */
  private final ClassLoader classLoader;
  final Config config;
  final String path;

  ConfigSection(URI source, ClassLoader classLoader, Config config, String path) {
    this.source = source;
    this.classLoader = classLoader;
    this.config = config;
    this.path = path;
  }

  String key(String relative) {
    return path + "." + relative;
  }

  boolean has(String relative) {
    return config.hasPath(relative);
  }

  boolean isNull(String relative) {
    return config.hasPathOrNull(relative) && config.getIsNull(relative);
  }

  String line(String relative) {
    return line(config.getValue(relative));
  }

  ConfigurationException fail(String relative, String reason) {
    return new ConfigurationException(source, key(relative), reason);
  }

  ConfigurationException wrongType(String relative, String expected) {
    return fail(relative, "wrong type: expected " + expected + ", found " + describe(config.getValue(relative)));
  }

  void require(String relative, String why) {
    if (!has(relative)) {
      throw fail(relative, "missing: " + why);
    }
  }

  /** Runs a builder call, turning its IllegalArgumentException into an error at {@code relative}. */
  void apply(String relative, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException e) {
      throw fail(relative, e.getMessage());
    }
  }

  /**
   * Whether the file is a {@code .properties} file, where every value is a string: there {@code true} and
   * {@code 100} are the boolean and the number. (A {@code .properties} file that a HOCON file includes is read as
   * HOCON, so its values are typed already.)
   */
  private boolean fromProperties() {
    String name = source.getPath() != null ? source.getPath() : source.getSchemeSpecificPart();
    return name != null && name.toLowerCase(Locale.ROOT).endsWith(".properties");
  }

  boolean bool(String relative) {
    if (isString(relative) && fromProperties()) {
      String text = ((String) config.getValue(relative).unwrapped()).trim();
      if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(text);
      }
    }
    if (config.getValue(relative).valueType() != ConfigValueType.BOOLEAN) {
      throw wrongType(relative, "true or false");
    }
    return config.getBoolean(relative);
  }

  String string(String relative) {
    ConfigValue value = config.getValue(relative);
    if (value.valueType() != ConfigValueType.STRING) {
      throw wrongType(relative, "a string");
    }
    String text = ((String) value.unwrapped()).trim();
    if (text.isEmpty()) {
      throw fail(relative, "must not be empty" + line(relative));
    }
    return text;
  }

  /** Whether the value at {@code relative} is a string (a duration such as 10s is one too, before parsing). */
  boolean isString(String relative) {
    return config.getValue(relative).valueType() == ConfigValueType.STRING;
  }

  long positiveWholeNumber(String relative) {
    ConfigValue value = config.getValue(relative);
    Object raw = value.unwrapped();
    long number;
    if (raw instanceof Integer || raw instanceof Long) {
      number = ((Number) raw).longValue();
    } else if (raw instanceof String && ((String) raw).trim().matches("-?[0-9]{1,18}") && fromProperties()) {
      number = Long.parseLong(((String) raw).trim());
    } else {
      throw wrongType(relative, "a whole number");
    }
    if (number <= 0) {
      throw fail(relative, "must be positive, not " + number + line(relative));
    }
    return number;
  }

  long positiveBytes(String relative) {
    Object raw = config.getValue(relative).unwrapped();
    String text = raw == null ? "" : String.valueOf(raw).trim();
    if (raw instanceof Number && ((Number) raw).doubleValue() > 0
        || raw instanceof String && text.matches("[0-9.]+") && !text.matches("[0.]*")) {
      // HOCON reads a bare number as bytes; "off-heap.size = 64" meant 64 MiB, not a tier of 64 bytes.
      throw fail(relative, "a size needs a unit: write " + text + "MiB, " + text + "GiB or " + text + "B"
          + line(relative));
    }
    long bytes;
    try {
      bytes = config.getBytes(relative);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      if (text.startsWith("-")) {
        // HOCON refuses negative sizes as unparsable; say what is really wrong.
        throw fail(relative, "a size cannot be negative: " + text + line(relative));
      }
      throw wrongType(relative, "a size such as 64MiB or 1GiB");
    }
    if (bytes <= 0) {
      throw fail(relative, "a size must be positive, not " + bytes + " bytes" + line(relative));
    }
    return bytes;
  }

  /** A size for an off-heap tier: positive, and within what this JVM may allocate directly. */
  long offHeapBytes(String relative) {
    require(relative, "an off-heap tier needs a size");
    long bytes = positiveBytes(relative);
    long maxDirect = DirectMemory.maxDirectMemory();
    if (bytes > maxDirect) {
      throw fail(relative, GoldyloxConfiguration.offHeapTooLarge(bytes, maxDirect) + line(relative));
    }
    return bytes;
  }

  Duration duration(String relative) {
    Object raw = config.getValue(relative).unwrapped();
    if (raw instanceof Number && ((Number) raw).doubleValue() != 0
        || raw instanceof String && ((String) raw).trim().matches("[0-9.]+") && !((String) raw).trim().matches("0*")) {
      // HOCON reads a bare number as milliseconds; a user who means seconds (Ehcache's <ttl>10</ttl>) gets 1/1000.
      throw fail(relative, "a duration needs a unit: write " + String.valueOf(raw).trim() + "ms, "
          + String.valueOf(raw).trim() + "s or " + String.valueOf(raw).trim() + "m" + line(relative));
    }
    Duration duration;
    try {
      duration = config.getDuration(relative);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw wrongType(relative, "a duration such as 100ms, 30s or 10m");
    }
    if (duration.isNegative()) {
      throw fail(relative, "a duration cannot be negative: " + duration + line(relative));
    }
    return duration;
  }

  javax.cache.expiry.Duration expiryDuration(String relative) {
    Duration duration = duration(relative);
    try {
      return JCacheDurations.of(duration, "an expiry duration");
    } catch (IllegalArgumentException e) {
      throw fail(relative, e.getMessage() + line(relative));
    }
  }

  /**
   * An absolute path. A relative one is resolved against the working directory, as {@code java.io.File} does,
   * with a WARN: started from another directory, the process would not find its data.
   */
  Path path(String relative) {
    String text = string(relative);
    Path path;
    try {
      path = Path.of(text);
    } catch (InvalidPathException e) {
      throw fail(relative, "not a valid path: " + e.getMessage());
    }
    Path absolute = path.toAbsolutePath().normalize();
    if (!path.isAbsolute()) {
      System.getLogger(ConfigSection.class.getName()).log(System.Logger.Level.WARNING, source + ": "
          + key(relative) + " = \"" + text + "\"" + line(relative) + " is a relative path, resolved against the"
          + " working directory to " + absolute + "; a process started from another directory will not find what"
          + " is stored there. Give an absolute path.");
    }
    return absolute;
  }

  OnIncompatible onIncompatible(String relative) {
    String text = string(relative);
    OnIncompatible value = OnIncompatible.parse(text);
    if (value == null) {
      throw fail(relative, "expected wipe or fail, found '" + text + "'" + line(relative));
    }
    return value;
  }

  Class<?> loadClass(String relative) {
    String name = string(relative);
    try {
      return Class.forName(name, false, classLoader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw fail(relative, "unknown class " + name + line(relative) + ": not found by the class loader "
          + classLoader + (e instanceof LinkageError ? " (" + e + ")" : ""));
    }
  }

  <T> Factory<T> factory(String relative, Class<T> product) {
    return factory(relative, loadClass(relative), product);
  }

  <T> Factory<T> factory(String relative, Class<?> type, Class<T> product) {
    try {
      return ClassFactories.factoryFor(type, product);
    } catch (IllegalArgumentException e) {
      throw fail(relative, e.getMessage() + line(relative));
    }
  }


  static String join(String path, String key) {
    String quoted = ConfigUtil.joinPath(key);
    return path.isEmpty() ? quoted : path + "." + quoted;
  }

  static String line(ConfigValue value) {
    int line = value.origin() == null ? -1 : value.origin().lineNumber();
    return line > 0 ? " (line " + line + ")" : "";
  }

  static String describe(ConfigValue value) {
    String type = value.valueType().name().toLowerCase(Locale.ROOT);
    String rendered = value.render(ConfigRenderOptions.concise());
    if (rendered.length() > 60) {
      rendered = rendered.substring(0, 57) + "...";
    }
    return (type.equals("object") || type.equals("list") ? "an " + type : "a " + type) + " " + rendered
        + line(value);
  }
}

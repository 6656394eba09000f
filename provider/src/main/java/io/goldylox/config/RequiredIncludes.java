package io.goldylox.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import java.io.File;
import java.net.URL;

/**
 * The HOCON includer of {@link ConfigLoader}: every {@code include} must find what it names, as if written
 * {@code include required(...)}. HOCON's own includer skips a missing file without a word, so a misspelt name
 * dropped every cache declared there; with this one the load fails with an error that names the file.
 *
 * <p>Each form ({@code include "x.conf"}, {@code file(...)}, {@code url(...)}, {@code classpath(...)}) is handed
 * to HOCON's default includer (the fallback) with missing files disallowed. Immutable; used on the loading
 * thread.
 */
final class RequiredIncludes
    implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {

  /** Before HOCON gives it its default includer: the one to set in the parse options. */
  static final RequiredIncludes INSTANCE = new RequiredIncludes(null);

  /** HOCON's default includer, which does the including. */
  private final ConfigIncluder fallback;

  private RequiredIncludes(ConfigIncluder fallback) {
    this.fallback = fallback;
  }

  @Override
  public ConfigIncluder withFallback(ConfigIncluder other) {
    return fallback != null || other == null ? this : new RequiredIncludes(other);
  }

  private static ConfigIncludeContext required(ConfigIncludeContext context) {
    return context.setParseOptions(context.parseOptions().setAllowMissing(false));
  }

  private ConfigIncluder fallback() {
    if (fallback == null) {
      throw new IllegalStateException("HOCON did not give RequiredIncludes its default includer");
    }
    return fallback;
  }

  @Override
  public ConfigObject include(ConfigIncludeContext context, String what) {
    try {
      return fallback().include(required(context), what);
    } catch (ConfigException.IO e) {
      // HOCON tries the name beside the including file, then as a resource, and reports only the last miss.
      throw new ConfigException.IO(e.origin(), "include \"" + what + "\": neither a file beside the including"
          + " file nor a resource has this name (" + e.getMessage() + ")", e);
    }
  }

  @Override
  public ConfigObject includeFile(ConfigIncludeContext context, File what) {
    return ((ConfigIncluderFile) fallback()).includeFile(required(context), what);
  }

  @Override
  public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
    return ((ConfigIncluderURL) fallback()).includeURL(required(context), what);
  }

  @Override
  public ConfigObject includeResources(ConfigIncludeContext context, String what) {
    return ((ConfigIncluderClasspath) fallback()).includeResources(required(context), what);
  }
}

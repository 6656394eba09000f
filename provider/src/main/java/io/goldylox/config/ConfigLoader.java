package io.goldylox.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Loads the configuration file a cache manager's URI names.
 *
 * <ul>
 *   <li>{@code urn:...} (the provider's default {@code urn:goldylox:default} among them): no file, the spec's
 *       defaults and no declared caches.
 *   <li>{@code file:/etc/app/goldylox.conf}: a file (HOCON {@code include}s resolve relative to it).
 *   <li>{@code classpath:goldylox.conf} or {@code classpath:/config/goldylox.conf}: a resource of the given class
 *       loader (the manager's).
 *   <li>{@code jar:file:/app.jar!/goldylox.conf}, {@code jar:nested:...} (Spring Boot 3.2+), {@code vfs:}
 *       (WildFly) and any other URL scheme the JVM has a handler for: read through {@code uri.toURL()}.
 *   <li>No scheme ({@code goldylox.conf}, {@code /etc/app/goldylox.conf}): a resource of the class loader if it
 *       has one of that name, else a file of that path (an absolute path is tried as a file first).
 * </ul>
 * The file is HOCON (JSON is HOCON too; a name ending in {@code .properties} is read as properties). Every
 * {@code include} must find its file ({@link RequiredIncludes}).
 * Substitutions may use system properties and environment variables ({@code path = ${user.home}"/cache"}).
 * Sizes take HOCON's units ({@code 64MiB} or {@code 64M} is binary, {@code 64MB} decimal, {@code 64B} bytes),
 * durations {@code 100ms}, {@code 30s}, {@code 10m}; a size or a duration without a unit is refused. Stateless; any thread (the class loader's resources permitting).
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  /** Whether {@code uri} names no file (a {@code urn:}), so the spec's defaults apply. */
  public static boolean isFileless(URI uri) {
    return uri == null || "urn".equalsIgnoreCase(uri.getScheme());
  }

  /**
   * Loads and checks the configuration {@code uri} names.
   *
   * @param classLoader resolves {@code classpath:} URIs and the classes the file names; null means this
   *     thread's context class loader, or else Goldylox's own
   * @throws ConfigurationException if the file is missing or unreadable, is not valid HOCON, has an unknown key,
   *     a value of the wrong type, an impossible size or an unknown class; the message names the file, the key
   *     and the reason
   */
  public static GoldyloxFileConfig load(URI uri, ClassLoader classLoader) {
    Objects.requireNonNull(uri, "uri");
    if (isFileless(uri)) {
      return GoldyloxFileConfig.none(uri);
    }
    ClassLoader loader = classLoader != null ? classLoader : defaultClassLoader();
    Config parsed = parse(uri, loader);
    return new FileConfigReader(uri, loader).read(parsed);
  }

  private static ClassLoader defaultClassLoader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : ConfigLoader.class.getClassLoader();
  }

  private static Config parse(URI uri, ClassLoader loader) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    ConfigParseOptions options = ConfigParseOptions.defaults()
        .setAllowMissing(false)
        .setClassLoader(loader)
        .setOriginDescription(uri.toString())
        .setIncluder(RequiredIncludes.INSTANCE); // a misspelt include is an error, not a dropped block
    try {
      Config parsed;
      switch (scheme) {
        case "file":
          parsed = parseFile(uri, fileOf(uri), options);
          break;
        case "classpath":
          parsed = parseUrl(uri, resource(uri, loader, uri.getSchemeSpecificPart()), options);
          break;
        case "":
          parsed = parseBare(uri, loader, options);
          break;
        default:
          parsed = parseUrl(uri, urlOf(uri), options);
      }
      // Resolve against the file itself, then system properties; environment variables are HOCON's own fallback.
      return parsed.resolveWith(parsed.withFallback(ConfigFactory.systemProperties()));
    } catch (ConfigException.UnresolvedSubstitution e) {
      throw new ConfigurationException(uri, null, "unresolved substitution: " + e.getMessage(), e);
    } catch (ConfigException.Parse e) {
      throw new ConfigurationException(uri, null, "not valid HOCON: " + e.getMessage(), e);
    } catch (ConfigException.IO e) {
      throw new ConfigurationException(uri, null, "cannot be read: " + e.getMessage(), e);
    } catch (ConfigException e) {
      throw new ConfigurationException(uri, null, e.getMessage(), e);
    }
  }

  private static Path fileOf(URI uri) {
    try {
      // file:relative/goldylox.conf is an opaque URI that Path.of(URI) refuses: read it as a relative path.
      return uri.isOpaque() ? Path.of(uri.getSchemeSpecificPart()) : Path.of(uri);
    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw new ConfigurationException(uri, null, "not a usable file URI: " + e.getMessage(), e);
    }
  }

  private static Config parseFile(URI uri, Path file, ConfigParseOptions options) {
    if (!Files.exists(file)) {
      throw new ConfigurationException(uri, null, "file not found: " + file.toAbsolutePath());
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigurationException(uri, null, "not a regular file: " + file.toAbsolutePath());
    }
    if (!Files.isReadable(file)) {
      throw new ConfigurationException(uri, null, "file not readable: " + file.toAbsolutePath());
    }
    return ConfigFactory.parseFile(file.toFile(), options.setSyntax(syntaxOf(file.toString())));
  }

  private static URL resource(URI uri, ClassLoader loader, String name) {
    String resource = name.startsWith("/") ? name.substring(1) : name;
    if (resource.isEmpty()) {
      throw new ConfigurationException(uri, null, "names no resource");
    }
    URL url = loader.getResource(resource);
    if (url == null) {
      throw new ConfigurationException(uri, null, "resource " + resource + " not found by the class loader "
          + loader);
    }
    return url;
  }

  private static URL urlOf(URI uri) {
    try {
      return uri.toURL();
    } catch (MalformedURLException | IllegalArgumentException e) {
      throw new ConfigurationException(uri, null, "this JVM cannot open " + uri.getScheme() + ": URLs ("
          + e.getMessage() + "); use a file:, classpath: or jar: URI", e);
    }
  }

  private static Config parseBare(URI uri, ClassLoader loader, ConfigParseOptions options) {
    String name = uri.getPath() != null ? uri.getPath() : uri.getSchemeSpecificPart();
    Path file = null;
    try {
      file = Path.of(name);
    } catch (InvalidPathException notAPath) {
      // Only a resource can match.
    }
    if (file != null && file.isAbsolute() && Files.isRegularFile(file)) {
      return parseFile(uri, file, options);
    }
    String resource = name.startsWith("/") ? name.substring(1) : name;
    URL url = resource.isEmpty() ? null : loader.getResource(resource);
    if (url != null) {
      return parseUrl(uri, url, options);
    }
    if (file != null && Files.isRegularFile(file)) {
      return parseFile(uri, file, options);
    }
    throw new ConfigurationException(uri, null, "neither a resource of the class loader " + loader
        + " nor a file (" + (file == null ? name : file.toAbsolutePath()) + ") has this name");
  }

  /**
   * Reads a URL ourselves ({@code openStream} semantics, without the JDK's jar-file cache, so a redeployed jar
   * is read afresh) and parses the text. Relative {@code include}s are not resolved against such a URL; use
   * {@code include classpath(...)}, {@code include file(...)} or {@code include url(...)}.
   */
  private static Config parseUrl(URI uri, URL url, ConfigParseOptions options) {
    String text;
    try {
      URLConnection connection = url.openConnection();
      connection.setUseCaches(false);
      try (InputStream in = connection.getInputStream()) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (FileNotFoundException | NoSuchFileException e) {
      throw new ConfigurationException(uri, null, "not found: " + url, e);
    } catch (IOException | RuntimeException e) {
      throw new ConfigurationException(uri, null, "cannot be read from " + url + ": " + e, e);
    }
    return ConfigFactory.parseString(text, options.setSyntax(syntaxOf(url.getPath())));
  }

  private static ConfigSyntax syntaxOf(String name) {
    String lower = name == null ? "" : name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".properties")) {
      return ConfigSyntax.PROPERTIES;
    }
    if (lower.endsWith(".json")) {
      return ConfigSyntax.JSON;
    }
    return ConfigSyntax.CONF;
  }
}

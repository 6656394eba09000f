package io.goldylox.config;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a cache manager's configuration file says: the {@code default} block and the declared caches, in the
 * order the file declares them. Produced by {@link ConfigLoader#load}; immutable (the cache configurations are
 * handed out as fresh copies, because {@link GoldyloxConfiguration} is mutable).
 */
public final class GoldyloxFileConfig {

  private final URI source;
  private final boolean fromFile;
  private final Defaults defaults;
  private final Map<String, GoldyloxConfiguration<?, ?>> caches;
  private final List<String> serializerAllow;

  GoldyloxFileConfig(URI source, boolean fromFile, Defaults defaults,
      Map<String, GoldyloxConfiguration<?, ?>> caches, List<String> serializerAllow) {
    this.source = source;
    this.fromFile = fromFile;
    this.defaults = Objects.requireNonNull(defaults, "defaults");
    this.caches = Collections.unmodifiableMap(new LinkedHashMap<>(caches));
    this.serializerAllow = List.copyOf(serializerAllow);
  }

  /** No file: the spec's defaults and no declared caches (what a {@code urn:} URI means). */
  public static GoldyloxFileConfig none(URI source) {
    return new GoldyloxFileConfig(source, false, Defaults.NONE, Map.of(), List.of());
  }

  /**
   * {@code goldylox.serializer.allow}: the classes (names, {@code pkg.*}, {@code pkg.**}) that the caches of this
   * manager may instantiate from bytes read from outside the process, besides their declared types; see
   * {@link io.goldylox.serialization.ClassPolicy}.
   */
  public List<String> serializerAllow() {
    return serializerAllow;
  }

  /** The URI the configuration was loaded for. */
  public URI source() {
    return source;
  }

  /** Whether a file was read (false for {@code urn:} URIs). */
  public boolean fromFile() {
    return fromFile;
  }

  /** The {@code goldylox.default} block ({@link Defaults#NONE} when absent). */
  public Defaults defaults() {
    return defaults;
  }

  /** The names of the declared caches, in file order. */
  public Set<String> cacheNames() {
    return caches.keySet();
  }

  /** A copy of the declared cache {@code name}'s configuration, the default block already applied. */
  public Optional<GoldyloxConfiguration<?, ?>> cache(String name) {
    GoldyloxConfiguration<?, ?> configuration = caches.get(name);
    return configuration == null ? Optional.empty() : Optional.of(copy(configuration));
  }

  /** Copies of every declared cache's configuration, in file order, the default block already applied. */
  public Map<String, GoldyloxConfiguration<?, ?>> caches() {
    Map<String, GoldyloxConfiguration<?, ?>> copies = new LinkedHashMap<>();
    caches.forEach((name, configuration) -> copies.put(name, copy(configuration)));
    return Collections.unmodifiableMap(copies);
  }

  private static <K, V> GoldyloxConfiguration<K, V> copy(GoldyloxConfiguration<K, V> configuration) {
    return new GoldyloxConfiguration<>(configuration);
  }

  @Override
  public String toString() {
    return "GoldyloxFileConfig{" + source + ", " + defaults + ", caches=" + caches.keySet() + "}";
  }
}

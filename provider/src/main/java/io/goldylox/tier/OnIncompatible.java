package io.goldylox.tier;

import java.util.Locale;

/**
 * What a persistent tier does when the data it finds on disk was written for other key or value classes
 * (configuration key {@code on-incompatible}).
 */
public enum OnIncompatible {
  /** Delete the stored data and start empty, with a log line saying so. */
  WIPE,
  /** Refuse to create the cache, with an exception naming the stored and the configured classes (the default). */
  FAIL;

  /** The spelling used in configuration files. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code wipe} or {@code fail} (any case); null when the text is neither. */
  public static OnIncompatible parse(String text) {
    for (OnIncompatible value : values()) {
      if (value.name().equalsIgnoreCase(text.trim())) {
        return value;
      }
    }
    return null;
  }
}

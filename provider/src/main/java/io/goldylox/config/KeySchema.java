package io.goldylox.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whitelist of keys a Goldylox configuration file may hold, as a tree. {@link FileConfigReader} walks the
 * parsed file against it before reading any value, so a misspelt key anywhere is an error instead of a silently
 * ignored setting. Immutable; any thread.
 */
final class KeySchema {

  enum Kind {
    /** A single value (string, number, boolean); its type is checked when it is read. */
    LEAF,
    /** An object with the listed keys. */
    OBJECT,
    /** An object whose keys are names chosen by the user (caches), each holding {@link #element}. */
    NAMED,
    /** A list whose elements are {@link #element}. */
    LIST
  }

  final Kind kind;
  final Map<String, KeySchema> children;
  final KeySchema element;
  /** Whether {@code key = null} is allowed here (switching off a tier inherited from the default block). */
  final boolean nullable;

  private KeySchema(Kind kind, Map<String, KeySchema> children, KeySchema element, boolean nullable) {
    this.kind = kind;
    this.children = children;
    this.element = element;
    this.nullable = nullable;
  }

  static final KeySchema LEAF = new KeySchema(Kind.LEAF, Map.of(), null, false);
  static final KeySchema NULLABLE_LEAF = new KeySchema(Kind.LEAF, Map.of(), null, true);

  private static KeySchema object(Object... keysAndSchemas) {
    Map<String, KeySchema> children = new LinkedHashMap<>();
    for (int i = 0; i < keysAndSchemas.length; i += 2) {
      children.put((String) keysAndSchemas[i], (KeySchema) keysAndSchemas[i + 1]);
    }
    return new KeySchema(Kind.OBJECT, Collections.unmodifiableMap(children), null, false);
  }

  private KeySchema orNull() {
    return new KeySchema(kind, children, element, true);
  }

  private static final KeySchema DEFAULT_DISK = object("path", LEAF, "size", LEAF);

  static final KeySchema REMOTE = object(
      "redis", object(
          "uri", LEAF,
          "key-prefix", LEAF,
          "timeout", LEAF,
          "lock-wait", LEAF,
          "lock-lease", LEAF,
          "on-failure", LEAF,
          "user", LEAF,
          "password", LEAF,
          "password-env", LEAF,
          "password-file", LEAF));

  static final KeySchema DEFAULT_BLOCK = object(
      "store-by-value", LEAF,
      "statistics", LEAF,
      "management", LEAF,
      "heap", object("max-entries", LEAF),
      "off-heap", object("size", LEAF),
      "disk", DEFAULT_DISK,
      "on-incompatible", LEAF,
      "remote", REMOTE);

  static final KeySchema LISTENER = object(
      "class", LEAF,
      "filter", LEAF,
      "synchronous", LEAF,
      "old-value", LEAF);

  static final KeySchema WRITE_BEHIND = object(
      "writer", LEAF,
      "journal", LEAF,
      "batch-size", LEAF,
      "concurrency", LEAF,
      "max-delay", LEAF,
      "coalesce", LEAF,
      "durability", LEAF,
      "sync-interval", LEAF,
      "retry", object("initial-delay", LEAF, "max-delay", LEAF, "max-attempts", LEAF),
      "dead-letter", LEAF,
      "close-timeout", LEAF,
      "max-lag", LEAF,
      "on-max-lag", LEAF);

  static final KeySchema CACHE = object(
      "key-type", LEAF,
      "value-type", LEAF,
      "store-by-value", LEAF,
      "statistics", LEAF,
      "management", LEAF,
      "heap", object("max-entries", NULLABLE_LEAF),
      "off-heap", object("size", LEAF).orNull(),
      "disk", DEFAULT_DISK.orNull(),
      "on-incompatible", LEAF,
      "expiry", object("after-write", LEAF, "after-access", LEAF, "policy", LEAF),
      "read-through", object("loader", LEAF),
      "write-through", object("writer", LEAF),
      "listeners", new KeySchema(Kind.LIST, Map.of(), LISTENER, false),
      "write-behind", WRITE_BEHIND,
      "remote", REMOTE.orNull());

  static final KeySchema ROOT = object(
      "goldylox", object(
          "serializer", object("allow", new KeySchema(Kind.LIST, Map.of(), LEAF, false)),
          "default", DEFAULT_BLOCK,
          "caches", new KeySchema(Kind.NAMED, Map.of(), CACHE, false)));

  /** What a value of this schema looks like, for "wrong type" messages. */
  String describe() {
    switch (kind) {
      case OBJECT:
        return "an object with the keys " + children.keySet();
      case NAMED:
        return "an object of named entries";
      case LIST:
        return element.kind == Kind.LEAF ? "a list of single values"
            : "a list of objects with the keys " + element.children.keySet();
      default:
        return "a single value";
    }
  }
}

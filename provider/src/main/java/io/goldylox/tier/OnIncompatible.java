package io.goldylox.tier;

/** What a {@link DiskTier} does when its directory holds entries written for other key or value classes. */
public enum OnIncompatible {
  /** Delete the old entries and start empty. */
  WIPE,
  /** Refuse to open, with an exception naming the path and both class pairs (the default). */
  FAIL
}

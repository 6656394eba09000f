package io.goldylox.event;

import java.io.Closeable;

/** Closes user-supplied objects that may implement {@link Closeable}, logging rather than throwing. */
public final class Closeables {
  private static final System.Logger LOG = System.getLogger(Closeables.class.getName());

  private Closeables() {}

  public static void closeQuietly(Object resource) {
    if (resource instanceof Closeable) {
      try {
        ((Closeable) resource).close();
      } catch (Exception | LinkageError e) {
        LOG.log(System.Logger.Level.WARNING, "Closing " + resource.getClass().getName() + " failed", e);
      }
    }
  }
}

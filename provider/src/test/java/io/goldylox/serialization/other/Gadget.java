package io.goldylox.serialization.other;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands for a gadget: a class whose deserialization runs code ({@code readObject}, {@code readResolve}). The
 * counters tell whether it was ever instantiated from bytes. In a package of its own, so that allow-lists of the
 * test package do not cover it.
 */
public final class Gadget implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final AtomicInteger READ_OBJECT = new AtomicInteger();
  public static final AtomicInteger READ_RESOLVE = new AtomicInteger();
  public String command = "touch /tmp/pwned";

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    READ_OBJECT.incrementAndGet();
    in.defaultReadObject();
  }

  private Object readResolve() {
    READ_RESOLVE.incrementAndGet();
    return this;
  }

  public static int instantiations() {
    return READ_OBJECT.get() + READ_RESOLVE.get();
  }
}

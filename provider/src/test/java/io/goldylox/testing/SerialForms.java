package io.goldylox.testing;

import java.io.Serializable;

/**
 * Value classes whose serial form is a class nested in them, for the tests of what a class policy allows with a
 * declared type: an enum whose constants have bodies ({@code Op$1}, {@code Op$2}) and a value written through a
 * serialization proxy ({@code Money$Proxy}, Effective Java's pattern).
 */
public final class SerialForms {

  private SerialForms() {}

  /** Each constant is an instance of a class nested in the enum. */
  public enum Op {
    ADD {
      @Override
      public int apply(int a, int b) {
        return a + b;
      }
    },
    SUB {
      @Override
      public int apply(int a, int b) {
        return a - b;
      }
    };

    public abstract int apply(int a, int b);
  }

  /** Written as its {@code Proxy}; equal by class and amount (so a subclass is never equal to it). */
  public static class Money implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long cents;

    public Money(long cents) {
      this.cents = cents;
    }

    public long cents() {
      return cents;
    }

    private Object writeReplace() {
      return new Proxy(cents);
    }

    @Override
    public boolean equals(Object o) {
      return o != null && o.getClass() == getClass() && ((Money) o).cents == cents;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(cents);
    }

    @Override
    public String toString() {
      return getClass().getSimpleName() + "[" + cents + "]";
    }

    private static final class Proxy implements Serializable {
      private static final long serialVersionUID = 1L;
      private final long cents;

      Proxy(long cents) {
        this.cents = cents;
      }

      private Object readResolve() {
        return new Money(cents);
      }
    }
  }
}

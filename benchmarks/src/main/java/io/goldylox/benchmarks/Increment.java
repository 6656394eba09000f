package io.goldylox.benchmarks;

import java.io.Serializable;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.MutableEntry;

/**
 * The entry processor of the {@code invoke} benchmark: replaces the value by its next version (an increment),
 * returns nothing. Stateless, so one instance serves every thread.
 */
public final class Increment implements EntryProcessor<Long, Payload, Object>, Serializable {

  private static final long serialVersionUID = 1L;

  public static final Increment INSTANCE = new Increment();

  @Override
  public Object process(MutableEntry<Long, Payload> entry, Object... arguments) {
    Payload value = entry.getValue();
    if (value != null) {
      entry.setValue(value.next());
    }
    return null;
  }
}

package io.goldylox.event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import javax.cache.Cache;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.EventType;

/**
 * The listeners of one cache and the routing of its events to them.
 *
 * <p>Mutating threads ask {@link #wants} before building an event, so a cache with no listener for a type
 * builds none. Inside a key's atomic step they call {@link #publish}: asynchronous registrations get the event
 * queued at once (which fixes per-key order), synchronous ones are collected in a {@link SyncEvents} batch that
 * the mutating thread runs with {@link SyncEvents#deliver()} once the key is released, before the operation
 * returns.
 *
 * <p>The registration list is a copy-on-write array: reads are a volatile load; registering and deregistering
 * (rare management calls) copy it under this object's monitor.
 */
public final class EventDispatcher<K, V> {

  @SuppressWarnings("rawtypes")
  private static final ListenerRegistration[] NONE = new ListenerRegistration[0];

  private final Cache<K, V> source;
  private final AsyncLanes.Settings asyncSettings;
  @SuppressWarnings("unchecked")
  private volatile ListenerRegistration<K, V>[] registrations = NONE;
  private volatile int typeMask;
  private volatile boolean oldValueRequired;
  /** Drops and failures of listeners already deregistered, so the totals never go backwards. */
  private final java.util.concurrent.atomic.LongAdder retiredDropped = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder retiredFailed = new java.util.concurrent.atomic.LongAdder();

  public EventDispatcher(Cache<K, V> source, Executor asyncExecutor, long maxPendingPerListener) {
    this.source = source;
    this.asyncSettings = new AsyncLanes.Settings(asyncExecutor, maxPendingPerListener);
  }

  /** Whether any listener wants events of {@code type}. */
  public boolean wants(EventType type) {
    return (typeMask & ListenerRegistration.bit(type)) != 0;
  }

  /** Whether any listener wants old values (otherwise they are not materialised). */
  public boolean isOldValueRequired() {
    return oldValueRequired;
  }

  /** Registers a listener built from {@code configuration}; a duplicate configuration is rejected. */
  public synchronized void register(CacheEntryListenerConfiguration<K, V> configuration) {
    for (ListenerRegistration<K, V> registration : registrations) {
      if (registration.configuration.equals(configuration)) {
        throw new IllegalArgumentException("This CacheEntryListenerConfiguration is already registered");
      }
    }
    ListenerRegistration<K, V> added = new ListenerRegistration<>(configuration, asyncSettings);
    ListenerRegistration<K, V>[] next = Arrays.copyOf(registrations, registrations.length + 1);
    next[next.length - 1] = added;
    publishRegistrations(next);
  }

  /** Deregisters the listener of {@code configuration}; returns whether there was one. */
  public synchronized boolean deregister(CacheEntryListenerConfiguration<K, V> configuration) {
    ListenerRegistration<K, V>[] current = registrations;
    for (int i = 0; i < current.length; i++) {
      if (current[i].configuration.equals(configuration)) {
        ListenerRegistration<K, V>[] next = Arrays.copyOf(current, current.length - 1);
        System.arraycopy(current, i + 1, next, i, current.length - i - 1);
        publishRegistrations(next);
        retire(current[i]);
        return true;
      }
    }
    return false;
  }

  private void retire(ListenerRegistration<K, V> registration) {
    if (registration.lanes != null) {
      retiredDropped.add(registration.lanes.droppedEvents());
      retiredFailed.add(registration.lanes.failedDeliveries());
    }
    registration.close();
  }

  private void publishRegistrations(ListenerRegistration<K, V>[] next) {
    int mask = 0;
    boolean old = false;
    for (ListenerRegistration<K, V> registration : next) {
      mask |= registration.typeMask();
      old |= registration.isOldValueRequired();
    }
    registrations = next;
    typeMask = mask;
    oldValueRequired = old;
  }

  /**
   * Publishes an event from inside the key's atomic step: queued for asynchronous listeners now, added to
   * {@code sync} for synchronous ones. Returns the batch to deliver (created on demand; {@code null} if none).
   */
  public SyncEvents<K, V> publish(EventType type, K key, V value, V oldValue, SyncEvents<K, V> sync) {
    boolean oldAvailable = type != EventType.CREATED && oldValue != null;
    GoldyloxCacheEntryEvent<K, V> event = new GoldyloxCacheEntryEvent<>(
        source, type, key, value, oldAvailable ? oldValue : null, oldAvailable);
    for (ListenerRegistration<K, V> registration : registrations) {
      if (!registration.wants(type)) {
        continue;
      }
      if (registration.lanes != null) {
        registration.lanes.enqueue(event);
      } else {
        if (sync == null) {
          sync = new SyncEvents<>();
        }
        sync.add(registration, event);
      }
    }
    return sync;
  }

  /** Events queued for asynchronous listeners and not yet delivered, over all listeners. */
  public long pendingAsyncEvents() {
    long sum = 0;
    for (ListenerRegistration<K, V> registration : registrations) {
      if (registration.lanes != null) {
        sum += registration.lanes.pendingEvents();
      }
    }
    return sum;
  }

  /** Events dropped because an asynchronous listener was too far behind, over all listeners ever registered. */
  public long droppedAsyncEvents() {
    long sum = retiredDropped.sum();
    for (ListenerRegistration<K, V> registration : registrations) {
      if (registration.lanes != null) {
        sum += registration.lanes.droppedEvents();
      }
    }
    return sum;
  }

  /** Asynchronous deliveries that threw, over all listeners ever registered. */
  public long failedAsyncDeliveries() {
    long sum = retiredFailed.sum();
    for (ListenerRegistration<K, V> registration : registrations) {
      if (registration.lanes != null) {
        sum += registration.lanes.failedDeliveries();
      }
    }
    return sum;
  }

  /** Deregisters and closes every listener. */
  @SuppressWarnings("unchecked")
  public synchronized void close() {
    ListenerRegistration<K, V>[] current = registrations;
    publishRegistrations(NONE);
    for (ListenerRegistration<K, V> registration : current) {
      retire(registration);
    }
  }

  /**
   * Synchronous events of one operation, delivered by the mutating thread after it released the key.
   * Not thread-safe: owned by one operation.
   */
  public static final class SyncEvents<K, V> {
    private final List<ListenerRegistration<K, V>> targets = new ArrayList<>(2);
    private final List<GoldyloxCacheEntryEvent<K, V>> events = new ArrayList<>(2);

    void add(ListenerRegistration<K, V> registration, GoldyloxCacheEntryEvent<K, V> event) {
      targets.add(registration);
      events.add(event);
    }

    /** Appends the events of another batch (multi-key operations deliver once, at the end). */
    public SyncEvents<K, V> addAll(SyncEvents<K, V> other) {
      if (other != null) {
        targets.addAll(other.targets);
        events.addAll(other.events);
      }
      return this;
    }

    /**
     * Delivers every event in order. The first listener exception is rethrown as a
     * {@link CacheEntryListenerException} after the remaining events were delivered.
     */
    public void deliver() {
      RuntimeException failure = null;
      for (int i = 0; i < events.size(); i++) {
        try {
          targets.get(i).deliver(events.get(i));
        } catch (CacheEntryListenerException e) {
          failure = failure == null ? e : failure;
        } catch (RuntimeException e) {
          failure = failure == null ? new CacheEntryListenerException(e) : failure;
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
  }
}

package io.goldylox.event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
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
 * returns. To keep one key's synchronous events in the order of its changes across callers, a step that collects
 * any takes a {@link Ticket} inside the step, and a delivery waits for the key's previous ticket to be delivered
 * (or given up) before its own; deliveries made inside a step or another delivery do not wait ({@link Nesting}), so
 * a listener or entry processor that changes other keys cannot close a cycle of waits. A caller thus waits only
 * for other callers' synchronous listeners of the same key, which the spec's ordering asks for.
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
  /**
   * The last synchronous delivery ticket of each key whose synchronous events are not all delivered yet: a step
   * takes a ticket inside the key's atomic step (so tickets of one key follow its changes), and its deliverer waits
   * for the ticket before it, so synchronous listeners see one key's events in the order of its changes.
   */
  private final ConcurrentHashMap<Object, Ticket> lastTickets = new ConcurrentHashMap<>();

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
    Ticket ticket = null;
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
        if (ticket == null) {
          ticket = new Ticket(lastTickets, key);
          Ticket previous = lastTickets.put(key, ticket);
          ticket.previous = previous == null || previous.isDone() ? null : previous;
        }
        sync.add(registration, event, ticket);
      }
    }
    return sync;
  }

  /**
   * One step's place in the order of a key's synchronous deliveries. Taken inside the key's atomic step by the
   * thread that then delivers; done once its events are delivered (or will never be).
   */
  static final class Ticket {
    private final ConcurrentHashMap<Object, Ticket> lastTickets;
    private final Object key;
    private final Thread owner = Thread.currentThread();
    private final CountDownLatch done = new CountDownLatch(1);
    /** The key's ticket before this one, still undelivered when this one was taken; read by the owner only. */
    private Ticket previous;

    Ticket(ConcurrentHashMap<Object, Ticket> lastTickets, Object key) {
      this.lastTickets = lastTickets;
      this.key = key;
    }

    boolean isDone() {
      return done.getCount() == 0;
    }

    /**
     * Waits until the key's earlier synchronous events are delivered. Not when the earlier ones are this thread's
     * own (a listener that changes the key it is told about: its events are delivered nested, as a lock would).
     */
    void awaitTurn() {
      Ticket before = previous;
      if (before == null || before.owner == Thread.currentThread()) {
        return;
      }
      boolean interrupted = false;
      for (;;) {
        try {
          before.done.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      previous = null;
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    /** Marks this ticket's events delivered or given up (by its owner). */
    void finish() {
      previous = null; // a nested delivery never waited: let go of the earlier ticket, so no chain of them builds up
      if (!isDone()) {
        done.countDown();
        lastTickets.remove(key, this);
      }
    }
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
    private final List<Ticket> tickets = new ArrayList<>(2);

    void add(ListenerRegistration<K, V> registration, GoldyloxCacheEntryEvent<K, V> event, Ticket ticket) {
      targets.add(registration);
      events.add(event);
      tickets.add(ticket);
    }

    /** Appends the events of another batch (multi-key operations deliver once, at the end). */
    public SyncEvents<K, V> addAll(SyncEvents<K, V> other) {
      if (other != null) {
        targets.addAll(other.targets);
        events.addAll(other.events);
        tickets.addAll(other.tickets);
      }
      return this;
    }

    /** Gives up delivering these events (their operation failed after its step): later ones need not wait. */
    public void abandon() {
      for (Ticket ticket : tickets) {
        ticket.finish();
      }
    }

    /**
     * Delivers every event in order. The first listener exception is rethrown as a
     * {@link CacheEntryListenerException} after the remaining events were delivered.
     */
    public void deliver() {
      RuntimeException failure = null;
      int[] depth = Nesting.enter();
      // Only a delivery that is not inside a step or another delivery waits for the key's earlier events (Nesting).
      boolean ordered = depth[0] == 1;
      try {
        for (int i = 0; i < events.size(); i++) {
          Ticket ticket = tickets.get(i);
          if (ordered) {
            ticket.awaitTurn();
          }
          try {
            targets.get(i).deliver(events.get(i));
          } catch (CacheEntryListenerException e) {
            failure = failure == null ? e : failure;
          } catch (RuntimeException e) {
            failure = failure == null ? new CacheEntryListenerException(e) : failure;
          }
          if (i + 1 == events.size() || tickets.get(i + 1) != ticket) {
            ticket.finish();
          }
        }
      } finally {
        Nesting.exit(depth);
        abandon();
      }
      if (failure != null) {
        throw failure;
      }
    }
  }
}

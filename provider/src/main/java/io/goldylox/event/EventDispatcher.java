package io.goldylox.event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
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
 * <h2>One key's order across callers</h2>
 * Each synchronous listener sees one key's events in the order of its changes, as the spec asks. A step that
 * publishes an event for a synchronous listener takes a {@link Ticket} of that listener for its key inside the
 * step (so a key's tickets follow its changes), and its delivery first waits for the listener's previous ticket
 * of the key to be delivered or given up. A caller thus waits only for other callers' deliveries of the same key
 * to the same listener. Three rules keep that wait from closing a cycle:
 * <ul>
 *   <li>A delivery inside an atomic step (an entry processor, loader or writer that changed the cache) does not
 *   wait ({@link Nesting}): it holds a key the other thread may need.</li>
 *   <li>A delivery asked for during another delivery (a listener that changed the cache) is deferred to the end of
 *   the outer delivery, whose tickets are all done by then; a {@code loadAll} started there runs as nested.</li>
 *   <li>No wait is longer than {@link #ORDER_WAIT_PROPERTY} (default 1 s): a listener that hands a change of its
 *   key to a thread of its own and waits for it is the spec's "listener that mutates the cache", which may
 *   deadlock; here it costs that bound once, the two deliveries may then come in either order, and it is counted
 *   ({@link #orderWaitTimeouts()}) and logged.</li>
 * </ul>
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
  private final LongAdder retiredDropped = new LongAdder();
  private final LongAdder retiredFailed = new LongAdder();

  /** The system property bounding, in milliseconds, a delivery's wait for the key's earlier events. */
  public static final String ORDER_WAIT_PROPERTY = "goldylox.listener.order-wait-ms";
  static final long ORDER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong(ORDER_WAIT_PROPERTY, 1_000L));
  private static final long TIMEOUT_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final LongAdder orderWaitTimeouts = new LongAdder();
  private final AtomicLong lastTimeoutLogNanos = new AtomicLong(System.nanoTime() - TIMEOUT_LOG_INTERVAL_NANOS);

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
        // One key's order is kept per listener: a change waits only for earlier events of the same listener.
        Ticket ticket = new Ticket(key, registration.lastTickets);
        Object previous = registration.lastTickets.put(key, ticket);
        @SuppressWarnings("unchecked")
        Ticket before = (Ticket) previous;
        ticket.previous = before == null || before.isDone() ? null : before;
        sync.add(registration, event, ticket);
      }
    }
    return sync;
  }

  /** Deliveries that stopped waiting for a key's earlier synchronous events after the bound, since creation. */
  public long orderWaitTimeouts() {
    return orderWaitTimeouts.sum();
  }

  private void orderWaitTimedOut(Object key) {
    orderWaitTimeouts.increment();
    long now = System.nanoTime();
    long last = lastTimeoutLogNanos.get();
    if (now - last >= TIMEOUT_LOG_INTERVAL_NANOS && lastTimeoutLogNanos.compareAndSet(last, now)) {
      System.getLogger(EventDispatcher.class.getName()).log(System.Logger.Level.WARNING, "Cache " + source.getName()
          + ": a synchronous delivery for key " + key + " waited " + TimeUnit.NANOSECONDS.toMillis(ORDER_WAIT_NANOS)
          + " ms for the key's earlier events and went ahead; their listeners may see the two in either order. Is a"
          + " synchronous listener waiting for another thread that changes the key it is told about? ("
          + orderWaitTimeouts.sum() + " such deliveries so far; this is logged at most once a minute; "
          + ORDER_WAIT_PROPERTY + " sets the bound)");
    }
  }

  /**
   * One step's place in the order of its key's synchronous deliveries: taken inside the key's atomic step by the
   * thread that then delivers, done once its events are delivered or will never be.
   */
  final class Ticket {
    private final Object key;
    /** The listener's map of each key's last ticket, which this one leaves when done. */
    private final ConcurrentHashMap<Object, Object> lastTickets;
    private final Thread owner = Thread.currentThread();
    private final CountDownLatch done = new CountDownLatch(1);
    /** The key's ticket before this one, undelivered when this one was taken; touched by the owner only. */
    private Ticket previous;

    Ticket(Object key, ConcurrentHashMap<Object, Object> lastTickets) {
      this.key = key;
      this.lastTickets = lastTickets;
    }

    boolean isDone() {
      return done.getCount() == 0;
    }

    /**
     * Waits, at most {@link #ORDER_WAIT_NANOS}, until the key's earlier events are delivered; not for earlier
     * events of this very thread (two steps of one operation, delivered in their order anyway).
     */
    void awaitTurn() {
      Ticket before = previous;
      previous = null; // waited for at most once, and not kept reachable from here
      if (before == null || before.owner == owner) {
        return;
      }
      boolean interrupted = false;
      long deadline = System.nanoTime() + ORDER_WAIT_NANOS;
      try {
        while (true) {
          try {
            if (!before.done.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
              orderWaitTimedOut(key);
            }
            return;
          } catch (InterruptedException e) {
            interrupted = true; // the listener's caller decides about interrupts: keep the order, keep the flag
          }
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Marks this ticket's events delivered or given up. */
    void finish() {
      previous = null;
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
   * Synchronous events of one operation, delivered by the mutating thread after it released the key(s); each with
   * the ticket of its step, in the order of the steps. Not thread-safe: owned by one operation.
   */
  public static final class SyncEvents<K, V> {
    private final List<ListenerRegistration<K, V>> targets = new ArrayList<>(2);
    private final List<GoldyloxCacheEntryEvent<K, V>> events = new ArrayList<>(2);
    private final List<EventDispatcher<K, V>.Ticket> tickets = new ArrayList<>(2);

    void add(ListenerRegistration<K, V> registration, GoldyloxCacheEntryEvent<K, V> event,
        EventDispatcher<K, V>.Ticket ticket) {
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

    /**
     * Gives these events up (their operation failed after its step published them): they are not delivered. A
     * caller outside any step or delivery first waits its turn, as a delivery would, so that the key's later
     * events, which will not wait for these, still come after the earlier ones. Idempotent.
     */
    public void abandon() {
      Nesting nesting = Nesting.current();
      boolean ordered = nesting.steps == 0 && nesting.deliveries == 0;
      for (EventDispatcher<K, V>.Ticket ticket : tickets) {
        if (!ticket.isDone()) {
          if (ordered) {
            ticket.awaitTurn();
          }
          ticket.finish();
        }
      }
    }

    /** Marks every ticket done (after a delivery, or an error that ended it). */
    private void finishAll() {
      for (EventDispatcher<K, V>.Ticket ticket : tickets) {
        ticket.finish();
      }
    }

    /**
     * Delivers every event in order, each after the key's earlier events (see {@link EventDispatcher}); asked for
     * during another delivery, defers them to the end of it. The first listener exception is rethrown as a
     * {@link CacheEntryListenerException} after the remaining events were delivered (that of a deferred batch by
     * the outer delivery).
     */
    public void deliver() {
      Nesting nesting = Nesting.current();
      if (nesting.deliveries > 0) {
        nesting.deferred.add(this);
        return;
      }
      boolean ordered = nesting.steps == 0;
      RuntimeException failure = null;
      nesting.deliveries++;
      try {
        failure = deliverEach(ordered, null);
        // Changes the listeners made, in order (the list may grow while it is walked).
        for (int i = 0; i < nesting.deferred.size(); i++) {
          failure = nesting.deferred.get(i).deliverEach(ordered, failure);
        }
      } finally {
        nesting.deliveries--;
        finishAll();
        for (SyncEvents<?, ?> deferred : nesting.deferred) {
          deferred.finishAll();
        }
        nesting.deferred.clear();
      }
      if (failure != null) {
        throw failure;
      }
    }

    private RuntimeException deliverEach(boolean ordered, RuntimeException failure) {
      for (int i = 0; i < events.size(); i++) {
        EventDispatcher<K, V>.Ticket ticket = tickets.get(i);
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
      return failure;
    }
  }
}

package io.goldylox.event;

import java.io.Closeable;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Factory;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.event.EventType;

/**
 * One registered listener: the configuration it came from, the listener and filter its factories made, the
 * event types it wants, and, when asynchronous, its {@link AsyncLanes}. Immutable after construction; used by
 * mutating threads (filtering and delivering synchronous events) and by async workers.
 */
final class ListenerRegistration<K, V> {

  final CacheEntryListenerConfiguration<K, V> configuration;
  private final CacheEntryListener<? super K, ? super V> listener;
  private final CacheEntryEventFilter<? super K, ? super V> filter;
  private final int typeMask;
  /** Lanes of an asynchronous listener; {@code null} for a synchronous one. */
  final AsyncLanes lanes;
  /**
   * A synchronous listener's last undelivered ticket of each key ({@link EventDispatcher}: the order of one key's
   * events); a ticket removes itself when done. Written by callers' threads inside the key's step.
   */
  final java.util.concurrent.ConcurrentHashMap<Object, Object> lastTickets =
      new java.util.concurrent.ConcurrentHashMap<>();
  /** Set when the listener is deregistered (and closed): it is then never called again. */
  private volatile boolean retired;

  ListenerRegistration(CacheEntryListenerConfiguration<K, V> configuration, AsyncLanes.Settings async) {
    this.configuration = configuration;
    Factory<CacheEntryListener<? super K, ? super V>> listenerFactory =
        configuration.getCacheEntryListenerFactory();
    if (listenerFactory == null) {
      throw new IllegalArgumentException("The CacheEntryListenerConfiguration has no listener factory");
    }
    this.listener = listenerFactory.create();
    Factory<CacheEntryEventFilter<? super K, ? super V>> filterFactory =
        configuration.getCacheEntryEventFilterFactory();
    this.filter = filterFactory == null ? null : filterFactory.create();
    int mask = 0;
    if (listener instanceof CacheEntryCreatedListener) {
      mask |= bit(EventType.CREATED);
    }
    if (listener instanceof CacheEntryUpdatedListener) {
      mask |= bit(EventType.UPDATED);
    }
    if (listener instanceof CacheEntryRemovedListener) {
      mask |= bit(EventType.REMOVED);
    }
    if (listener instanceof CacheEntryExpiredListener) {
      mask |= bit(EventType.EXPIRED);
    }
    this.typeMask = mask;
    this.lanes = configuration.isSynchronous() ? null : new AsyncLanes(async, this::deliver);
  }

  static int bit(EventType type) {
    return 1 << type.ordinal();
  }

  int typeMask() {
    return typeMask;
  }

  boolean wants(EventType type) {
    return (typeMask & bit(type)) != 0;
  }

  boolean isOldValueRequired() {
    return configuration.isOldValueRequired();
  }

  /** Filters and delivers one event on the current thread; the listener's exceptions propagate. */
  @SuppressWarnings("unchecked")
  void deliver(GoldyloxCacheEntryEvent<K, V> event) {
    if (retired) {
      return; // collected before the deregistration, delivered after it: the listener is closed
    }
    if (filter != null && (!filter.evaluate(event) || retired)) {
      return; // retired while the filter ran (it may take long): deregistration has returned by now
    }
    Iterable<CacheEntryEvent<? extends K, ? extends V>> events = java.util.List.of(event);
    switch (event.getEventType()) {
      case CREATED:
        ((CacheEntryCreatedListener<K, V>) listener).onCreated(events);
        break;
      case UPDATED:
        ((CacheEntryUpdatedListener<K, V>) listener).onUpdated(events);
        break;
      case REMOVED:
        ((CacheEntryRemovedListener<K, V>) listener).onRemoved(events);
        break;
      case EXPIRED:
        ((CacheEntryExpiredListener<K, V>) listener).onExpired(events);
        break;
      default:
        throw new AssertionError(event.getEventType());
    }
  }

  /** Closes the listener and filter if they are {@link Closeable}; failures are logged, not thrown. */
  void close() {
    retired = true;
    if (lanes != null) {
      lanes.close();
    }
    Closeables.closeQuietly(listener);
    Closeables.closeQuietly(filter);
  }
}

package io.goldylox.serialization;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Set;
import java.util.UUID;

/**
 * Knows the classes whose instances can be shared instead of copied: they cannot change after construction,
 * so store-by-value keeps the caller's object itself. The answer per class is computed once and cached in a
 * {@link ClassValue}, so the check on the hot path is one lookup.
 */
public final class ImmutableTypes {

  private static final Set<Class<?>> EXACT = Set.of(
      String.class, Boolean.class, Character.class, Byte.class, Short.class, Integer.class, Long.class,
      Float.class, Double.class, BigDecimal.class, BigInteger.class, UUID.class,
      Instant.class, LocalDate.class, LocalTime.class, LocalDateTime.class, OffsetDateTime.class,
      OffsetTime.class, ZonedDateTime.class, Duration.class, Period.class, Year.class, YearMonth.class,
      MonthDay.class, ZoneOffset.class, Class.class);

  private static final ClassValue<Boolean> IMMUTABLE = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      // BigDecimal and BigInteger are not final: a subclass could add mutable state, so match them exactly.
      return EXACT.contains(type) || type.isEnum()
          || (type.getSuperclass() != null && type.getSuperclass().isEnum())
          || java.time.ZoneId.class.isAssignableFrom(type) && type.getName().startsWith("java.time.");
    }
  };

  private ImmutableTypes() {}

  /** Whether instances of exactly this class never change after construction. */
  public static boolean isImmutable(Class<?> type) {
    return IMMUTABLE.get(type);
  }
}

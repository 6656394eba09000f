package io.goldylox.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.internal.CacheEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.Test;

/**
 * The write-behind benchmark's floors rest on {@link RecordingWriter}: what it records, the order in which its
 * shadow floor meets each call, and the rhythm of its paced replay. Checked with writers that log what they get.
 */
class RecordingWriterTest {

  /** Logs "name:kind:keys" for every call, into a log shared with another writer, and empties the collection. */
  private static final class LoggingWriter implements CacheWriter<String, String> {
    final String name;
    final List<String> log;
    final List<Long> callNanos = new ArrayList<>();
    /** How long each call takes (sleeping), to tell one writer's time from the other's. */
    final long sleepMillis;

    LoggingWriter(String name, List<String> log) {
      this(name, log, 0);
    }

    LoggingWriter(String name, List<String> log, long sleepMillis) {
      this.name = name;
      this.log = log;
      this.sleepMillis = sleepMillis;
    }

    private void take() {
      if (sleepMillis > 0) {
        try {
          Thread.sleep(sleepMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      callNanos.add(System.nanoTime());
      take();
      StringBuilder keys = new StringBuilder();
      for (Cache.Entry<? extends String, ? extends String> e : entries) {
        keys.append(e.getKey()).append('=').append(e.getValue()).append(' ');
      }
      log.add(name + ":write:" + keys.toString().trim());
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      callNanos.add(System.nanoTime());
      take();
      log.add(name + ":delete:" + String.join(" ", keys.stream().map(String::valueOf).toList()));
      keys.clear();
    }
  }

  private static List<Cache.Entry<? extends String, ? extends String>> entries(String... keyValues) {
    List<Cache.Entry<? extends String, ? extends String>> entries = new ArrayList<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      entries.add(new CacheEntry<>(keyValues[i], keyValues[i + 1]));
    }
    return entries;
  }

  @Test
  void theShadowMakesEveryCallAgainGoingFirstOnEveryOtherCallOfEachKind() {
    List<String> log = new ArrayList<>();
    // The real writer takes 100 ms a call, the shadow no time: the shadow's time must not hold the real one's.
    RecordingWriter recording = new RecordingWriter(new LoggingWriter("real", log, 100), false,
        new LoggingWriter("shadow", log));

    // The flusher's pattern: a writeAll and a deleteAll per batch.
    recording.writeAll(entries("a", "1", "b", "2"));
    recording.deleteAll(new ArrayList<>(List.of("c")));
    recording.writeAll(entries("a", "3"));
    recording.deleteAll(new ArrayList<>(List.of("d", "e")));

    assertThat(log).containsExactly(
        "shadow:write:a=1 b=2", "real:write:a=1 b=2",
        "shadow:delete:c", "real:delete:c",
        "real:write:a=3", "shadow:write:a=3",
        "real:delete:d e", "shadow:delete:d e");
    assertThat(recording.calls()).hasSize(4);
    assertThat(recording.calls().get(0).keys()).containsExactly("a", "b");
    assertThat(recording.calls().get(0).values()).containsExactly("1", "2");
    assertThat(recording.calls().get(3).delete()).isTrue();
    assertThat(RecordingWriter.entries(recording.calls())).isEqualTo(6);
    assertThat(recording.shadowNanos()).isPositive().isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(recording.shadowCpuNanos()).isNotNegative().isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
  }

  @Test
  void withoutAShadowOnlyTheRealWriterIsCalled() {
    List<String> log = new ArrayList<>();
    RecordingWriter recording = new RecordingWriter(new LoggingWriter("real", log), false);

    recording.writeAll(entries("a", "1"));
    recording.deleteAll(new ArrayList<>(List.of("a")));

    assertThat(log).containsExactly("real:write:a=1", "real:delete:a");
    assertThat(recording.shadowNanos()).isZero();
  }

  @Test
  void theBackToBackReplayMakesTheRecordedCallsInOrder() {
    List<String> log = new ArrayList<>();
    List<RecordingWriter.Call> calls = List.of(
        new RecordingWriter.Call(false, List.of("a", "b"), List.of("1", "2"), 0L),
        new RecordingWriter.Call(true, List.of("c"), null, 5L));

    long nanos = RecordingWriter.replay(calls, new LoggingWriter("floor", log));

    assertThat(log).containsExactly("floor:write:a=1 b=2", "floor:delete:c");
    assertThat(nanos).isPositive();
  }

  @Test
  void thePacedReplayKeepsTheRecordedOffsetsAndCountsOnlyTheTimeInsideTheCalls() {
    List<String> log = new ArrayList<>();
    LoggingWriter writer = new LoggingWriter("paced", log);
    long base = 1_000_000L;
    long gap = TimeUnit.MILLISECONDS.toNanos(100);
    List<RecordingWriter.Call> calls = List.of(
        new RecordingWriter.Call(false, List.of("a"), List.of("1"), base),
        new RecordingWriter.Call(true, List.of("b"), null, base + gap),
        new RecordingWriter.Call(false, List.of("c"), List.of("3"), base + 2 * gap));

    long start = System.nanoTime();
    long inside = RecordingWriter.replayPaced(calls, writer);
    long wall = System.nanoTime() - start;

    assertThat(log).containsExactly("paced:write:a=1", "paced:delete:b", "paced:write:c=3");
    // Never early: each call starts at least its recorded offset (from the first call's) after the replay began.
    assertThat(writer.callNanos.get(1) - start).isGreaterThanOrEqualTo(gap);
    assertThat(writer.callNanos.get(2) - start).isGreaterThanOrEqualTo(2 * gap);
    // The waits are not counted: three calls that take no time add up to far less than one gap between them.
    assertThat(inside).isPositive().isLessThan(gap);
    assertThat(wall).isGreaterThanOrEqualTo(2 * gap);
  }

  @Test
  void aPacedReplayOfNothingTakesNoTime() {
    assertThat(RecordingWriter.replayPaced(List.of(), new LoggingWriter("paced", new ArrayList<>()))).isZero();
  }
}

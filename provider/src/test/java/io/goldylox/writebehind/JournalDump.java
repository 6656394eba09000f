package io.goldylox.writebehind;

import io.goldylox.serialization.JavaSerializer;
import java.nio.file.Path;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/** Test diagnostics: the records of one key still in a (closed) journal, and the checkpoint. */
final class JournalDump {

  private JournalDump() {}

  static String of(Path directory, String key) {
    StringBuilder out = new StringBuilder();
    long checkpoint = new Checkpoint(directory, false).read();
    out.append("checkpoint=").append(Long.toHexString(checkpoint)).append('\n');
    JavaSerializer serializer = new JavaSerializer();
    try (ChronicleJournal journal = ChronicleJournal.open(directory, ChronicleJournal.DEFAULT_ROLL_CYCLE)) {
      ExcerptTailer tailer = journal.tailerAt(-1);
      long count = 0;
      long first = -1;
      while (true) {
        try (DocumentContext dc = tailer.readingDocument()) {
          if (!dc.isPresent()) {
            break;
          }
          JournalRecord r = JournalRecord.read(dc.wire().bytes(), dc.index(), directory);
          if (first < 0) {
            first = r.index;
          }
          count++;
          Object k = serializer.deserialize(r.key, null);
          if (key.equals(k)) {
            out.append(Long.toHexString(r.index)).append(" seq=").append(r.sequence).append(' ')
                .append(r.isDelete() ? "D" : "P " + serializer.deserialize(r.value, null)).append(" attempts=")
                .append(r.attempts).append('\n');
          }
        }
      }
      tailer.close();
      out.append("records=").append(count).append(" first=").append(Long.toHexString(first)).append('\n');
    }
    return out.toString();
  }
}

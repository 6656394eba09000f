package io.goldylox.tier;

import io.goldylox.serialization.JavaSerializer;
import io.goldylox.serialization.Serializer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.zip.CRC32C;
import javax.cache.CacheException;

/**
 * The metadata file of a {@link DiskTier} ({@value DiskTier#META_FILE}) and the decision, at open, whether the
 * segments in a directory may be read by this cache: same key and value classes, and records in a format its
 * serializer reads.
 *
 * <p>Format 2 (this one) records the serializer's format name ({@code fory} or {@code java}). Every record's bytes
 * start with that serializer's format byte, and Fory's reader also reads Java serialization's records, so a tier
 * written by {@code java} opens under {@code fory} (and is recorded as {@code fory} from then on, since new records
 * are Fory's); the other way round is incompatible. Format 1 (before the serializer was recorded) was written by
 * Java serialization, the default then, or by the opt-in Fory of that time, whose records carry no format byte.
 * Such a directory is read only when its records are recognisably Java serialization's: at least one starts with
 * the Java stream magic or a compact {@code String}/{@code Integer} tag, which a Fory stream never does, and none
 * is anything but those or a 9-byte compact {@code Long}. Otherwise (a Fory directory, or one of only
 * {@code Long}s, which a Fory stream can imitate) it is incompatible: {@link OnIncompatible} wipes it or fails,
 * and nothing is misread. Under {@code java} a format 1 directory is read as before, unless a record is not Java's.
 *
 * <p>Stateless; used once per open, on the opening thread, under the directory's lock.
 */
final class DiskTierFormat {

  static final int FORMAT = 2;

  private static final System.Logger LOG = System.getLogger(DiskTierFormat.class.getName());

  private enum Legacy { EMPTY, JAVA, ONLY_LONGS, OTHER }

  private DiskTierFormat() {}

  /**
   * Checks the metadata of {@code dir} against the cache's types and serializer, applies {@code onIncompatible}
   * to a mismatch, and writes the metadata for this cache.
   *
   * @throws CacheException when the data is incompatible and {@code onIncompatible} is {@link OnIncompatible#FAIL}
   */
  static void check(Path dir, Class<?> keyType, Class<?> valueType, Serializer serializer,
      OnIncompatible onIncompatible) throws IOException {
    Path meta = dir.resolve(DiskTier.META_FILE);
    String journal = null; // kept: what recordJournal wrote, compared when the cache is created
    List<String> formerJournals = List.of();
    if (Files.exists(meta)) {
      Properties stored = new Properties();
      try (var in = Files.newInputStream(meta)) {
        stored.load(in);
      }
      journal = stored.getProperty("journal");
      formerJournals = formerJournals(stored);
      String problem = problem(dir, stored, keyType, valueType, serializer);
      if (problem != null) {
        String what = "Disk tier at " + dir + " " + problem;
        if (onIncompatible == OnIncompatible.FAIL) {
          throw new CacheException(what + "; on-incompatible = fail, so the tier was not opened and nothing was"
              + " deleted (set on-incompatible = wipe to discard the old entries)");
        }
        LOG.log(Level.WARNING, what + "; on-incompatible = wipe: deleting the old entries");
        deleteSegments(dir);
      }
    } else if (!DiskTier.listSegments(dir).isEmpty()) {
      // Segments without metadata: not ours to interpret.
      String what = "Disk tier at " + dir + " holds segment files but no " + DiskTier.META_FILE;
      if (onIncompatible == OnIncompatible.FAIL) {
        throw new CacheException(what + "; on-incompatible = fail, so the tier was not opened (set"
            + " on-incompatible = wipe to discard them)");
      }
      LOG.log(Level.WARNING, what + "; on-incompatible = wipe: deleting them");
      deleteSegments(dir);
    }
    Properties props = new Properties();
    props.setProperty("format", String.valueOf(FORMAT));
    props.setProperty("key-type", keyType.getName());
    props.setProperty("value-type", valueType.getName());
    props.setProperty("serializer", serializer.formatName());
    if (journal != null) {
      props.setProperty("journal", journal);
    }
    setFormerJournals(props, formerJournals);
    Path tmp = dir.resolve(DiskTier.META_FILE + ".tmp");
    try (var out = Files.newOutputStream(tmp)) {
      props.store(out, "Goldylox disk tier");
    }
    Files.move(tmp, meta, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** What makes the stored data unreadable for this cache, or null when it can be read. */
  private static String problem(Path dir, Properties stored, Class<?> keyType, Class<?> valueType,
      Serializer serializer) throws IOException {
    String storedKey = stored.getProperty("key-type");
    String storedValue = stored.getProperty("value-type");
    String storedFormat = stored.getProperty("format");
    if (!keyType.getName().equals(storedKey) || !valueType.getName().equals(storedValue)) {
      return "holds entries with key type " + storedKey + " and value type " + storedValue + ", but the cache is"
          + " configured with key type " + keyType.getName() + " and value type " + valueType.getName();
    }
    String reader = serializer.formatName();
    if (String.valueOf(FORMAT).equals(storedFormat)) {
      String writtenBy = stored.getProperty("serializer");
      return serializer.reads(writtenBy) ? null : "was written by the " + writtenBy + " serializer, which the "
          + reader + " serializer of this cache cannot read (set goldylox.serializer=" + writtenBy + " to read it)";
    }
    if (!"1".equals(storedFormat)) {
      return "has format " + storedFormat + ", which this version of Goldylox does not know (it writes format "
          + FORMAT + ")";
    }
    if (!serializer.reads(JavaSerializer.NAME)) {
      return "has format 1, written by a serializer that was not recorded, which the " + reader + " serializer of"
          + " this cache cannot read";
    }
    Legacy legacy = sniff(dir);
    boolean readable = legacy == Legacy.EMPTY || legacy == Legacy.JAVA
        || (legacy == Legacy.ONLY_LONGS && JavaSerializer.NAME.equals(reader));
    if (readable) {
      LOG.log(Level.INFO, "Disk tier at " + dir + " has format 1 with Java serialization's records; reading them"
          + " with the " + reader + " serializer");
      return null;
    }
    return "has format 1, written by a serializer that was not recorded, and its records "
        + (legacy == Legacy.ONLY_LONGS ? "are all 9-byte values that a Fory stream could imitate"
            : "are not Java serialization's (the opt-in Fory of earlier releases wrote them)")
        + "; they are not read, to be sure nothing is misread"
        + (legacy == Legacy.ONLY_LONGS ? " (set goldylox.serializer=java to read them as Java serialization's)"
            : " (set goldylox.serializer=fory on the release that wrote them and drain the tier first)");
  }

  /** Classifies the key and value bytes of every intact record of a format 1 directory. */
  private static Legacy sniff(Path dir) throws IOException {
    boolean java = false;
    boolean longs = false;
    for (Path file : DiskTier.listSegments(dir)) {
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        long size = channel.size();
        if (size == 0) {
          continue;
        }
        MappedByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        CRC32C crc = new CRC32C();
        int pos = 0;
        while (pos + DiskTier.HEADER <= size) {
          int storedCrc = data.getInt(pos);
          int length = data.getInt(pos + 4);
          if (length < DiskTier.FIXED_BODY || length > size - pos - DiskTier.HEADER) {
            break; // the unwritten end, or damage that recovery truncates: nothing after it is read
          }
          crc.reset();
          crc.update(data.slice(pos + 4, 4 + length));
          if ((int) crc.getValue() != storedCrc) {
            break;
          }
          int body = pos + DiskTier.HEADER;
          int keyLength = data.getInt(body + 9);
          int valueLengthAt = body + 13 + keyLength;
          if (keyLength < 0 || valueLengthAt + 4 > body + length) {
            break;
          }
          List<int[]> parts = new ArrayList<>(2);
          parts.add(new int[] {body + 13, keyLength});
          if (data.get(body) == DiskTier.PUT) {
            parts.add(new int[] {valueLengthAt + 4, data.getInt(valueLengthAt)});
          }
          for (int[] part : parts) {
            switch (classify(data, part[0], part[1])) {
              case JAVA:
                java = true;
                break;
              case ONLY_LONGS:
                longs = true;
                break;
              default:
                return Legacy.OTHER;
            }
          }
          pos = body + length;
        }
      }
    }
    return java ? Legacy.JAVA : longs ? Legacy.ONLY_LONGS : Legacy.EMPTY;
  }

  private static Legacy classify(ByteBuffer data, int offset, int length) {
    if (length <= 0) {
      return Legacy.OTHER;
    }
    byte first = data.get(offset);
    if (first == (byte) 0xAC && length > 1 && data.get(offset + 1) == (byte) 0xED) {
      return Legacy.JAVA;
    }
    if (first == 1 || (first == 3 && length == 5)) {
      return Legacy.JAVA; // JavaSerializer's compact String and Integer; a Fory stream starts with 2
    }
    if (first == 2 && length == 9) {
      return Legacy.ONLY_LONGS;
    }
    return Legacy.OTHER;
  }

  static void deleteSegments(Path dir) throws IOException {
    for (Path segment : DiskTier.listSegments(dir)) {
      Files.deleteIfExists(segment);
    }
  }

  /**
   * Records in the metadata of the tier at {@code dir} the write-behind journal its cache uses now ({@code null}:
   * none), and warns, at every open, about each journal the cache used before that may hold writes not delivered (cycle files, and no mark of a
   * close that left nothing):
   * writes that were not delivered there (a journal path changed, write-behind taken out of the configuration)
   * are not delivered by this cache, and the tier may serve values its writer never received. A former journal
   * is forgotten once its files are gone ({@code Drain} removes them when it has emptied it). Only looks at
   * files: no Chronicle class is loaded for it. A failure to read or write the metadata is logged, never thrown.
   */
  static void recordJournal(Path dir, Path journal, String cacheName) {
    Path meta = dir.resolve(DiskTier.META_FILE);
    try {
      Properties props = new Properties();
      try (var in = Files.newInputStream(meta)) {
        props.load(in);
      }
      String before = props.getProperty("journal");
      List<String> formerBefore = formerJournals(props);
      String now = journal == null ? null : journal.toAbsolutePath().normalize().toString();
      java.util.Set<String> former = new java.util.LinkedHashSet<>(formerBefore);
      if (before != null) {
        former.add(before);
      }
      former.remove(now);
      former.removeIf(path -> !holdsJournalFiles(Path.of(path)));
      if (!former.isEmpty()) {
        LOG.log(Level.WARNING, "Cache '" + cacheName + "': its disk tier " + dir + " was used with the write-behind"
            + " journal" + (former.size() == 1 ? " " : "s ") + String.join(", ", former) + ", which may still"
            + " hold writes not delivered (its last close did not deliver everything, or it never closed), and "
            + (now == null ? "the cache has no write-behind now" : "the cache now uses " + now) + ". Writes not"
            + " delivered from there are not delivered by this cache: see what is left with"
            + " io.goldylox.writebehind.Drain --journal <that directory> --dry-run, and deliver it without"
            + " --dry-run (which removes the emptied journal's files; this WARN then stops).");
      }
      List<String> formerNow = new ArrayList<>(former);
      if (java.util.Objects.equals(before, now) && formerBefore.equals(formerNow)) {
        return;
      }
      if (now == null) {
        props.remove("journal");
      } else {
        props.setProperty("journal", now);
      }
      setFormerJournals(props, formerNow);
      Path tmp = dir.resolve(DiskTier.META_FILE + ".tmp");
      try (var out = Files.newOutputStream(tmp)) {
        props.store(out, "Goldylox disk tier");
      }
      Files.move(tmp, meta, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "Cache '" + cacheName + "': cannot record its write-behind journal in " + meta
          + " (" + e + "); a later change of the journal path will not be noticed");
    }
  }

  /**
   * The former journals recorded in {@code props}: {@code journals.former.0}, {@code .1}, ... (one path each: a
   * path may hold any character, so they are not joined).
   */
  private static List<String> formerJournals(Properties props) {
    List<String> paths = new ArrayList<>();
    for (int i = 0; props.getProperty("journals.former." + i) != null; i++) {
      paths.add(props.getProperty("journals.former." + i));
    }
    String joined = props.getProperty("journals.former"); // the previous release's form, joined by ':'
    if (joined != null) {
      for (String path : joined.split(java.io.File.pathSeparator)) {
        if (!path.isEmpty() && !paths.contains(path)) {
          paths.add(path);
        }
      }
    }
    return paths;
  }

  private static void setFormerJournals(Properties props, List<String> paths) {
    props.stringPropertyNames().stream().filter(name -> name.startsWith("journals.former"))
        .forEach(props::remove);
    for (int i = 0; i < paths.size(); i++) {
      props.setProperty("journals.former." + i, paths.get(i));
    }
  }

  /**
   * Whether the journal directory may hold writes not delivered: it has cycle files, and no mark that its last
   * close left nothing to deliver ({@code ChronicleJournal.DELIVERED_FILE}, named here so that no Chronicle class
   * is loaded).
   */
  private static boolean holdsJournalFiles(Path journal) {
    if (!Files.isDirectory(journal) || Files.exists(journal.resolve("goldylox-writebehind.delivered"))) {
      return false;
    }
    try (var files = Files.newDirectoryStream(journal, "*.cq4")) {
      return files.iterator().hasNext();
    } catch (IOException e) {
      return true; // cannot tell: keep it, and keep warning
    }
  }
}

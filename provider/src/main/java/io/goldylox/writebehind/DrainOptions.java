package io.goldylox.writebehind;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command line of {@link Drain}: parses it, checks it, and holds the usage text. Immutable once parsed.
 */
final class DrainOptions {

  /** What to do with the dead-letter journal after the drain. */
  enum DeadLetters {
    /** Only say how many there are. */
    SUMMARY,
    PRINT,
    /** Print them, then delete them. */
    CLEAR
  }

  static final String USAGE = String.join("\n",
      "Usage: java <Chronicle flags> -cp <application class path> io.goldylox.writebehind.Drain \\",
      "           --config <file> --cache <name> [options]",
      "",
      "Delivers the write-behind journal of a cache whose node is stopped and will not start again: it opens",
      "the journal, which replays what the writer had not acknowledged, delivers it to the configured writer,",
      "closes it, and checks that nothing is left. A journal that a running process holds is refused.",
      "",
      "  --config <file>          the application's HOCON configuration file",
      "  --cache <name>           the cache whose journal to deliver (it needs a write-behind block)",
      "  --serializer fory|java   the serializer the cache wrote with (default: the goldylox.serializer system",
      "                           property, else fory, the cache's default, which also reads what java wrote)",
      "  --timeout <duration>     stop waiting for the lag to reach 0 after this long, e.g. 90s, 10m, 2h,",
      "                           and bound the close after it by the same (default: until delivered)",
      "  --dead-letters print     afterwards, list the operations in the dead-letter journal",
      "  --dead-letters clear     afterwards, list them and delete them",
      "  --journal <dir>          deliver the journal in <dir> instead of the one the file names (a former",
      "                           journal of the cache, after its path was changed), with the file's writer",
      "  --dry-run                only say what would be delivered (how many operations, made when), deliver",
      "                           nothing; exit 0 if the journal is empty, 1 if not",
      "  --help                   show this text",
      "",
      "The class path is the application's: goldylox-provider, the writer and its dependencies, the key and",
      "value classes, and every class the configuration file names. The Chronicle flags are:",
      flagLines(),
      "",
      "Exit status: 0 the journal is empty; 1 operations are left in it; 2 an error (the message says which).",
      "");

  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  final Path config;
  final String cache;
  final String serializer;
  final Duration timeout;
  /** {@code --timeout} as it was given, for messages. */
  final String timeoutText;
  final DeadLetters deadLetters;
  /** {@code --journal}: the journal to deliver instead of the file's, or null. */
  final Path journal;
  final boolean dryRun;
  final boolean help;

  private DrainOptions(Path config, String cache, String serializer, Duration timeout, String timeoutText,
      DeadLetters deadLetters, Path journal, boolean dryRun, boolean help) {
    this.config = config;
    this.cache = cache;
    this.serializer = serializer;
    this.timeout = timeout;
    this.timeoutText = timeoutText;
    this.deadLetters = deadLetters;
    this.journal = journal;
    this.dryRun = dryRun;
    this.help = help;
  }

  /**
   * Parses {@code args}; {@code --name value} and {@code --name=value} are both accepted.
   *
   * @throws DrainException (a usage error) naming the option that is wrong or missing
   */
  static DrainOptions parse(String... args) {
    Path config = null;
    String cache = null;
    String serializer = null;
    Duration timeout = null;
    String timeoutText = null;
    DeadLetters deadLetters = DeadLetters.SUMMARY;
    boolean help = false;
    boolean dryRun = false;
    Path journal = null;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      String value = null;
      int equals = name.indexOf('=');
      if (name.startsWith("--") && equals > 0) {
        value = name.substring(equals + 1);
        name = name.substring(0, equals);
      }
      if (name.equals("--help") || name.equals("-h")) {
        help = true;
        continue;
      }
      if (name.equals("--dry-run") && value == null) {
        dryRun = true;
        continue;
      }
      if (value == null) {
        if (!name.startsWith("-")) {
          throw DrainException.usage("unexpected argument '" + name + "'");
        }
        if (!isValued(name)) {
          throw DrainException.usage("unknown option '" + name + "'");
        }
        if (i + 1 >= args.length) {
          throw DrainException.usage(name + " needs a value");
        }
        value = args[++i];
      }
      switch (name) {
        case "--config":
          config = path(value);
          break;
        case "--cache":
          if (value.isBlank()) {
            throw DrainException.usage("--cache needs a cache name");
          }
          cache = value;
          break;
        case "--serializer":
          serializer = value.trim().toLowerCase(Locale.ROOT);
          if (!serializer.equals("java") && !serializer.equals("fory")) {
            throw DrainException.usage("--serializer must be java or fory, not '" + value + "'");
          }
          break;
        case "--timeout":
          timeout = duration(value);
          timeoutText = value;
          break;
        case "--journal":
          journal = path(value).toAbsolutePath().normalize();
          break;
        case "--dead-letters":
          if (value.equals("print")) {
            deadLetters = DeadLetters.PRINT;
          } else if (value.equals("clear")) {
            deadLetters = DeadLetters.CLEAR;
          } else {
            throw DrainException.usage("--dead-letters must be print or clear, not '" + value + "'");
          }
          break;
        default:
          throw DrainException.usage("unknown option '" + name + "'");
      }
    }
    if (!help) {
      if (config == null) {
        throw DrainException.usage("--config <file> is required");
      }
      if (cache == null) {
        throw DrainException.usage("--cache <name> is required");
      }
    }
    return new DrainOptions(config, cache, serializer, timeout, timeoutText, deadLetters, journal, dryRun, help);
  }

  private static boolean isValued(String name) {
    switch (name) {
      case "--config":
      case "--cache":
      case "--serializer":
      case "--timeout":
      case "--dead-letters":
      case "--journal":
        return true;
      default:
        return false;
    }
  }

  private static Path path(String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw DrainException.usage("'" + value + "' is not a path: " + e.getMessage());
    }
  }

  /** {@code 500ms}, {@code 90s}, {@code 10m}, {@code 2h}, or ISO-8601 ({@code PT10M}); positive. */
  static Duration duration(String value) {
    Duration duration;
    Matcher matcher = SHORT_DURATION.matcher(value.trim());
    try {
      if (matcher.matches()) {
        long amount = Long.parseLong(matcher.group(1));
        switch (matcher.group(2)) {
          case "ms":
            duration = Duration.ofMillis(amount);
            break;
          case "s":
            duration = Duration.ofSeconds(amount);
            break;
          case "m":
            duration = Duration.ofMinutes(amount);
            break;
          default:
            duration = Duration.ofHours(amount);
        }
      } else {
        duration = Duration.parse(value.trim());
      }
    } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
      throw DrainException.usage("--timeout '" + value + "' is not a duration such as 90s, 10m or 2h");
    }
    if (duration.isZero() || duration.isNegative()) {
      throw DrainException.usage("--timeout must be positive, not '" + value + "'");
    }
    return duration;
  }

  /** The Chronicle flags, two to a line. */
  private static String flagLines() {
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < ChronicleFlags.FLAGS.size(); i += 2) {
      lines.append(i == 0 ? "" : "\n").append("  ").append(String.join(" ",
          ChronicleFlags.FLAGS.subList(i, Math.min(i + 2, ChronicleFlags.FLAGS.size()))));
    }
    return lines.toString();
  }
}

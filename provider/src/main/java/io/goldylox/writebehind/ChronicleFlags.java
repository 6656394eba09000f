package io.goldylox.writebehind;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.cache.CacheException;

/**
 * Checks, with the JDK's module API only, that the JVM was started with the flags Chronicle Queue needs on Java
 * 17+, and sets {@code chronicle.analytics.disable}. It must run before any Chronicle class is loaded: without
 * the flags Chronicle fails in its static initialisers with errors that do not say what is wrong.
 */
final class ChronicleFlags {

  /** The flags, exactly as the build's {@code ${chronicle.jvm.flags}} gives them (less the analytics property). */
  static final List<String> FLAGS = List.of(
      "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");

  static final String ANALYTICS_PROPERTY = "chronicle.analytics.disable";

  private ChronicleFlags() {}

  /**
   * Disables Chronicle's analytics (unless the application decided otherwise) and fails when a flag is missing.
   *
   * @throws CacheException listing every flag, and which ones are missing
   */
  static void prepare() {
    if (System.getProperty(ANALYTICS_PROPERTY) == null) {
      System.setProperty(ANALYTICS_PROPERTY, "true");
    }
    List<String> missing = missing();
    if (!missing.isEmpty()) {
      throw new CacheException("Write-behind journals use Chronicle Queue, which needs these JVM flags on Java "
          + Runtime.version().feature() + ": " + String.join(" ", FLAGS) + ". Missing: " + String.join(" ", missing)
          + ". Add them to the java command line (or JAVA_TOOL_OPTIONS, or Surefire's argLine); caches without"
          + " write-behind need none of them. (Goldylox itself sets -D" + ANALYTICS_PROPERTY + "=true.)");
    }
  }

  /** The flags whose effect is absent from this JVM; flags naming a module the runtime lacks are skipped. */
  static List<String> missing() {
    // Chronicle sits on the class path, in the unnamed module of the loader that loaded Goldylox.
    ClassLoader loader = ChronicleFlags.class.getClassLoader();
    Module unnamed = loader != null ? loader.getUnnamedModule() : ChronicleFlags.class.getModule();
    List<String> missing = new ArrayList<>();
    for (String flag : FLAGS) {
      boolean opens = flag.startsWith("--add-opens=");
      String target = flag.substring(flag.indexOf('=') + 1, flag.lastIndexOf('='));
      String moduleName = target.substring(0, target.indexOf('/'));
      String packageName = target.substring(target.indexOf('/') + 1);
      Optional<Module> module = ModuleLayer.boot().findModule(moduleName);
      if (module.isEmpty()) {
        continue;
      }
      boolean granted = opens ? module.get().isOpen(packageName, unnamed)
          : module.get().isExported(packageName, unnamed);
      if (!granted) {
        missing.add(flag);
      }
    }
    return missing;
  }
}

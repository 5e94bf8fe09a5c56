package dev.chitchat.logging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.AppenderComponentBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

/**
 * Configures log4j2 for one Chitty-Chat process, once, at start-up:
 *
 * <ul>
 *   <li>the clock events as JSON Lines into {@code <logDir>/<process>.jsonl} (when a log directory is
 *       given), flushed line by line so that other processes can watch the file;
 *   <li>the clock events as human-readable lines on standard output (when asked for);
 *   <li>the process's own informational messages (logger {@code dev.chitchat}) on standard output;
 *   <li>warnings and errors of everything else, gRPC's included, on standard error.
 * </ul>
 *
 * <p>Not thread-safe: call it from {@code main} before the process starts any work.
 */
public final class LogSetup {

  /**
   * The pattern of the JSON Lines files: the wall-clock time in UTC with microseconds, then the
   * event's fields as {@link JsonEventMessage} writes them, one object per line.
   */
  public static final String EVENT_PATTERN =
      "{\"time\":\"%d{yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'}{UTC}\",%m}%n";

  private LogSetup() {}

  /**
   * What a process logs where.
   *
   * @param process the process name; the JSON Lines file is named after it
   * @param logDir the run's directory for the JSON Lines file, or {@code null} for none; created if
   *     missing
   * @param consoleEvents whether every clock event is also printed on standard output
   * @param consoleInfo whether the process's informational messages go to standard output
   */
  public record Options(String process, Path logDir, boolean consoleEvents, boolean consoleInfo) {}

  /**
   * Replaces the logging configuration of this JVM.
   *
   * @return the JSON Lines file, or {@code null} when no log directory was given
   * @throws IOException if the log directory cannot be created
   */
  public static Path configure(Options options) throws IOException {
    ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
    b.setConfigurationName("chitchat-" + options.process());
    b.setStatusLevel(Level.ERROR);
    // The processes' own shutdown hooks log their last ticks, then call shutdown(): log4j2 must not
    // stop concurrently in a hook of its own.
    b.setShutdownHook("disable");

    b.add(console(b, "stderr", ConsoleAppender.Target.SYSTEM_ERR, "%d{HH:mm:ss.SSS} %-5level %c{1.}: %m%n"));
    b.add(console(b, "stdout", ConsoleAppender.Target.SYSTEM_OUT, "%d{HH:mm:ss.SSS} %m%n"));

    Path file = null;
    var json = b.newLogger(Log4jEventLog.JSON_LOGGER, Level.INFO).addAttribute("additivity", false);
    if (options.logDir() != null) {
      Files.createDirectories(options.logDir());
      file = options.logDir().resolve(options.process() + ".jsonl");
      b.add(jsonFile(b, "jsonl", file));
      json.add(b.newAppenderRef("jsonl"));
    } else {
      json.addAttribute("level", Level.OFF);
    }
    b.add(json);
    b.add(
        b.newLogger(Log4jEventLog.CONSOLE_LOGGER, options.consoleEvents() ? Level.INFO : Level.OFF)
            .addAttribute("additivity", false)
            .add(b.newAppenderRef("stdout")));
    b.add(
        b.newLogger("dev.chitchat", Level.INFO)
            .addAttribute("additivity", false)
            .add(b.newAppenderRef(options.consoleInfo() ? "stdout" : "stderr"))
            .addAttribute("level", options.consoleInfo() ? Level.INFO : Level.WARN));
    // Apache Ratis (a replica's Raft server) reports elections, lagging peers and its own
    // stack traces at WARN: they go to NAME.raft.log, beside the clock log, not to the console.
    var raft = b.newLogger("org.apache.ratis", Level.WARN).addAttribute("additivity", false);
    if (options.logDir() != null) {
      b.add(b.newAppender("raft", "File")
          .addAttribute("fileName", options.logDir().resolve(options.process() + ".raft.log").toString())
          .addAttribute("append", true)
          .addAttribute("createOnDemand", true)
          .add(b.newLayout("PatternLayout")
              .addAttribute("pattern", "%d{HH:mm:ss.SSS} %-5level %c{1.}: %m%n")));
      raft.add(b.newAppenderRef("raft"));
    } else {
      raft.addAttribute("level", Level.OFF);
    }
    b.add(raft);
    b.add(b.newRootLogger(Level.WARN).add(b.newAppenderRef("stderr")));
    Configurator.reconfigure(b.build());
    return file;
  }

  /**
   * A JSON Lines file appender, flushed line by line so that a reader watching the file sees each
   * event promptly and a killed process loses nothing.
   */
  private static AppenderComponentBuilder jsonFile(
      ConfigurationBuilder<BuiltConfiguration> b, String name, Path file) {
    return b.newAppender(name, "File")
        .addAttribute("fileName", file.toString())
        .addAttribute("append", false)
        .addAttribute("immediateFlush", true)
        .add(b.newLayout("PatternLayout").addAttribute("pattern", EVENT_PATTERN)
            .addAttribute("charset", "UTF-8"));
  }

  /**
   * Picks a process name for {@code name} whose JSON Lines file does not exist yet in {@code
   * logDir}: {@code name} itself, else {@code name-2}, {@code name-3}, ... (a participant that joins
   * a second time in the same run is a new process).
   */
  public static String uniqueProcessName(String name, Path logDir) {
    if (logDir == null || !Files.exists(logDir.resolve(name + ".jsonl"))) {
      return name;
    }
    for (int i = 2; ; i++) {
      String candidate = name + "-" + i;
      if (!Files.exists(logDir.resolve(candidate + ".jsonl"))) {
        return candidate;
      }
    }
  }

  /** Flushes and stops log4j2; call it last, e.g. at the end of a shutdown hook. */
  public static void shutdown() {
    org.apache.logging.log4j.LogManager.shutdown();
  }

  private static AppenderComponentBuilder console(
      ConfigurationBuilder<BuiltConfiguration> b,
      String name,
      ConsoleAppender.Target target,
      String pattern) {
    return b.newAppender(name, "Console")
        .addAttribute("target", target)
        .add(b.newLayout("PatternLayout").addAttribute("pattern", pattern));
  }
}

package dev.chitchat.logging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.AppenderComponentBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;
import org.apache.logging.log4j.core.layout.PatternLayout;

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
  static final String EVENT_PATTERN =
      "{\"time\":\"%d{yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'}{UTC}\",%m}%n";

  /** The buffer of each JSON Lines file, in bytes. */
  private static final int BUFFER_BYTES = 64 * 1024;

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
      b.add(jsonFile(b, "jsonl", file, false));
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
    b.add(b.newRootLogger(Level.WARN).add(b.newAppenderRef("stderr")));
    Configurator.reconfigure(b.build());
    return file;
  }

  /**
   * How the JSON Lines of a run that shares one JVM ({@link #configureRun}) reach their files.
   */
  public enum RunWriter {
    /**
     * On the ticking thread, into a 64 KiB buffer per file that is written when full and when the
     * run ends: no extra thread and no hand-off, one write call per 64 KiB. A process killed
     * with SIGKILL would lose the buffered tail, so only benchmarks use it.
     */
    BUFFERED,
    /**
     * On the ticking thread, each line written and flushed at once: what {@code chitchat server}
     * and {@code chitchat participant} do, so a killed process loses nothing.
     */
    FLUSHED,
    /**
     * log4j2 asynchronous loggers (LMAX disruptor): the ticking thread only enqueues the event,
     * under the clock's lock, so the file order is still the tick order; one background thread
     * formats and writes, flushing at the end of each batch.
     */
    ASYNC
  }

  /**
   * Replaces the logging configuration of this JVM for several processes that share it (a load
   * benchmark): each process's clock events, logged through {@code new
   * Log4jEventLog(Log4jEventLog.jsonLoggerOf(process))}, go as JSON Lines to {@code
   * <logDir>/<process>.jsonl}. Nothing goes to the console but warnings and errors (standard error).
   *
   * <p>The synchronous writers share one layout: with a layout per file, each of a thousand files
   * kept a thread-local buffer per thread, and looking them up cost a tenth of a benchmark's CPU.
   *
   * @param logDir the run's directory, created if missing; may be {@code null} when there are no
   *     processes (which closes the files of an earlier call)
   * @param processes the process names
   * @param writer how the lines reach the files
   * @throws IOException if the log directory cannot be created
   */
  public static void configureRun(
      Path logDir, java.util.Collection<String> processes, RunWriter writer) throws IOException {
    boolean async = writer == RunWriter.ASYNC;
    ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
    b.setConfigurationName("chitchat-run");
    b.setStatusLevel(Level.ERROR);
    b.add(console(b, "stderr", ConsoleAppender.Target.SYSTEM_ERR, "%d{HH:mm:ss.SSS} %-5level %c{1.}: %m%n"));
    if (!processes.isEmpty()) {
      Files.createDirectories(logDir);
    }
    if (async) {
      for (String process : processes) {
        String appender = "jsonl-" + process;
        b.add(jsonFile(b, appender, logDir.resolve(process + ".jsonl"), true));
        b.add(b.newAsyncLogger(Log4jEventLog.jsonLoggerOf(process), Level.INFO)
            .addAttribute("additivity", false)
            .add(b.newAppenderRef(appender)));
      }
    }
    b.add(b.newLogger(Log4jEventLog.CONSOLE_LOGGER, Level.OFF).addAttribute("additivity", false));
    b.add(b.newRootLogger(Level.WARN).add(b.newAppenderRef("stderr")));
    Configurator.reconfigure(b.build());
    if (!async && !processes.isEmpty()) {
      addSharedLayoutFiles(logDir, processes, writer == RunWriter.FLUSHED);
    }
  }

  /** Adds a synchronous JSON Lines file and logger per process, all with one layout. */
  private static void addSharedLayoutFiles(
      Path logDir, java.util.Collection<String> processes, boolean flushEachLine) {
    LoggerContext context = LoggerContext.getContext(false);
    Configuration config = context.getConfiguration();
    PatternLayout layout =
        PatternLayout.newBuilder()
            .withConfiguration(config)
            .withPattern(EVENT_PATTERN)
            .withCharset(StandardCharsets.UTF_8)
            .build();
    for (String process : processes) {
      FileAppender appender =
          FileAppender.newBuilder()
              .setName("jsonl-" + process)
              .withFileName(logDir.resolve(process + ".jsonl").toString())
              .withAppend(false)
              .withImmediateFlush(flushEachLine)
              .setBufferSize(BUFFER_BYTES)
              .setLayout(layout)
              .setConfiguration(config)
              .build();
      appender.start();
      config.addAppender(appender);
      String name = Log4jEventLog.jsonLoggerOf(process);
      LoggerConfig logger =
          LoggerConfig.newBuilder()
              .withLoggerName(name)
              .withLevel(Level.INFO)
              .withAdditivity(false)
              .withConfig(config)
              .build();
      logger.addAppender(appender, null, null);
      config.addLogger(name, logger);
    }
    context.updateLoggers();
  }

  /**
   * A JSON Lines file appender. Synchronous: flushed line by line. Asynchronous: flushed at the end
   * of every batch the background thread writes, so a reader watching the file sees each event
   * promptly.
   */
  private static AppenderComponentBuilder jsonFile(
      ConfigurationBuilder<BuiltConfiguration> b, String name, Path file, boolean async) {
    return b.newAppender(name, "File")
        .addAttribute("fileName", file.toString())
        .addAttribute("append", false)
        .addAttribute("immediateFlush", !async)
        .addAttribute("bufferSize", BUFFER_BYTES)
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

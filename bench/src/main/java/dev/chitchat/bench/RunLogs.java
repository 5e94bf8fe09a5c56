package dev.chitchat.bench;

import dev.chitchat.logging.Log4jEventLog;
import dev.chitchat.logging.LogSetup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * The log4j2 configuration of a benchmark run, where a server and N participants share one JVM:
 * each process's clock events, logged through {@code new Log4jEventLog(RunLogs.loggerOf(process))},
 * go as JSON Lines to {@code <logDir>/<process>.jsonl}, in the format of {@link LogSetup} (so
 * {@code chitchat diagram --check} reads them). Nothing goes to the console but warnings and errors
 * (standard error).
 *
 * <p>Not thread-safe: one run at a time per JVM, configured before its processes start.
 */
public final class RunLogs {

  /** The buffer of each JSON Lines file, in bytes. */
  private static final int BUFFER_BYTES = 64 * 1024;

  private RunLogs() {}

  /** How the JSON Lines of a run reach their files. */
  public enum Writer {
    /**
     * On the ticking thread, into a 64 KiB buffer per file that is written when full and when the
     * run ends: no extra thread and no hand-off. A process killed with SIGKILL would lose the
     * buffered tail, which a benchmark can afford.
     */
    BUFFERED,
    /**
     * On the ticking thread, each line written and flushed at once: what {@code chitchat server}
     * and {@code chitchat participant} do.
     */
    FLUSHED,
    /**
     * log4j2 asynchronous loggers (LMAX disruptor): the ticking thread only enqueues the event,
     * under the clock's lock, so the file order is still the tick order; one background thread
     * formats and writes, flushing at the end of each batch.
     */
    ASYNC
  }

  /** The JSON logger of {@code process} in a run. */
  public static String loggerOf(String process) {
    return Log4jEventLog.JSON_LOGGER + "." + process;
  }

  /**
   * Replaces the logging configuration of this JVM with one JSON Lines file per process.
   *
   * <p>The synchronous writers share one layout: with a layout per file, each of a thousand files
   * kept a thread-local buffer per thread, and looking them up showed in the benchmark's profile.
   *
   * @param logDir the run's directory, created if missing
   * @param processes the process names
   * @param writer how the lines reach the files
   * @throws IOException if the log directory cannot be created
   */
  public static void configure(Path logDir, Collection<String> processes, Writer writer)
      throws IOException {
    Files.createDirectories(logDir);
    ConfigurationBuilder<BuiltConfiguration> b = base();
    if (writer == Writer.ASYNC) {
      for (String process : processes) {
        String appender = "jsonl-" + process;
        b.add(b.newAppender(appender, "File")
            .addAttribute("fileName", logDir.resolve(process + ".jsonl").toString())
            .addAttribute("append", false)
            // flushed at the end of every batch the background thread writes
            .addAttribute("immediateFlush", false)
            .addAttribute("bufferSize", BUFFER_BYTES)
            .add(b.newLayout("PatternLayout")
                .addAttribute("pattern", LogSetup.EVENT_PATTERN)
                .addAttribute("charset", "UTF-8")));
        b.add(b.newAsyncLogger(loggerOf(process), Level.INFO)
            .addAttribute("additivity", false)
            .add(b.newAppenderRef(appender)));
      }
    }
    Configurator.reconfigure(b.build());
    if (writer != Writer.ASYNC) {
      addSharedLayoutFiles(logDir, processes, writer == Writer.FLUSHED);
    }
  }

  /**
   * Replaces the logging configuration of this JVM with one that logs no clock events: closes (and
   * so flushes) the JSON Lines files of an earlier {@link #configure}.
   */
  public static void configureNone() {
    Configurator.reconfigure(base().build());
  }

  /** Warnings and errors on standard error, the clock events' console logger off. */
  private static ConfigurationBuilder<BuiltConfiguration> base() {
    ConfigurationBuilder<BuiltConfiguration> b =
        ConfigurationBuilderFactory.newConfigurationBuilder();
    b.setConfigurationName("chitchat-bench-run");
    b.setStatusLevel(Level.ERROR);
    b.add(b.newAppender("stderr", "Console")
        .addAttribute("target", ConsoleAppender.Target.SYSTEM_ERR)
        .add(b.newLayout("PatternLayout")
            .addAttribute("pattern", "%d{HH:mm:ss.SSS} %-5level %c{1.}: %m%n")));
    b.add(b.newLogger(Log4jEventLog.CONSOLE_LOGGER, Level.OFF).addAttribute("additivity", false));
    // Apache Ratis (replicas, --servers 3): its redirects to the leader and the replicas'
    // shutdown come with stack traces at WARN and ERROR; a run's outcome is in its figures.
    b.add(b.newLogger("org.apache.ratis", Level.OFF).addAttribute("additivity", false));
    b.add(b.newRootLogger(Level.WARN).add(b.newAppenderRef("stderr")));
    return b;
  }

  /** Adds a synchronous JSON Lines file and logger per process, all with one layout. */
  private static void addSharedLayoutFiles(
      Path logDir, Collection<String> processes, boolean flushEachLine) {
    LoggerContext context = LoggerContext.getContext(false);
    Configuration config = context.getConfiguration();
    PatternLayout layout =
        PatternLayout.newBuilder()
            .withConfiguration(config)
            .withPattern(LogSetup.EVENT_PATTERN)
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
      String name = loggerOf(process);
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
}

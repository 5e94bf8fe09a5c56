package dev.chitchat.cli;

import dev.chitchat.logging.LogSetup;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a Chitty-Chat process writes its JSON Lines log, and how it starts logging: the option and
 * the set-up that {@code server} and {@code participant} share (a picocli mixin).
 */
final class LogOptions {

  @Option(names = "--log-dir", defaultValue = "logs", paramLabel = "DIR",
      description = {"Directory for this process's JSON Lines log, one line per clock tick: NAME.jsonl,"
          + " or NAME-2.jsonl when that exists (default: ${DEFAULT-VALUE}).",
          "Use one directory per run; ./chitchat diagram DIR reads every log in it."})
  Path logDir;

  /**
   * Starts logging for the process named after {@code base} in {@link #logDir}: {@code base}, or
   * {@code base-2}, ... when a log of that name is already there (a restart or a rejoin).
   *
   * @param consoleEvents whether every clock event is also printed on standard output
   * @param consoleInfo whether the process's informational messages go to standard output
   * @return the process name, which names the log file and every clock event
   * @throws UserError if the directory cannot be created
   */
  String start(String base, boolean consoleEvents, boolean consoleInfo) {
    String process = LogSetup.uniqueProcessName(base, logDir);
    try {
      LogSetup.configure(new LogSetup.Options(process, logDir, consoleEvents, consoleInfo));
    } catch (IOException e) {
      throw new UserError("Cannot create log directory " + logDir + ": " + e.getMessage());
    }
    return process;
  }
}

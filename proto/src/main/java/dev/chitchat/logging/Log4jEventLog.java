package dev.chitchat.logging;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventLog;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Writes every clock event twice through log4j2: as one JSON object to the logger {@value
 * #JSON_LOGGER} (which {@link LogSetup} sends to the process's JSON Lines file) and as one
 * human-readable line to the logger {@value #CONSOLE_LOGGER} (the console). The JSON schema is in
 * {@code docs/log-format.md}; {@link EventLogReader} reads it back.
 *
 * <p>The console leaves out the calls of a successful probe (the server's empty Broadcast to an
 * idle participant, every fifth of the failure timeout): a line per participant every second or
 * so would bury the chat. A probe that fails is shown, and the JSON Lines have every call.
 *
 * <p>Thread-safe. Called by {@link dev.chitchat.clock.LamportClock} under its lock, so the lines reach
 * each appender in tick order.
 */
public final class Log4jEventLog implements EventLog {

  /** The logger that carries the JSON Lines events. */
  public static final String JSON_LOGGER = "chitchat.events.json";

  /** The logger that carries the human-readable event lines. */
  public static final String CONSOLE_LOGGER = "chitchat.events.console";

  private final Logger json;
  private final Logger console = LogManager.getLogger(CONSOLE_LOGGER);
  private final QuietProbes quietProbes = new QuietProbes();

  /** Logs to the JSON logger {@value #JSON_LOGGER}: one process per JVM. */
  public Log4jEventLog() {
    this(JSON_LOGGER);
  }

  /**
   * Logs to the JSON logger {@code jsonLogger}: for several processes that share one JVM, each with
   * a JSON logger of its own (the load benchmark).
   */
  public Log4jEventLog(String jsonLogger) {
    this.json = LogManager.getLogger(jsonLogger);
  }

  @Override
  public void record(ClockEvent event) {
    if (json.isInfoEnabled()) {
      json.info(new JsonEventMessage(event));
    }
    if (console.isInfoEnabled() && !quietProbes.test(event)) {
      console.info(HumanFormat.line(event));
    }
  }
}

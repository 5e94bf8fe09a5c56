package dev.chitchat.cli;

import dev.chitchat.logging.LoggedEvent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a scenario step has done, read from a run's logs: the waits that the demo ({@link DemoRun})
 * and a scripted participant ({@link ScriptPlayer}) share. A step has taken effect when its
 * participant's log holds the step's response, and, if the server ordered an event for it, every
 * participant present after the step has delivered that event.
 *
 * <p>Not thread-safe, like the {@link RunWatcher} it reads through.
 */
final class RunProgress {

  /** The server's process name, and so its log file's. */
  static final String SERVER = "server";

  private final RunWatcher watcher;
  private final Duration timeout;

  RunProgress(RunWatcher watcher, Duration timeout) {
    this.watcher = watcher;
    this.timeout = timeout;
  }

  RunWatcher watcher() {
    return watcher;
  }

  Duration timeout() {
    return timeout;
  }

  /**
   * Waits until {@code process} has received the {@code count}-th response of {@code rpc} (an OK
   * response or an error status).
   *
   * @param context for messages, e.g. {@code "line 4"}
   * @param failure checked while waiting: a non-null message ends the wait with that error
   */
  LoggedEvent awaitResponse(
      String process, String rpc, int count, String context, Supplier<String> failure)
      throws InterruptedException {
    LoggedEvent[] found = new LoggedEvent[1];
    watcher.await(
        process + "'s " + rpc + " response (" + context + ")",
        timeout,
        () -> {
          int seen = 0;
          for (LoggedEvent e : watcher.events(process)) {
            if (e.isReceive() && rpc.equals(e.rpc()) && "response".equals(e.leg()) && ++seen == count) {
              found[0] = e;
              return true;
            }
          }
          return false;
        },
        failure);
    return found[0];
  }

  /** The server's action (join, publish, leave) made by the call that {@code response} answered. */
  Optional<LoggedEvent> createdBy(LoggedEvent response) {
    if (response.callId() == null) {
      return Optional.empty();
    }
    LoggedEvent created = null;
    for (LoggedEvent e : watcher.events(SERVER)) {
      if (e.seq() != null && response.callId().equals(e.callId()) && "action".equals(e.kind())) {
        created = e;
      }
    }
    return Optional.ofNullable(created);
  }

  /**
   * Waits until the server's log holds the event that an OK {@code response} stands for and returns
   * its sequence number. The server logs its action before it responds, so this returns at once
   * unless the logs are read through a slow shared file system.
   */
  long awaitCreated(LoggedEvent response, String context) throws InterruptedException {
    watcher.await(
        "the server's event for " + response.process() + "'s " + response.rpc() + " (" + context + ")",
        timeout,
        () -> createdBy(response).isPresent(),
        () -> null);
    return createdBy(response).orElseThrow().seq();
  }

  /** Waits until {@code process} has delivered event {@code seq} or a later one. */
  void awaitDelivered(String process, long seq, String context, Supplier<String> failure)
      throws InterruptedException {
    watcher.await(
        process + " to deliver event #" + seq + " (" + context + ")",
        timeout,
        () -> watcher.events(process).stream()
            .anyMatch(e -> e.isAction("deliver") && e.seq() != null && e.seq() >= seq),
        failure);
  }

  /** The server's join, publish, leave and remove actions so far, by sequence number. */
  Map<Long, LoggedEvent> serverActionsBySeq() {
    Map<Long, LoggedEvent> bySeq = new LinkedHashMap<>();
    for (LoggedEvent e : watcher.events(SERVER)) {
      if (e.seq() != null && (e.isAction("join") || e.isAction("publish") || e.isAction("leave")
          || e.isAction("remove"))) {
        bySeq.put(e.seq(), e);
      }
    }
    return bySeq;
  }
}

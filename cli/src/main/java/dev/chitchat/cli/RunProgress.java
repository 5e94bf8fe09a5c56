package dev.chitchat.cli;

import dev.chitchat.logging.LoggedEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What a scenario step has done, read from a run's logs: the waits that the demo ({@link DemoRun})
 * and a scripted participant ({@link ScriptPlayer}) share. A step has taken effect when its
 * participant's log holds the step's response, and, if the server ordered an event for it, every
 * participant present after the step has delivered that event.
 *
 * <p>The server is one process ({@code server}) or the replicas of a cluster ({@code s1}, {@code
 * s2}, ...): every server process's log is searched for the event a call created.
 *
 * <p>Not thread-safe, like the {@link RunWatcher} it reads through.
 */
final class RunProgress {

  /** The server's process name, and so its log file's. */
  static final String SERVER = "server";

  private final RunWatcher watcher;
  private final Duration timeout;
  private final Supplier<List<String>> servers;

  /** For a run with one server process, {@code server}. */
  RunProgress(RunWatcher watcher, Duration timeout) {
    this(watcher, timeout, () -> List.of(SERVER));
  }

  /**
   * @param servers the server processes whose logs hold the chat's events (asked again each time:
   *     a scripted participant learns them from the files that appear)
   */
  RunProgress(RunWatcher watcher, Duration timeout, Supplier<List<String>> servers) {
    this.watcher = watcher;
    this.timeout = timeout;
    this.servers = servers;
  }

  RunWatcher watcher() {
    return watcher;
  }

  /** Statuses after which a participant tries again: not the answer to a step. */
  private static final java.util.Set<String> RETRIED = java.util.Set.of("UNAVAILABLE", "DEADLINE_EXCEEDED");

  Duration timeout() {
    return timeout;
  }

  /**
   * Waits until {@code process} has received the {@code count}-th answer of {@code rpc}: an OK
   * response or an error status, not counting UNAVAILABLE and DEADLINE_EXCEEDED, which the
   * participant retries (through another replica in a cluster) under the same message id.
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
            if (e.isReceive() && rpc.equals(e.rpc()) && "response".equals(e.leg())
                && !RETRIED.contains(e.status()) && ++seen == count) {
              found[0] = e;
              return true;
            }
          }
          return false;
        },
        failure);
    return found[0];
  }

  /**
   * The server's action (join, publish, leave) made by the call that {@code response} answered, as
   * the server process (or replica) that answered logged it.
   */
  Optional<LoggedEvent> createdBy(LoggedEvent response) {
    if (response.callId() == null) {
      return Optional.empty();
    }
    LoggedEvent created = null;
    for (String server : servers.get()) {
      List<LoggedEvent> events = watcher.events(server);
      for (int i = 0; i < events.size(); i++) {
        LoggedEvent e = events.get(i);
        if (e.seq() != null && response.callId().equals(e.callId()) && "action".equals(e.kind())) {
          created = e;
        } else if (created == null && e.isSend() && "response".equals(e.leg())
            && response.callId().equals(e.callId())) {
          created = appliedBefore(events, i, server, response.rpc());
        }
      }
    }
    return Optional.ofNullable(created);
  }

  /**
   * In a replica's log, the command that the response at {@code index} answered: the last entry
   * this replica proposed and applied before it ({@code receive}, {@code rpc: Replicate}, {@code
   * peer} this replica) whose action is the call's ({@code Join}: {@code join}, ...). A replica
   * answers a call only once its entry is applied there, and the demo's calls come one at a time.
   */
  private static LoggedEvent appliedBefore(List<LoggedEvent> events, int index, String replica,
      String rpc) {
    String action = rpc == null ? "" : rpc.toLowerCase(java.util.Locale.ROOT);
    for (int i = index - 1; i >= 0; i--) {
      LoggedEvent e = events.get(i);
      // The proposer is named by its process (a restarted s2 is s2-2): entries an earlier
      // incarnation proposed, which a restarted replica applies again, are not this call's. A
      // Publish retried under its message id is answered with its first event ("duplicate").
      if (isApplied(e) && replica.equals(e.peer()) && (action.equals(e.action())
          || (("publish".equals(action) || "join".equals(action)) && "duplicate".equals(e.action())))) {
        return e;
      }
    }
    return null;
  }

  /** Whether {@code e} is a replica applying a chat event: a Replicate receive with a seq. */
  static boolean isApplied(LoggedEvent e) {
    return e.isReceive() && "Replicate".equals(e.rpc()) && e.seq() != null && e.action() != null;
  }

  /**
   * Waits until a server's log holds the event that an OK {@code response} stands for and returns
   * its sequence number. The server (or the replica that answered) logs its action before it
   * responds, so this returns at once unless the logs are read through a slow shared file system.
   */
  long awaitCreated(LoggedEvent response, String context) throws InterruptedException {
    watcher.await(
        "the server's event for " + response.process() + "'s " + response.rpc() + " (" + context + ")",
        timeout,
        () -> createdBy(response).isPresent(),
        () -> null);
    return createdBy(response).orElseThrow().seq();
  }

  /** The highest sequence number any server process has logged so far, 0 if none. */
  long lastSeq() {
    long last = 0;
    for (String server : servers.get()) {
      for (LoggedEvent e : watcher.events(server)) {
        if (e.seq() != null) {
          last = Math.max(last, e.seq());
        }
      }
    }
    return last;
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

  /**
   * The server's join, publish, leave and remove actions so far, by sequence number, in order; in a
   * cluster, each as the first replica (in the order given) logged applying it (a Replicate
   * receive whose {@code peer} is the replica that proposed it, not the participant).
   */
  Map<Long, LoggedEvent> serverActionsBySeq() {
    Map<Long, LoggedEvent> bySeq = new TreeMap<>();
    for (String server : servers.get()) {
      for (LoggedEvent e : watcher.events(server)) {
        boolean created = "action".equals(e.kind()) || isApplied(e);
        if (e.seq() != null && created && List.of("join", "publish", "leave", "remove")
            .contains(e.action())) {
          bySeq.putIfAbsent(e.seq(), e);
        }
      }
    }
    return bySeq;
  }
}

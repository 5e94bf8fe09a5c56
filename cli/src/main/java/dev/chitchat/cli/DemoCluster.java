package dev.chitchat.cli;

import dev.chitchat.logging.LoggedEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The server of a demo played with {@code --servers N} (N > 1): N replicas {@code s1} ... {@code sN}
 * of one Raft group, each its own process with its chat port, its Raft port and its data directory
 * under the run directory; and the scenario's server steps ({@code kill leader}, {@code restart
 * s2}, ...). Like the rest of the demo it learns what the replicas do only from their logs: the
 * current leader is named by the newest {@code leader} action (the highest term) in any replica's
 * log ({@code "s2 leads term 3"}).
 *
 * <p>Not thread-safe: the demo's thread.
 */
final class DemoCluster {

  private static final Pattern TERM = Pattern.compile("leads term (\\d+)");

  /** A replica's state as the demo has made it. */
  enum State { RUNNING, KILLED, STOPPED }

  /** One replica: its id, ports, data directory and process. */
  static final class Replica {
    final String id;
    final int chatPort;
    final int raftPort;
    final Path dataDir;
    Process process;
    /** Its process names so far: the id, then id-2, ... (a restart logs to a new file). */
    final List<String> processes = new ArrayList<>();
    State state = State.RUNNING;
    /** Where the scenario changed its state last, for messages ("line 9"). */
    String since = "";
    int starts;

    Replica(String id, int chatPort, int raftPort, Path dataDir) {
      this.id = id;
      this.chatPort = chatPort;
      this.raftPort = raftPort;
      this.dataDir = dataDir;
    }
  }

  /** The newest leader line: who leads which term. */
  record Leader(String id, long term) {}

  private final Path runDir;
  private final Launcher launcher;
  private final RunWatcher watcher;
  private final RunProgress progress;
  private final Duration timeout;
  private final List<Replica> replicas = new ArrayList<>();
  private final Deque<Replica> killedAsLeader = new ArrayDeque<>();
  private final Deque<Replica> stoppedAsLeader = new ArrayDeque<>();

  DemoCluster(int servers, Path runDir, Launcher launcher, RunWatcher watcher, RunProgress progress,
      Duration timeout) throws IOException {
    this.runDir = runDir;
    this.launcher = launcher;
    this.watcher = watcher;
    this.progress = progress;
    this.timeout = timeout;
    int[] ports = dev.chitchat.rpc.FreePorts.onLoopback(2 * servers);
    for (int i = 0; i < servers; i++) {
      String id = "s" + (i + 1);
      replicas.add(new Replica(id, ports[2 * i], ports[2 * i + 1], runDir.resolve("data").resolve(id)));
    }
  }

  /** The replicas' ids, s1 ... sN. */
  List<String> ids() {
    return replicas.stream().map(r -> r.id).toList();
  }

  /** Every process name the replicas have had: s1 ... sN, and s2-2 ... after restarts. */
  List<String> processes() {
    return replicas.stream().flatMap(r -> r.processes.isEmpty() ? java.util.stream.Stream.of(r.id)
        : r.processes.stream()).toList();
  }

  List<Replica> replicas() {
    return List.copyOf(replicas);
  }

  /**
   * The {@code --server} list of the {@code k}-th participant process (from 0): every replica's
   * chat address, starting with replica {@code k mod N}, so that participants spread over them.
   */
  String serverList(int k) {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < replicas.size(); i++) {
      addresses.add("127.0.0.1:" + replicas.get((k + i) % replicas.size()).chatPort);
    }
    return String.join(",", addresses);
  }

  /** Starts every replica and waits until one of them leads. */
  Leader start() throws IOException, InterruptedException {
    for (Replica replica : replicas) {
      Files.createDirectories(replica.dataDir);
      launch(replica);
    }
    return awaitLeader(-1, "a leader to be elected among " + String.join(", ", ids()));
  }

  private void launch(Replica replica) throws IOException {
    String peers = replicas.stream().map(r -> r.id + "=127.0.0.1:" + r.raftPort)
        .collect(Collectors.joining(","));
    // The name the server will give itself: its id, or id-2, ... when the log exists (a restart).
    String process = dev.chitchat.logging.LogSetup.uniqueProcessName(replica.id, runDir);
    replica.processes.add(process);
    replica.process = launcher.start(process, false, false, List.of(
        "server", "--id", replica.id, "--port", Integer.toString(replica.chatPort),
        "--peers", peers, "--data-dir", replica.dataDir.toString(),
        "--log-dir", runDir.toString()));
    replica.starts++;
    replica.state = State.RUNNING;
  }

  /**
   * Plays a server step; returns what it did, for the demo's line ({@code "killed s2, the leader
   * of term 1; s3 leads term 2"}).
   *
   * @throws UserError when the step cannot be played now or its effect does not show in time
   */
  String play(Scenario.Step step) throws IOException, InterruptedException {
    String where = "line " + step.line();
    switch (step.action()) {
      case KILL -> {
        Replica replica = target(step, State.RUNNING, State.STOPPED);
        boolean leader = isLeader(replica);
        Leader before = leader().orElse(new Leader("", -1));
        replica.process.destroyForcibly(); // SIGKILL on POSIX
        if (!replica.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new UserError("Timed out after " + timeout.toSeconds() + " s waiting for " + replica.id
              + " to die after SIGKILL (" + where + ").");
        }
        replica.state = State.KILLED;
        replica.since = where;
        if (step.participant().equals(Scenario.LEADER)) {
          killedAsLeader.push(replica);
        }
        String done = "killed " + replica.id + " (pid " + replica.process.pid() + ")"
            + (leader ? ", the leader of term " + before.term() : "");
        return leader ? done + "; " + reelected(before, where) : done;
      }
      case STOP -> {
        Replica replica = target(step, State.RUNNING);
        boolean leader = isLeader(replica);
        Leader before = leader().orElse(new Leader("", -1));
        Launcher.signal(replica.process, "STOP");
        replica.state = State.STOPPED;
        replica.since = where;
        if (step.participant().equals(Scenario.LEADER)) {
          stoppedAsLeader.push(replica);
        }
        String done = "stopped " + replica.id + " (SIGSTOP)"
            + (leader ? ", the leader of term " + before.term() : "");
        return leader ? done + "; " + reelected(before, where) : done;
      }
      case RESTART -> {
        Replica replica = step.participant().equals(Scenario.LEADER)
            ? popOrFail(killedAsLeader, step) : target(step, State.KILLED);
        long last = progress.lastSeq();
        launch(replica);
        replica.since = where;
        String process = replica.processes.get(replica.processes.size() - 1);
        awaitCaughtUp(replica, process, process.equals(replica.id) ? watcher.events(process).size() : 0,
            last, where);
        return "restarted " + replica.id + " (pid " + replica.process.pid() + "); caught up to event #"
            + last;
      }
      case CONTINUE -> {
        Replica replica = step.participant().equals(Scenario.LEADER)
            ? popOrFail(stoppedAsLeader, step) : target(step, State.STOPPED);
        long last = progress.lastSeq();
        Launcher.signal(replica.process, "CONT");
        replica.state = State.RUNNING;
        replica.since = where;
        String process = replica.processes.get(replica.processes.size() - 1);
        awaitCaughtUp(replica, process, 0, last, where);
        return "continued " + replica.id + " (SIGCONT); caught up to event #" + last;
      }
      default -> throw new IllegalArgumentException("not a server step: " + step);
    }
  }

  /** The replica a step names, which must be in one of {@code states}. */
  private Replica target(Scenario.Step step, State... states) throws InterruptedException {
    Replica replica;
    if (step.participant().equals(Scenario.LEADER)) {
      Leader leader = awaitLeader(-1, "a running leader (line " + step.line() + ": " + step + ")");
      replica = replica(leader.id());
    } else {
      replica = replica(step.participant());
    }
    if (!List.of(states).contains(replica.state)) {
      throw new UserError("Cannot " + step + " (line " + step.line() + "): " + replica.id + " is "
          + replica.state.name().toLowerCase(java.util.Locale.ROOT)
          + (replica.since.isEmpty() ? "." : " since " + replica.since + "."));
    }
    if (replica.state == State.RUNNING && !replica.process.isAlive()) {
      throw new UserError(replica.id + " exited by itself before " + step + " (line " + step.line()
          + "): " + lastLines(replica.processes.get(replica.processes.size() - 1) + ".out"));
    }
    return replica;
  }

  private static Replica popOrFail(Deque<Replica> replicas, Scenario.Step step) {
    Replica replica = replicas.poll();
    if (replica == null) {
      throw new UserError("Cannot " + step + " (line " + step.line() + "): no replica to " + step.action().keyword() + ".");
    }
    return replica;
  }

  private Replica replica(String id) {
    return replicas.stream().filter(r -> r.id.equals(id)).findFirst()
        .orElseThrow(() -> new UserError("There is no replica " + id + " in this run."));
  }

  private boolean isLeader(Replica replica) {
    return leader().map(l -> l.id().equals(replica.id)).orElse(false);
  }

  private String reelected(Leader before, String where) throws InterruptedException {
    Leader now = awaitLeader(before.term(), "a new leader after " + before.id() + " (" + where + ")");
    return now.id() + " leads term " + now.term();
  }

  /**
   * The newest leader line of any replica's log: the one with the highest term.
   */
  Optional<Leader> leader() {
    Leader newest = null;
    for (Replica replica : replicas) {
      for (String process : replica.processes) {
      for (LoggedEvent e : watcher.events(process)) {
        if (e.isAction("leader") && e.text() != null) {
          Matcher m = TERM.matcher(e.text());
          if (m.find()) {
            long term = Long.parseLong(m.group(1));
            if (newest == null || term > newest.term()) {
              newest = new Leader(replica.id, term);
            }
          }
        }
      }
      }
    }
    return Optional.ofNullable(newest);
  }

  /** Waits until a running replica leads a term above {@code term}. */
  private Leader awaitLeader(long term, String what) throws InterruptedException {
    Leader[] found = new Leader[1];
    watcher.await(what, timeout, () -> {
      Optional<Leader> leader = leader();
      if (leader.isPresent() && leader.get().term() > term
          && replica(leader.get().id()).state == State.RUNNING) {
        found[0] = leader.get();
        return true;
      }
      return false;
    }, this::exitedByItself);
    return found[0];
  }

  /**
   * Waits until the replica's log, after its first {@code skip} events, shows an event with
   * sequence number {@code seq} or later: it has applied everything ordered before the step.
   */
  private void awaitCaughtUp(Replica replica, String process, int skip, long seq, String where)
      throws InterruptedException {
    if (seq == 0) {
      return;
    }
    watcher.await(replica.id + " to catch up to event #" + seq + " (" + where
            + "; its log shows no Replicate receive of it yet)",
        timeout,
        () -> {
          List<LoggedEvent> events = watcher.events(process);
          for (int i = skip; i < events.size(); i++) {
            Long s = events.get(i).seq();
            if (s != null && s >= seq) {
              return true;
            }
          }
          return false;
        },
        this::exitedByItself);
  }

  /** A message if a replica that the demo has not killed has ended, else null. */
  String exitedByItself() {
    for (Replica replica : replicas) {
      if (replica.state != State.KILLED && replica.process != null && !replica.process.isAlive()) {
        return "Replica " + replica.id + " exited: "
            + lastLines(replica.processes.get(replica.processes.size() - 1) + ".out");
      }
    }
    return null;
  }

  /**
   * For a timeout's message: which replicas the scenario has taken down, if any
   * ({@code "; s2 killed at line 9"}).
   */
  String faults() {
    String down = replicas.stream().filter(r -> r.state != State.RUNNING)
        .map(r -> r.id + " " + r.state.name().toLowerCase(java.util.Locale.ROOT) + " at " + r.since)
        .collect(Collectors.joining(", "));
    return down.isEmpty() ? "" : "; " + down;
  }

  /** Stops every replica: SIGCONT to stopped ones, then SIGTERM; SIGKILL after 10 s. */
  void stop() throws InterruptedException {
    for (Replica replica : replicas) {
      if (replica.state == State.STOPPED && replica.process.isAlive()) {
        Launcher.signal(replica.process, "CONT");
        replica.state = State.RUNNING;
      }
    }
    for (Replica replica : replicas) {
      if (replica.process != null && replica.process.isAlive()) {
        replica.process.destroy();
      }
    }
    for (Replica replica : replicas) {
      if (replica.process != null && !replica.process.waitFor(10, TimeUnit.SECONDS)) {
        replica.process.destroyForcibly();
      }
    }
  }

  private String lastLines(String file) {
    List<String> lines = watcher.lines(file);
    return lines.isEmpty()
        ? "(no output)"
        : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
  }

}

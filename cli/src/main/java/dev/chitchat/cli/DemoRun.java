package dev.chitchat.cli;

import dev.chitchat.logging.LogSetup;
import dev.chitchat.logging.LoggedEvent;
import dev.chitchat.rules.PrintableText;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One play of a {@link Scenario}: a server process (or, with {@code --servers N}, a cluster of N
 * replicas: {@link DemoCluster}) and one process per participant, driven through the participants'
 * standard input and observed only through the run's logs. After every step it waits until every
 * current participant has delivered everything the server has ordered so far.
 *
 * <p>Not thread-safe: one demo thread.
 */
final class DemoRun {

  private static final String SERVER = RunProgress.SERVER;
  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");

  /** A participant process of this run. */
  private static final class Child {
    final String name;
    final String process;
    final Process os;
    final Writer input;
    int publishes;
    boolean present = true;

    Child(String name, String process, Process os) {
      this.name = name;
      this.process = process;
      this.os = os;
      this.input = new OutputStreamWriter(os.getOutputStream(), StandardCharsets.UTF_8);
    }
  }

  private final Path runDir;
  private final Launcher launcher;
  private final RunWatcher watcher;
  private final RunProgress progress;
  private final Duration timeout;
  private final PrintWriter out;
  private final Map<String, Child> present = new LinkedHashMap<>();
  private final List<Child> everyone = new ArrayList<>();
  private final DemoCluster cluster;
  private Process server;
  private int port;
  private int started;

  /** A run with one server process. */
  DemoRun(Path runDir, Launcher launcher, RunWatcher watcher, Duration timeout, PrintWriter out)
      throws IOException {
    this(runDir, launcher, watcher, timeout, out, 1);
  }

  /** A run with {@code servers} replicas (1: one server process, as ever). */
  DemoRun(Path runDir, Launcher launcher, RunWatcher watcher, Duration timeout, PrintWriter out,
      int servers) throws IOException {
    this.runDir = runDir;
    this.launcher = launcher;
    this.watcher = watcher;
    this.timeout = timeout;
    this.out = out;
    if (servers > 1) {
      DemoCluster[] self = new DemoCluster[1];
      this.progress = new RunProgress(watcher, timeout, () -> self[0].processes());
      this.cluster = new DemoCluster(servers, runDir, launcher, watcher, progress, timeout);
      self[0] = cluster;
    } else {
      this.progress = new RunProgress(watcher, timeout);
      this.cluster = null;
    }
  }

  /**
   * Starts the server on a free port and waits until it listens; or starts the cluster's replicas
   * and waits until one leads.
   *
   * @return what started, for the demo's first line
   */
  String startServers() throws IOException, InterruptedException {
    if (cluster != null) {
      DemoCluster.Leader leader = cluster.start();
      return cluster.ids().size() + " replicas (" + String.join(", ", cluster.ids()) + "; "
          + leader.id() + " leads term " + leader.term() + ")";
    }
    startServer();
    return "";
  }

  /** Starts the server on a free port and waits until it listens. */
  void startServer() throws IOException, InterruptedException {
    server =
        launcher.start(
            SERVER, false, List.of("server", "--port", "0", "--log-dir", runDir.toString()));
    String[] found = new String[1];
    watcher.await(
        "the server to listen",
        timeout,
        () -> {
          for (String line : watcher.lines(SERVER + ".out")) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
              found[0] = m.group(1);
              return true;
            }
          }
          return false;
        },
        () -> server.isAlive() ? null : "The server exited: " + lastLines(SERVER + ".out"));
    port = Integer.parseInt(found[0]);
  }

  /** Plays every step, then makes everyone still present leave. */
  void play(Scenario scenario) throws IOException, InterruptedException {
    for (Scenario.Step step : scenario.steps()) {
      switch (step.action()) {
        case JOIN -> join(step);
        case PUBLISH -> publish(step);
        case LEAVE -> leave(step);
        default -> announce(step, cluster.play(step), null);
      }
    }
    for (Child child : List.copyOf(present.values())) {
      leave(new Scenario.Step(0, child.name, Scenario.Action.LEAVE, null));
    }
  }

  private void join(Scenario.Step step) throws IOException, InterruptedException {
    String process = LogSetup.uniqueProcessName(step.participant(), runDir);
    Process os =
        launcher.start(
            process,
            true,
            List.of("participant", "--name", step.participant(), "--port", "0",
                "--server", cluster == null ? "127.0.0.1:" + port : cluster.serverList(started),
                "--log-dir", runDir.toString(), "--console-log"));
    started++;
    Child child = new Child(step.participant(), process, os);
    everyone.add(child);
    LoggedEvent response = awaitResponse(step, child, "Join", 1);
    if (!"OK".equals(response.status())) {
      child.present = false;
      throw new UserError(step.participant() + " could not join (line " + step.line() + "): "
          + response.status() + " " + response.text());
    }
    present.put(child.name, child);
    announce(step, "ok", response);
    awaitDeliveries(step, response);
  }

  private void publish(Scenario.Step step) throws IOException, InterruptedException {
    Child child = present.get(step.participant());
    // As a person would type it: a text that starts with / would otherwise be a command.
    child.input.write(dev.chitchat.participant.ChatLoop.typed(step.text()) + "\n");
    child.input.flush();
    child.publishes++;
    LoggedEvent response = awaitResponse(step, child, "Publish", child.publishes);
    if ("OK".equals(response.status())) {
      announce(step, "ok", response);
      awaitDeliveries(step, response);
    } else {
      announce(step, "refused: " + response.text(), null);
    }
  }

  private void leave(Scenario.Step step) throws IOException, InterruptedException {
    Child child = present.remove(step.participant());
    child.input.write("/quit\n");
    child.input.close();
    watcher.await(step.participant() + "'s process to end", timeout, () -> !child.os.isAlive(),
        () -> null);
    child.present = false;
    LoggedEvent response = awaitResponse(step, child, "Leave", 1);
    if (!"OK".equals(response.status())) {
      throw new UserError(step.participant() + " could not leave (line " + step.line() + "): "
          + response.status() + " " + response.text());
    }
    announce(step, "ok", response);
    awaitDeliveries(step, response);
  }

  /** Stops the server (or every replica) with SIGTERM and waits for it. */
  void stopServer() throws InterruptedException {
    if (cluster != null) {
      cluster.stop();
      return;
    }
    server.destroy();
    if (!server.waitFor(10, TimeUnit.SECONDS)) {
      server.destroyForcibly();
    }
  }

  /**
   * Prints the run directory and each participant's deliveries, and checks that each delivered the
   * events of its membership once each, in sequence order.
   *
   * @return whether every participant's deliveries were complete and in order
   */
  boolean report() {
    Map<Long, LoggedEvent> ordered = serverActionsBySeq();
    boolean consistent = true;
    out.println();
    out.println("Run directory: " + runDir);
    out.println("  JSON Lines logs: "
        + (cluster == null ? "server.jsonl" : String.join(", ",
            cluster.processes().stream().map(id -> id + ".jsonl").toList()))
        + everyone.stream().map(c -> ", " + c.process + ".jsonl").reduce("", String::concat));
    out.println("  console output:  *.out");
    for (Child child : everyone) {
      out.println();
      out.println(child.process + " delivered:");
      List<Long> seqs = new ArrayList<>();
      for (LoggedEvent e : watcher.events(child.process)) {
        if (!e.isAction("deliver")) {
          continue;
        }
        seqs.add(e.seq());
        LoggedEvent created = ordered.get(e.seq());
        String sentAt =
            created != null && created.isAction("publish") ? " (sent at L=" + created.lamport() + ")" : "";
        out.printf("  %-8s %s%s%n", "[L=" + e.lamport() + "]", PrintableText.escape(e.text()), sentAt);
      }
      Optional<String> problem = checkMembership(child, seqs, ordered);
      if (problem.isPresent()) {
        consistent = false;
        out.println("  PROBLEM: " + problem.get());
      }
    }
    out.println();
    out.println(consistent
        ? "Every participant delivered every event of its membership once, in the server's order."
        : "Some deliveries are missing or out of order (see PROBLEM above).");
    out.flush();
    return consistent;
  }

  private Optional<String> checkMembership(Child child, List<Long> seqs, Map<Long, LoggedEvent> ordered) {
    Long joined = null;
    Long left = null;
    // The child's membership: NAME is the first, NAME-2 the second ... (by the server's order).
    int membership = child.process.equals(child.name) ? 1
        : Integer.parseInt(child.process.substring(child.name.length() + 1));
    int joins = 0;
    int leaves = 0;
    for (Map.Entry<Long, LoggedEvent> entry : ordered.entrySet()) {
      LoggedEvent e = entry.getValue();
      if (RunProgress.isApplied(e)) {
        // A replica's log names the proposer as the peer: the participant is in the text.
        String text = e.text() == null ? "" : e.text();
        if (e.action().equals("join") && text.startsWith("Participant " + child.name + " joined")
            && ++joins == membership) {
          joined = entry.getKey();
        } else if ((e.action().equals("leave") || e.action().equals("remove"))
            && text.startsWith("Participant " + child.name + " left") && ++leaves == membership) {
          left = entry.getKey();
        }
      } else if (child.process.equals(e.peer()) && e.isAction("join")) {
        joined = entry.getKey();
      } else if (child.process.equals(e.peer()) && (e.isAction("leave") || e.isAction("remove"))) {
        left = entry.getKey();
      }
    }
    if (joined == null) {
      return Optional.of("the server never logged its join");
    }
    long last = left == null ? ordered.keySet().stream().mapToLong(Long::longValue).max().orElse(0) : left - 1;
    List<Long> expected = new ArrayList<>();
    for (long s = joined; s <= last; s++) {
      expected.add(s);
    }
    return seqs.equals(expected)
        ? Optional.empty()
        : Optional.of("delivered " + seqs + " but expected " + expected);
  }

  private Map<Long, LoggedEvent> serverActionsBySeq() {
    return progress.serverActionsBySeq();
  }

  private LoggedEvent awaitResponse(Scenario.Step step, Child child, String rpc, int count)
      throws InterruptedException {
    return progress.awaitResponse(child.process, rpc, count, where(step),
        () -> child.os.isAlive() || !child.present
            ? null
            : child.process + " exited before its " + rpc + " response: " + lastLines(child.process + ".out"));
  }

  /** Waits until every current participant has delivered the event that the step's call created. */
  private void awaitDeliveries(Scenario.Step step, LoggedEvent response) throws InterruptedException {
    long target = progress.awaitCreated(response, where(step));
    for (Child child : present.values()) {
      progress.awaitDelivered(child.process, target, where(step),
          () -> child.os.isAlive()
              ? cluster == null ? null : cluster.exitedByItself()
              : child.process + " exited unexpectedly: " + lastLines(child.process + ".out"));
    }
  }

  /**
   * Where a step is, for a wait's message: {@code "line 12"}; with replicas down, also which
   * ({@code "line 12; s2 killed at line 9"}), since a participant may be failing over.
   */
  private String where(Scenario.Step step) {
    return "line " + step.line() + (cluster == null ? "" : cluster.faults());
  }

  private void announce(Scenario.Step step, String result, LoggedEvent response) {
    String shown = abbreviate(step.toString(), 44);
    String created = response == null ? "" : progress.createdBy(response)
        .map(e -> "  event #" + e.seq() + " at L=" + e.lamport()).orElse("");
    out.printf("  %-46s %s%s%n", shown, PrintableText.escape(result), created);
    out.flush();
  }

  private String lastLines(String file) {
    List<String> lines = watcher.lines(file);
    return lines.isEmpty()
        ? "(no output)"
        : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
  }

  private static String abbreviate(String text, int max) {
    int length = text.codePointCount(0, text.length());
    return length <= max ? text : text.substring(0, text.offsetByCodePoints(0, max - 3)) + "...";
  }
}

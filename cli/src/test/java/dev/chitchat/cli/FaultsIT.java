package dev.chitchat.cli;

import static dev.chitchat.cli.RealProcesses.awaitEvent;
import static dev.chitchat.cli.RealProcesses.awaitOutput;
import static dev.chitchat.cli.RealProcesses.events;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.diagrams.CheckReport;
import dev.chitchat.diagrams.Diagrams;
import dev.chitchat.logging.LoggedEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes fail: a participant is killed with SIGKILL, one is stopped with SIGSTOP and
 * resumed, and the server is killed and restarted; participants run with --rejoin. The logs must
 * pass the diagram checks and the survivors must have delivered the same events in the same order.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "uses POSIX signals")
class FaultsIT {

  private static final Duration LONG = Duration.ofSeconds(30);

  @TempDir Path work;
  private RealProcesses processes;

  @AfterEach
  void killLeftovers() {
    processes.close();
  }

  private static boolean serverAction(LoggedEvent e, String server, String action, String textStart) {
    return e.process().equals(server) && e.isAction(action)
        && e.text() != null && e.text().startsWith(textStart);
  }

  @Test
  void killedStoppedAndRestartedProcessesAndTheChatGoesOn() throws Exception {
    processes = new RealProcesses(work);
    Path logs = work.resolve("logs");
    String[] serverOptions = {"--log-dir", logs.toString(), "--failure-timeout-ms", "2000",
        "--max-queue", "10", "--quiet"};
    RealProcesses.Proc server = processes.start("server", concat(
        new String[] {"server", "--port", "0"}, serverOptions));
    String port = awaitOutput(server, Pattern.compile("listening on port (\\d+)"));

    RealProcesses.Proc alex = participant("Alex", port, logs);
    RealProcesses.Proc bob = participant("Bob", port, logs);
    RealProcesses.Proc carol = participant("Carol", port, logs);
    awaitEvent(logs, LONG, e -> serverAction(e, "server", "join", "Participant Carol joined"));
    alex.type("one");
    awaitEvent(logs, LONG, e -> e.process().equals("Carol") && e.isAction("deliver")
        && "Alex: one".equals(e.text()));

    // 1. SIGKILL: Carol is noticed, removed and announced with the reason.
    carol.process().destroyForcibly();
    awaitEvent(logs, LONG, e -> e.process().equals("Alex") && e.isAction("deliver")
        && e.text().startsWith("Participant Carol left Chitty-Chat at Lamport time")
        && e.text().endsWith("(connection lost)"));

    // 2. SIGSTOP: Bob stops reading and is removed as too slow (or as lost, if that comes first).
    bob.signal("STOP");
    for (int i = 0; i < 15; i++) {
      alex.type("while Bob sleeps " + i);
    }
    awaitEvent(logs, LONG, e -> serverAction(e, "server", "remove", "Participant Bob left"));
    bob.signal("CONT");
    // ... then learns he was removed and joins again by himself.
    awaitEvent(logs, LONG, e -> e.process().equals("server") && e.isAction("join")
        && e.text().startsWith("Participant Bob joined") && e.seq() > 5);
    awaitOutput(bob, Pattern.compile("Rejoined Chitty-Chat as Bob"));

    // 3. The server is killed and restarted on the same port; both participants rejoin it.
    alex.type("before the crash");
    awaitEvent(logs, LONG, e -> e.process().equals("Bob") && e.isAction("deliver")
        && "Alex: before the crash".equals(e.text()));
    server.process().destroyForcibly();
    assertThat(server.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
    RealProcesses.Proc restarted = processes.start("server-2", concat(
        new String[] {"server", "--port", port}, serverOptions));
    awaitOutput(restarted, Pattern.compile("listening on port " + port));
    awaitEvent(logs, LONG, e -> serverAction(e, "server-2", "join", "Participant Alex joined"));
    awaitEvent(logs, LONG, e -> serverAction(e, "server-2", "join", "Participant Bob joined"));
    alex.type("after the restart");
    awaitEvent(logs, LONG, e -> e.process().equals("Bob") && e.isAction("deliver")
        && "Alex: after the restart".equals(e.text()));

    alex.type("/quit");
    bob.type("/quit");
    assertThat(alex.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bob.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    restarted.process().destroy();
    assertThat(restarted.process().waitFor(30, TimeUnit.SECONDS)).isTrue();

    CheckReport report = Diagrams.check(logs);
    assertThat(report.violations()).as(report.toString()).isEmpty();
    List<LoggedEvent> all = events(logs);
    List<Long> alexAfterRestart = delivered(all, "Alex", "server-2");
    List<Long> bobAfterRestart = delivered(all, "Bob", "server-2");
    // The events both delivered, they delivered in the same order; each without gaps or repeats.
    assertThat(bobAfterRestart.stream().filter(alexAfterRestart::contains).toList())
        .isEqualTo(alexAfterRestart.stream().filter(bobAfterRestart::contains).toList())
        .hasSizeGreaterThanOrEqualTo(2);
    for (String who : List.of("Alex", "Bob")) {
      for (String epoch : List.of("server", "server-2")) {
        List<Long> seqs = delivered(all, who, epoch);
        assertThat(seqs).as(who + " from " + epoch).isSorted().doesNotHaveDuplicates();
      }
      List<Long> seqs = delivered(all, who, "server-2");
      assertThat(seqs.get(seqs.size() - 1) - seqs.get(0) + 1).isEqualTo(seqs.size());
    }
    List<Long> alexBefore = delivered(all, "Alex", "server");
    assertThat(alexBefore.get(alexBefore.size() - 1) - alexBefore.get(0) + 1)
        .as("Alex saw every event of the first server, without gaps").isEqualTo(alexBefore.size());
    assertThat(all).anyMatch(e -> e.process().equals("Alex") && e.isAction("server-lost"));
  }

  private RealProcesses.Proc participant(String name, String port, Path logs) throws Exception {
    RealProcesses.Proc proc = processes.start(name, "participant", "--name", name,
        "--server", "localhost:" + port, "--log-dir", logs.toString(), "--rejoin",
        "--server-timeout-ms", "3000", "--no-console-log");
    awaitOutput(proc, Pattern.compile("Joined Chitty-Chat"));
    return proc;
  }

  private static List<Long> delivered(List<LoggedEvent> all, String who, String server) {
    return all.stream()
        .filter(e -> e.process().equals(who) && e.isAction("deliver") && server.equals(e.peer()))
        .map(LoggedEvent::seq)
        .toList();
  }

  private static String[] concat(String[] a, String[] b) {
    String[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}

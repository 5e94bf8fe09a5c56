package dev.chitchat.cli;

import static dev.chitchat.cli.RealProcesses.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chitchat.diagrams.CheckReport;
import dev.chitchat.diagrams.Diagrams;
import dev.chitchat.logging.LoggedEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random faults in a three-replica chat: a replica is killed (SIGKILL) and restarted, or stopped
 * (SIGSTOP) and continued, never more than one of the three at a time; a participant is killed and
 * started again, or stopped and continued; and the participants publish throughout. For {@code
 * -Dchitchat.cluster.seconds} (default 40; the soak profile plays longer) or 60 rounds, whichever
 * ends first. Afterwards: every message a witness participant (never faulted) had acknowledged is
 * delivered once by every witness, in one order; nobody delivered anything twice or out of order;
 * the logs pass the diagram's checks.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "uses POSIX signals")
class ClusterFaultsIT {

  @TempDir Path work;
  private RealProcesses processes;


  @AfterEach
  void killLeftovers() {
    if (processes != null) {
      processes.close();
    }
  }

  @Test
  void noAcknowledgedMessageIsLostThroughRandomReplicaAndParticipantFaults() throws Exception {
    long seconds = Long.getLong("chitchat.cluster.seconds", 40);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Random random = new Random(Long.getLong("chitchat.soak.seed", 7));
    processes = new RealProcesses(work);
    Path logs = work.resolve("logs");
    TestCluster cluster = new TestCluster(processes, work, logs, 3);
    cluster.start();

    // W1 and W2 are witnesses, never faulted; F1 (then F2, ...) is killed, restarted, stopped and continued.
    List<String> witnesses = List.of("W1", "W2");
    List<RealProcesses.Proc> chatting = new ArrayList<>();
    for (int k = 0; k < witnesses.size(); k++) {
      chatting.add(participant(cluster, witnesses.get(k), witnesses.get(k), k, logs));
    }
    int[] incarnation = {1};
    RealProcesses.Proc faulty = participant(cluster, "F1", "F1", 2, logs);

    int rounds = 0;
    int lastRound = 0;
    int line = 0;
    while (System.nanoTime() < deadline && rounds++ < 60) {
      TestCluster.Replica replica = cluster.replicas.get(random.nextInt(3));
      int fault = random.nextInt(5);
      switch (fault) {
        case 0 -> { // a replica crashes, the chat goes on, it comes back
          cluster.kill(replica);
          line = chat(chatting, line, 4);
          cluster.start(replica);
        }
        case 1 -> { // a replica pauses, the chat goes on, it resumes
          replica.proc.signal("STOP");
          line = chat(chatting, line, 4);
          replica.proc.signal("CONT");
        }
        case 2 -> { // the faulty participant crashes and a new process takes its name
          faulty.process().destroyForcibly();
          faulty.process().waitFor(10, TimeUnit.SECONDS);
          line = chat(chatting, line, 2);
          // A new name: the old one stays a member until the cluster notices it is gone.
          String name = "F" + ++incarnation[0];
          faulty = participant(cluster, name, name, 2, logs);
        }
        case 3 -> { // the faulty participant pauses
          faulty.signal("STOP");
          line = chat(chatting, line, 4);
          faulty.signal("CONT");
        }
        default -> {
          line = chat(chatting, line, 3);
          faulty.type("F says " + rounds);
        }
      }
      // Before the next fault, the chat has caught up: both witnesses deliver a marker.
      lastRound = rounds;
      String marker = "round " + rounds;
      chatting.get(0).type(marker);
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        List<LoggedEvent> all = events(logs);
        return witnesses.stream().allMatch(w -> TestCluster.deliveries(all, w).stream()
            .anyMatch(e -> ("W1: " + marker).equals(e.text())));
      });
    }

    for (RealProcesses.Proc p : chatting) {
      p.type("/quit");
    }
    faulty.type("/quit");
    for (RealProcesses.Proc p : chatting) {
      assertThat(p.process().waitFor(60, TimeUnit.SECONDS)).as(p.label() + " ended").isTrue();
    }
    faulty.process().waitFor(60, TimeUnit.SECONDS);
    cluster.stopAll();

    List<LoggedEvent> all = events(logs);
    Map<String, List<String>> acked = TestCluster.acknowledged(all);
    List<Long> first = null;
    for (String w : witnesses) {
      List<LoggedEvent> delivered = TestCluster.deliveries(all, w);
      List<Long> seqs = delivered.stream().map(LoggedEvent::seq).toList();
      assertThat(seqs).as(w + "'s deliveries").isSorted().doesNotHaveDuplicates();
      List<String> texts = delivered.stream().map(LoggedEvent::text).toList();
      for (String sender : witnesses) {
        for (String text : acked.getOrDefault(sender, List.of())) {
          assertThat(texts).as(w + " delivered " + sender + "'s acknowledged \"" + text + "\" once")
              .containsOnlyOnce(sender + ": " + text);
        }
      }
      // From W2's join to the last round's marker both are members; then they leave in turn.
      long bothIn = TestCluster.deliveries(all, "W2").get(0).seq();
      String lastMarker = "W1: round " + lastRound;
      long end = TestCluster.deliveries(all, "W2").stream()
          .filter(e -> lastMarker.equals(e.text())).findFirst().orElseThrow().seq();
      List<Long> common = seqs.stream().filter(s -> s >= bothIn && s <= end).toList();
      assertThat(common.get(common.size() - 1) - common.get(0) + 1)
          .as(w + " delivered without gaps").isEqualTo(common.size());
      if (first == null) {
        first = common;
      } else {
        assertThat(common).as("the witnesses delivered one order").isEqualTo(first);
      }
    }
    for (String process : RunLogs.byProcess(all).keySet()) {
      List<Long> seqs = TestCluster.deliveries(all, process).stream().map(LoggedEvent::seq).toList();
      assertThat(seqs).as(process + "'s deliveries").isSorted().doesNotHaveDuplicates();
    }
    CheckReport report = Diagrams.check(logs);
    System.out.printf("cluster faults: %d rounds in %d s; %d chat events, %d deliveries, %d notes%n",
        lastRound, seconds, report.chatEvents(), report.deliveries(), report.notes().size());
    assertThat(report.violations()).as(report.toString()).isEmpty();
  }

  private static int chat(List<RealProcesses.Proc> from, int line, int lines) throws Exception {
    for (int i = 0; i < lines; i++) {
      for (RealProcesses.Proc p : from) {
        p.type("line " + line++);
      }
    }
    return line;
  }

  private RealProcesses.Proc participant(TestCluster cluster, String name, String label, int k,
      Path logs) throws Exception {
    RealProcesses.Proc proc = processes.start(label, "participant", "--name", name,
        "--server", cluster.serverList(k), "--log-dir", logs.toString(), "--rejoin",
        "--no-console-log");
    await().atMost(Duration.ofSeconds(60)).until(() ->
        proc.printed().contains("Joined Chitty-Chat") || proc.printed().contains("Rejoined")
            || !proc.process().isAlive());
    return proc;
  }
}

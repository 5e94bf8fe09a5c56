package dev.chitchat.cli;

import static dev.chitchat.cli.RealProcesses.awaitOutput;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three server replicas and three participants, all real processes: a burst of messages from the
 * three participants, the Raft leader killed (SIGKILL) in the middle of it. Every message that a
 * participant had acknowledged (an OK Publish response) is delivered by every participant, once,
 * in one order; the killed replica, restarted with its data directory, catches up; the logs pass
 * the diagram's checks.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "uses POSIX signals")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClusterIT {

  private static final int BURST = 20;

  @TempDir Path work;
  private RealProcesses processes;


  @AfterEach
  void killLeftovers() {
    if (processes != null) {
      processes.close();
    }
  }

  @Test
  void everyAcknowledgedMessageSurvivesTheLeadersDeathAndTheRestartedReplicaCatchesUp()
      throws Exception {
    processes = new RealProcesses(work);
    Path logs = work.resolve("logs");
    TestCluster cluster = new TestCluster(processes, work, logs, 3);
    cluster.start();

    List<RealProcesses.Proc> members = new ArrayList<>();
    List<String> names = List.of("Ann", "Ben", "Cat");
    for (int k = 0; k < names.size(); k++) {
      RealProcesses.Proc p = processes.start(names.get(k), "participant", "--name", names.get(k),
          "--server", cluster.serverList(k), "--log-dir", logs.toString(), "--no-console-log");
      awaitOutput(p, Pattern.compile("Joined Chitty-Chat"));
      members.add(p);
    }

    // The first half of the burst; once some of it is acknowledged, the leader dies.
    for (int i = 0; i < BURST / 2; i++) {
      for (int k = 0; k < members.size(); k++) {
        members.get(k).type(names.get(k) + " " + i);
      }
    }
    await().atMost(Duration.ofSeconds(30)).until(() ->
        TestCluster.acknowledged(events(logs)).values().stream().mapToInt(List::size).sum() >= BURST / 2);
    TestCluster.Replica leader = cluster.awaitLeader(-1);
    long term = cluster.leader().orElseThrow().getValue();
    cluster.kill(leader);
    for (int i = BURST / 2; i < BURST; i++) {
      for (int k = 0; k < members.size(); k++) {
        members.get(k).type(names.get(k) + " " + i);
      }
    }
    TestCluster.Replica next = cluster.awaitLeader(term);
    assertThat(next.id).isNotEqualTo(leader.id);

    // Every participant has an answer for every line (OK, or given up), and a last message that
    // all three deliver marks the end of the burst.
    members.get(0).type("end of burst");
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      List<LoggedEvent> all = events(logs);
      return names.stream().allMatch(n -> TestCluster.deliveries(all, n).stream()
          .anyMatch(e -> "Ann: end of burst".equals(e.text())));
    });

    // The killed replica comes back with its data directory and applies everything.
    long last = TestCluster.lastSeq(events(logs), cluster.ids());
    // Its log: the same file continued, or (as LogSetup names a restart) a new one, s2-2.jsonl.
    java.util.Set<String> before = events(logs).stream().map(LoggedEvent::location)
        .collect(java.util.stream.Collectors.toSet());
    cluster.start(leader);
    await().atMost(Duration.ofSeconds(60)).until(() -> events(logs).stream()
        .filter(e -> e.process().replaceFirst("-\\d+$", "").equals(leader.id))
        .filter(e -> !before.contains(e.location()))
        .anyMatch(e -> e.isReceive() && "Replicate".equals(e.rpc()) && e.seq() != null
            && e.seq() >= last));

    for (RealProcesses.Proc p : members) {
      p.type("/quit");
    }
    for (RealProcesses.Proc p : members) {
      assertThat(p.process().waitFor(60, TimeUnit.SECONDS)).as(p.label() + " ended").isTrue();
    }
    cluster.stopAll();

    List<LoggedEvent> all = events(logs);
    Map<String, List<String>> acked = TestCluster.acknowledged(all);
    assertThat(acked.values().stream().mapToInt(List::size).sum())
        .as("acknowledged messages").isGreaterThanOrEqualTo(BURST);
    List<Long> reference = null;
    for (String name : names) {
      List<LoggedEvent> delivered = TestCluster.deliveries(all, name);
      List<Long> seqs = delivered.stream().map(LoggedEvent::seq).toList();
      assertThat(seqs).as(name + "'s deliveries").isSorted().doesNotHaveDuplicates();
      List<String> texts = delivered.stream().map(LoggedEvent::text).toList();
      acked.forEach((sender, lines) -> {
        for (String line : lines) {
          assertThat(texts).as(name + " delivered " + sender + "'s acknowledged \"" + line + "\" once")
              .containsOnlyOnce(sender + ": " + line);
        }
      });
      // From Cat's join to the end of the burst (all three are members), everyone delivered the
      // same sequence. (After it they leave one by one.)
      long catJoined = TestCluster.deliveries(all, "Cat").get(0).seq();
      long end = TestCluster.deliveries(all, "Cat").stream()
          .filter(e -> "Ann: end of burst".equals(e.text())).findFirst().orElseThrow().seq();
      List<Long> common = seqs.stream().filter(s -> s >= catJoined && s <= end).toList();
      if (reference == null) {
        reference = common;
      } else {
        assertThat(common).as(name + " delivered what the others did, in the same order")
            .isEqualTo(reference);
      }
      assertThat(common.get(common.size() - 1) - common.get(0) + 1)
          .as(name + " delivered without gaps").isEqualTo(common.size());
    }
    CheckReport report = Diagrams.check(logs);
    assertThat(report.violations()).as(report.toString()).isEmpty();
  }
}

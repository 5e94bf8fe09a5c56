package dev.chitchat.cli;

import static dev.chitchat.cli.RealProcesses.awaitOutput;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.diagrams.CheckReport;
import dev.chitchat.diagrams.Diagrams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A longer soak, run only with {@code ./mvnw -Psoak verify}: four participants with --rejoin chat
 * while random ones are killed and restarted, or stopped and resumed, for {@code
 * -Dchitchat.soak.seconds} (default 120) or 200 rounds, whichever ends first; then everyone leaves
 * and the run's logs must pass every check of the diagram tool.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "uses POSIX signals")
class SoakIT {

  @TempDir Path work;
  private RealProcesses processes;

  @AfterEach
  void killLeftovers() {
    processes.close();
  }

  @Test
  void chatsThroughRandomCrashesAndPauses() throws Exception {
    long seconds = Long.getLong("chitchat.soak.seconds", 120);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Random random = new Random(Long.getLong("chitchat.soak.seed", 42));
    processes = new RealProcesses(work);
    Path logs = work.resolve("logs");
    RealProcesses.Proc server = processes.start("server", "server", "--port", "0",
        "--log-dir", logs.toString(), "--failure-timeout-ms", "2000", "--max-queue", "50", "--quiet");
    String port = awaitOutput(server, Pattern.compile("listening on port (\\d+)"));
    List<RealProcesses.Proc> members = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      members.add(participant("P" + i, port, logs, 1));
    }
    int[] incarnation = {1, 1, 1, 1};

    int rounds = 0;
    while (System.nanoTime() < deadline && rounds++ < 200) {
      int who = random.nextInt(members.size());
      RealProcesses.Proc victim = members.get(who);
      switch (random.nextInt(4)) {
        case 0 -> { // crash and restart
          victim.process().destroyForcibly();
          victim.process().waitFor(10, TimeUnit.SECONDS);
          members.set(who, participant("P" + who, port, logs, ++incarnation[who]));
        }
        case 1 -> { // pause and resume
          victim.signal("STOP");
          chat(members.get((who + 1) % members.size()), rounds, 8);
          victim.signal("CONT");
        }
        default -> chat(victim, rounds, 3);
      }
    }

    for (RealProcesses.Proc member : members) {
      member.type("/quit");
    }
    for (RealProcesses.Proc member : members) {
      assertThat(member.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    server.process().destroy();
    assertThat(server.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    CheckReport report = Diagrams.check(logs);
    System.out.printf("soak: %d rounds in %d s; %d chat events, %d deliveries, %d notes%n",
        rounds, seconds, report.chatEvents(), report.deliveries(), report.notes().size());
    assertThat(report.violations()).as(report.toString()).isEmpty();
  }

  private static void chat(RealProcesses.Proc from, int round, int lines) throws Exception {
    for (int i = 0; i < lines; i++) {
      from.type("round " + round + " line " + i);
    }
  }

  private RealProcesses.Proc participant(String name, String port, Path logs, int incarnation)
      throws Exception {
    RealProcesses.Proc proc = processes.start(name + "-" + incarnation, "participant", "--name", name,
        "--server", "localhost:" + port, "--log-dir", logs.toString(), "--rejoin",
        "--server-timeout-ms", "3000", "--no-console-log");
    awaitOutput(proc, Pattern.compile("listening for broadcasts"));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
        proc.printed().contains("Joined Chitty-Chat") || proc.printed().contains("Rejoined")
            || !proc.process().isAlive());
    return proc;
  }
}

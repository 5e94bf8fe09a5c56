package dev.chitchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chitchat.diagrams.CheckReport;
import dev.chitchat.diagrams.Diagrams;
import dev.chitchat.logging.EventLogReader;
import dev.chitchat.logging.LoggedEvent;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with real processes: the built jar (the launcher's) starts a server and participants,
 * each its own JVM, over loopback gRPC; the test reads their JSON Lines logs.
 */
class EndToEndIT {

  private static final Path JAR = Path.of(System.getProperty("chitchat.jar", "target/chitchat.jar"));

  @TempDir Path work;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    started.forEach(Process::destroyForcibly);
  }

  private Process chitchat(Path output, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", JAR.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    started.add(process);
    return process;
  }

  @Test
  void theDemoPlaysAScenarioAndEveryParticipantDeliversTheSameEventsInTheSameOrder() throws Exception {
    Path scenario = work.resolve("four.scenario");
    Files.writeString(scenario, String.join("\n",
        "Alex joins", "Alex: Hello World!", "Aske joins", "Aske: Hello Alex",
        "Alex: " + "x".repeat(354), "Bob joins", "Aske leaves", "Bob: one", "Bob: two",
        "Dana joins", "Dana: \u00e6\u00f8\u00e5 \uD83D\uDC4B", "Alex: goodbye", "Alex leaves", "Bob leaves", ""),
        StandardCharsets.UTF_8);
    Path runDir = work.resolve("run");
    Path output = work.resolve("demo.out");

    Process demo = chitchat(output, "demo", "--scenario", scenario.toString(), "--run-dir", runDir.toString());

    assertThat(demo.waitFor(3, TimeUnit.MINUTES)).as("demo finished").isTrue();
    String printed = Files.readString(output, StandardCharsets.UTF_8);
    assertThat(demo.exitValue()).as(printed).isZero();
    assertThat(printed)
        .contains("refused: Message too long (354 characters). Limit is 128.")
        .contains("Run directory: " + runDir)
        .containsPattern("\\[L=\\d+\\] +Alex: Hello World! \\(sent at L=\\d+\\)")
        .contains("Violations: 0");

    EventLogReader.Result logs = new EventLogReader().read(runDir);
    assertThat(logs.problems()).isEmpty();
    Map<String, List<LoggedEvent>> byProcess = RunLogs.byProcess(logs.events());
    assertThat(byProcess.keySet()).containsExactlyInAnyOrder("server", "Alex", "Aske", "Bob", "Dana");

    // L strictly increases down every process's file; every receive has a higher L than its send.
    RunLogs.assertClockCondition(logs.events(), byProcess, false);

    // Everyone delivered the same events in the same order: the server's sequence order.
    Map<String, List<Long>> delivered = RunLogs.delivered(byProcess);
    assertThat(delivered.get("Alex")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
    assertThat(delivered.get("Aske")).containsExactly(3L, 4L, 5L);
    assertThat(delivered.get("Bob")).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
    assertThat(delivered.get("Dana")).containsExactly(9L, 10L, 11L, 12L, 13L);
    Map<Long, String> textOf =
        RunLogs.sameTextEverywhere(byProcess, List.of("Alex", "Aske", "Bob", "Dana"));

    // Join and leave texts carry the server's Lamport timestamp of the action.
    Map<Long, LoggedEvent> serverActions = RunLogs.serverActions(byProcess);
    assertThat(textOf.get(1L)).isEqualTo(
        "Participant Alex joined Chitty-Chat at Lamport time " + serverActions.get(1L).lamport());
    assertThat(textOf.get(6L)).isEqualTo(
        "Participant Aske left Chitty-Chat at Lamport time " + serverActions.get(6L).lamport());
    assertThat(textOf.get(2L)).isEqualTo("Alex: Hello World!");
    assertThat(textOf.get(10L)).isEqualTo("Dana: \u00e6\u00f8\u00e5 \uD83D\uDC4B");
    assertThat(byProcess.get("server")).anyMatch(e -> e.isAction("refuse")
        && "Message too long (354 characters). Limit is 128.".equals(e.text()));

    CheckReport report = Diagrams.check(runDir);
    assertThat(report.violations()).isEmpty();
    assertThat(runDir.resolve("diagram.svg")).isNotEmptyFile();
    assertThat(runDir.resolve("diagram.png")).isNotEmptyFile();
  }

  @Test
  void participantsStartedByHandChatAndLeaveCleanlyOnSigterm() throws Exception {
    Path logs = work.resolve("logs");
    Path serverOut = work.resolve("server.out");
    chitchat(serverOut, "server", "--port", "0", "--log-dir", logs.toString());
    int port = awaitPort(serverOut, Pattern.compile("listening on port (\\d+)"));

    Path alexOut = work.resolve("alex.out");
    Process alex = chitchat(alexOut, "participant", "--name", "Alex", "--port", "0",
        "--server", "localhost:" + port, "--log-dir", logs.toString());
    // A server on localhost: the participant listens on loopback only.
    awaitPort(alexOut, Pattern.compile("Alex is listening for broadcasts on 127\\.0\\.0\\.1:(\\d+)"));
    await().atMost(Duration.ofSeconds(30)).until(() -> read(alexOut).contains("Joined Chitty-Chat"));
    Path bobOut = work.resolve("bob.out");
    Process bob = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
        "-jar", JAR.toString(), "participant", "--name", "Bob", "--server", "localhost:" + port,
        "--log-dir", logs.toString()))
        .redirectErrorStream(true).redirectOutput(bobOut.toFile()).start();
    started.add(bob);
    await().atMost(Duration.ofSeconds(30)).until(() -> read(alexOut).contains("Participant Bob joined"));

    try (Writer typing = new OutputStreamWriter(bob.getOutputStream(), StandardCharsets.UTF_8)) {
      typing.write("Hi Alex \u001B[31m!\n");
      typing.flush();
      await().atMost(Duration.ofSeconds(30)).until(() -> read(alexOut).contains("Not sent")
          || read(bobOut).contains("Not sent"));
      typing.write("Hi Alex\n");
      typing.flush();
      await().atMost(Duration.ofSeconds(30)).until(() -> read(alexOut).contains("Bob: Hi Alex (sent at L="));
      assertThat(read(bobOut)).contains("Not sent: Message contains a control character (U+001B) at character 9.");

      alex.destroy(); // SIGTERM: the shutdown hook leaves
      assertThat(alex.waitFor(30, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> read(bobOut).contains("Participant Alex left Chitty-Chat at Lamport time"));
      typing.write("/quit\n");
    }
    assertThat(bob.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bob.exitValue()).isZero();
    assertThat(read(bobOut)).contains("You left Chitty-Chat");
    assertThat(Diagrams.check(logs).violations()).isEmpty();
  }

  private static int awaitPort(Path output, Pattern pattern) {
    int[] port = new int[1];
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      Matcher m = pattern.matcher(read(output));
      if (m.find()) {
        port[0] = Integer.parseInt(m.group(1));
        return true;
      }
      return false;
    });
    return port[0];
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}

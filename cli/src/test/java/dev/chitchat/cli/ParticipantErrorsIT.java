package dev.chitchat.cli;

import static dev.chitchat.cli.RealProcesses.awaitOutput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A participant of the built jar given a server that does not exist says so in one line: no stack
 * trace, neither its own nor one that gRPC logs about the failed name resolution.
 */
class ParticipantErrorsIT {

  /** A name that never resolves (RFC 2606). */
  private static final String NOWHERE = "nowhere.invalid:1";

  @TempDir Path work;
  private RealProcesses processes;

  @BeforeEach
  void start() {
    processes = new RealProcesses(work);
  }

  @AfterEach
  void stop() {
    processes.close();
  }

  @Test
  void anUnknownServerIsOneLineAndANonZeroExit() throws Exception {
    RealProcesses.Proc alex = processes.start("alex", "participant", "--name", "Alex",
        "--server", NOWHERE, "--log-dir", work.resolve("logs").toString(), "--no-console-log");
    alex.input().close();

    assertThat(alex.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(alex.process().exitValue()).isEqualTo(1);
    String printed = alex.printed();
    assertThat(printed).doesNotContain("\tat ", "Exception", "WARN");
    assertThat(printed.strip().lines().reduce((a, b) -> b)).hasValue(
        "chitchat: Could not join " + NOWHERE + ": the chat server is unreachable"
            + " (Unable to resolve host nowhere.invalid)");
  }

  @Test
  void withRejoinItKeepsTryingQuietly() throws Exception {
    RealProcesses.Proc alex = processes.start("alex", "participant", "--name", "Alex",
        "--server", NOWHERE, "--rejoin", "--log-dir", work.resolve("logs").toString(),
        "--no-console-log");
    awaitOutput(alex, Pattern.compile("Trying again \\(--rejoin\\)"));

    // Several rejoin attempts (0.5 s, 1 s, 2 s apart), none of which may print a stack trace.
    await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
        .until(() -> !alex.printed().contains("\tat ") && !alex.printed().contains("WARN"));
    alex.type("/quit");
    assertThat(alex.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(alex.printed()).doesNotContain("\tat ", "Exception");
  }
}

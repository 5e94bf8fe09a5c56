package dev.chitchat.cli;

import static dev.chitchat.cli.RealProcesses.awaitOutput;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code chitchat server} on a port that is taken: one line, exit 1, and no log left behind. */
class ServerStartIT {

  @TempDir Path work;
  private RealProcesses processes;

  @AfterEach
  void stop() {
    if (processes != null) {
      processes.close();
    }
  }

  @Test
  void aPortInUseIsOneLineAndLeavesNoEmptyLog() throws Exception {
    processes = new RealProcesses(work);
    Path logs = work.resolve("logs");
    RealProcesses.Proc first =
        processes.start("server", "server", "--port", "0", "--log-dir", logs.toString(), "--quiet");
    String port = awaitOutput(first, Pattern.compile("listening on port (\\d+)"));

    RealProcesses.Proc second = processes.start("server-again", "server", "--port", port,
        "--log-dir", logs.toString(), "--quiet");

    assertThat(second.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(second.process().exitValue()).isEqualTo(1);
    assertThat(second.printed())
        .isEqualTo("chitchat: Cannot listen on port " + port + ": the port is in use.\n");
    try (Stream<Path> files = Files.list(logs)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("server.jsonl");
    }
  }

}

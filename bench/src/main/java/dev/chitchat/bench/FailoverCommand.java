package dev.chitchat.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code chitchat bench failover}: failover time of a three-replica cluster. Starts three replicas
 * and three participants as processes of this jar, SIGKILLs the Raft leader {@code --kills} times
 * (restarting it after each kill) and measures, from the JSON Lines logs, the time from the kill to
 * the next acknowledged Publish and to the first delivery at each participant that had to move
 * ({@link FailoverBenchmark}).
 */
@Command(
    name = "failover",
    mixinStandardHelpOptions = true,
    description = {
      "Failover time of a three-replica cluster: SIGKILLs the leader N times and times, from",
      "each kill, the next acknowledged Publish and the first delivery at each participant",
      "that had to move. 3 replicas and 3 participants run as processes of this jar.",
      "Prints each kill, then median, worst and min; writes failover.json to the run directory."
    })
public final class FailoverCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--kills", defaultValue = "20", paramLabel = "N",
      description = "Leader kills, 1 to 100 (default: ${DEFAULT-VALUE}).")
  int kills;

  // 500 ms: 6 messages/s keep 20 kills (7 to 13 s each here) below the 10,000 Raft entries after
  // which the replicas snapshot and purge their logs; a replica restarted behind the purge point
  // does not catch up (docs/performance.md, "Failover time").
  @Option(names = "--publish-interval-ms", defaultValue = "500", paramLabel = "MS",
      description = "Each participant types a line every MS milliseconds, 20 to 10000; the three are "
          + "staggered (default: ${DEFAULT-VALUE}).")
  int publishIntervalMs;

  @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
      description = "Bound on every wait (a leader, a catch-up, an acknowledgement), 5 to 600 s "
          + "(default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(names = "--run-dir", paramLabel = "DIR",
      description = "Where the logs, data directories and failover.json go "
          + "(default: target/failover/<date>T<time>); must not exist or be empty.")
  Path runDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    validate();
    Path dir = runDir != null ? runDir : Path.of("target", "failover",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss")));
    FailoverBenchmark.Settings settings = new FailoverBenchmark.Settings(kills,
        Duration.ofMillis(publishIntervalMs), Duration.ofSeconds(timeoutSeconds),
        dir.toAbsolutePath().normalize());
    try {
      return new FailoverBenchmark(settings, line -> {
        out.println(line);
        out.flush();
      }).run();
    } catch (FailoverBenchmark.Failure e) {
      spec.commandLine().getErr().println("chitchat: " + e.getMessage());
      return 1;
    }
  }

  /** Checks the options; a bad one is a one-line error and exit code 2. */
  void validate() {
    if (kills < 1 || kills > 100) {
      throw new ParameterException(spec.commandLine(), "--kills must be 1 to 100, not " + kills);
    }
    if (publishIntervalMs < 20 || publishIntervalMs > 10_000) {
      throw new ParameterException(spec.commandLine(),
          "--publish-interval-ms must be 20 to 10000, not " + publishIntervalMs);
    }
    if (timeoutSeconds < 5 || timeoutSeconds > 600) {
      throw new ParameterException(spec.commandLine(),
          "--timeout must be 5 to 600 seconds, not " + timeoutSeconds);
    }
    if (runDir != null && java.nio.file.Files.exists(runDir)) {
      boolean empty;
      try (var entries = java.nio.file.Files.list(runDir)) {
        empty = entries.findAny().isEmpty();
      } catch (java.io.IOException e) {
        empty = false;
      }
      if (!empty) {
        throw new ParameterException(spec.commandLine(),
            "--run-dir " + runDir + " exists and is not an empty directory");
      }
    }
  }
}

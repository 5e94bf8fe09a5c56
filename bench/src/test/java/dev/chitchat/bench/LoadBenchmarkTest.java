package dev.chitchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.chitchat.diagrams.CheckReport;
import dev.chitchat.diagrams.Diagrams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short benchmark run (seconds) whose logs must pass every check of the diagram tool: order,
 * completeness and the clock rules hold under load. No timed assertions: the speed targets live in
 * the benchmark itself.
 */
class LoadBenchmarkTest {

  @TempDir Path dir;

  private static BenchSettings settings(
      int rate, RunLogs.Writer writer, Path logs, int maxInFlight) {
    return new BenchSettings(4, rate, 8, Duration.ofSeconds(1), Duration.ofSeconds(2), 64, true,
        writer, logs, true, 0, maxInFlight, 2, false);
  }

  @Test
  void openLoopRunWithAsyncLoggingPassesTheDiagramChecks() throws Exception {
    Path logs = dir.resolve("open");
    BenchResult r = LoadBenchmark.run(settings(400, RunLogs.Writer.ASYNC, logs, 64), line -> {});

    assertThat(r.published()).isPositive();
    assertThat(r.publishErrors()).isZero();
    assertThat(r.incomplete()).isZero();
    assertThat(r.toLast().count()).isEqualTo(r.published());
    assertThat(r.delivery().count()).isEqualTo(4 * r.published());
    assertChecksPass(logs, 5);
  }

  @Test
  void closedLoopRunWithBufferedLoggingAndAFullBroadcastWindowPassesTheDiagramChecks()
      throws Exception {
    Path logs = dir.resolve("closed");
    // 2 Broadcasts in flight for 4 participants: the server serves them in turn, in bigger batches
    BenchResult r =
        LoadBenchmark.run(settings(0, RunLogs.Writer.BUFFERED, logs, 2), line -> {});

    assertThat(r.published()).isPositive();
    assertThat(r.incomplete()).isZero();
    assertThat(r.participantsLeft()).isEqualTo(4);
    assertChecksPass(logs, 5);
  }

  @Test
  void withTheHpackTableOffEveryConnectionStillCarriesTheChat() throws Exception {
    Path logs = dir.resolve("hpack-off");
    BenchSettings hpackOff = new BenchSettings(4, 400, 8, Duration.ofSeconds(1),
        Duration.ofSeconds(2), 64, true, RunLogs.Writer.ASYNC, logs, true, 0, 64, 2, true);

    BenchResult r = LoadBenchmark.run(hpackOff, line -> {});

    assertThat(r.published()).isPositive();
    assertThat(r.publishErrors()).isZero();
    assertThat(r.delivery().count()).isEqualTo(4 * r.published());
    assertChecksPass(logs, 5);
  }

  @Test
  void threeReplicasEachServeTheirShareOfParticipantsAndTheRunPassesTheDiagramChecks()
      throws Exception {
    Path logs = dir.resolve("replicas");
    Path raft = dir.resolve("raft");
    BenchSettings replicas = new BenchSettings(4, 100, 8, Duration.ofSeconds(1),
        Duration.ofSeconds(2), 64, true, RunLogs.Writer.BUFFERED, logs, true, 0, 64, 2, false, 3,
        raft);

    BenchResult r = LoadBenchmark.run(replicas, line -> {});

    assertThat(r.mode()).isEqualTo("rate 100/s, 3 replicas");
    assertThat(r.published()).isPositive();
    assertThat(r.publishErrors()).isZero();
    assertThat(r.incomplete()).isZero();
    assertThat(r.participantsLeft()).isEqualTo(4);
    assertThat(r.delivery().count()).isEqualTo(4 * r.published());
    assertThat(r.json().get("servers").getAsInt()).isEqualTo(3);
    // s1, s2, s3 and the four participants; p01 and p04 on s1, p02 on s2, p03 on s3
    assertThat(logs.resolve("s3.jsonl")).exists();
    assertThat(Files.readString(logs.resolve("p04.jsonl"))).contains("\"peer\":\"s1\"");
    assertThat(Files.readString(logs.resolve("p03.jsonl"))).contains("\"peer\":\"s3\"")
        .doesNotContain("\"peer\":\"s1\"").doesNotContain("\"peer\":\"s2\"");
    assertChecksPass(logs, 7);
    try (var left = Files.list(raft)) {
      assertThat(left).as("the replicas' data directory is deleted").isEmpty();
    }
  }

  @Test
  void messagesCarryTheirPublishTimeAndPublisher() {
    String m = LoadBenchmark.message(0x1234abcdL, 7, 64);
    assertThat(m).hasSize(64).startsWith("000000001234abcd 0007 ");
    assertThat(Long.parseUnsignedLong(m, 0, 16, 16)).isEqualTo(0x1234abcdL);
    assertThat(LoadBenchmark.participantName(0, 10)).isEqualTo("p01");
    assertThat(LoadBenchmark.participantName(999, 1000)).isEqualTo("p1000");
  }

  @Test
  void tableAndJsonCarryTheFigures() {
    BenchResult r = new BenchResult(settings(100, RunLogs.Writer.ASYNC, null, 64), 2, 200, 0, 100, 400,
        new BenchResult.Latency(800, 1, 2, 3, 4), new BenchResult.Latency(200, 1.5, 2.5, 3.5, 4.5),
        200, 0, 1, 0, 0.1, 4, 50, 10_000, 12.5, new BenchResult.Gc(3, 10.5));
    assertThat(BenchCommand.table(List.of(new BenchCommand.Run(1, r)), false))
        .contains("rate 100/s").contains("async").contains("gc n/avg ms").contains("3/  3.50");
    JsonObject json = r.json();
    assertThat(json.getAsJsonObject("toLast").get("p99Ms").getAsDouble()).isEqualTo(2.5);
    assertThat(json.get("deliveriesPerSecond").getAsDouble()).isEqualTo(400.0);
    assertThat(json.get("gcCollections").getAsLong()).isEqualTo(3);
    assertThat(json.get("gcMs").getAsDouble()).isEqualTo(10.5);
    assertThat(json.get("logging").getAsString()).isEqualTo("async");
  }

  private static void assertChecksPass(Path logs, int processes) throws Exception {
    try (var files = Files.list(logs)) {
      assertThat(files.filter(f -> f.toString().endsWith(".jsonl")).count()).isEqualTo(processes);
    }
    CheckReport report = Diagrams.check(logs);
    assertThat(report.violations()).isEmpty();
  }
}

package dev.chitchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.chitchat.diagrams.Diagrams;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code chitchat bench --runs}: short real runs, no timed assertions. */
class BenchCommandTest {

  @TempDir Path dir;

  @Test
  void repeatedRunsAreEachInTheTableAndTheJsonAndTheirSpreadEndsTheTable() throws Exception {
    Path logs = dir.resolve("logs");
    Path json = dir.resolve("figures.json");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new BenchCommand())
        .setOut(new PrintWriter(out)).setErr(new PrintWriter(err));

    int code = cli.execute("-n", "3", "--rate", "200", "--warmup", "0", "--duration", "1",
        "--logging", "on", "--runs", "2", "--keep-logs", "--log-dir", logs.toString(),
        "--json", json.toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("measure 1 s, 2 runs each")
        .contains("rate 200/s #1").contains("rate 200/s #2")
        .contains("logging buffered, 2 runs: to last p99 median")
        .contains("logs kept in " + logs + "/run-1 to run-2");
    assertThat(err.toString()).contains("[bench run 2/2, logging on]");
    JsonObject figures = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    assertThat(figures.getAsJsonArray("results")).hasSize(2);
    for (int i = 0; i < 2; i++) {
      JsonObject result = figures.getAsJsonArray("results").get(i).getAsJsonObject();
      assertThat(result.get("run").getAsInt()).isEqualTo(i + 1);
      assertThat(result.get("mode").getAsString()).isEqualTo("rate");
    }
    JsonObject summary = figures.getAsJsonArray("summary").get(0).getAsJsonObject();
    assertThat(summary.get("logging").getAsString()).isEqualTo("buffered");
    assertThat(summary.get("runs").getAsInt()).isEqualTo(2);
    // each run's logs are a complete run of their own
    for (String run : new String[] {"run-1", "run-2"}) {
      assertThat(Diagrams.check(logs.resolve(run)).violations()).as(run).isEmpty();
    }
  }

  @Test
  void serversMustBeOneOrAnOddNumberOfReplicasFromThreeToSeven() {
    for (String servers : new String[] {"0", "2", "4", "9", "-1"}) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine cli = new CommandLine(new BenchCommand())
          .setOut(new PrintWriter(out)).setErr(new PrintWriter(err));

      int code = cli.execute("--servers", servers, "--json", dir.resolve("f.json").toString());

      assertThat(code).as(servers).isEqualTo(2);
      assertThat(err.toString()).as(servers).startsWith(
          "--servers must be 1 (one in-memory server) or an odd number of replicas from 3 to 7,"
              + " not " + servers + System.lineSeparator());
      assertThat(out.toString()).as(servers).doesNotContain("chitchat bench:");
    }
    for (int servers : new int[] {1, 3, 5, 7}) {
      assertThat(BenchSettings.serversProblem(servers)).as("%d", servers).isNull();
    }
    assertThatThrownBy(() -> new BenchSettings(3, 0, 8, java.time.Duration.ofSeconds(1),
        java.time.Duration.ofSeconds(1), 64, false, RunLogs.Writer.BUFFERED, null, false, 0, 64, 2,
        false, 2, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not 2");
  }
}

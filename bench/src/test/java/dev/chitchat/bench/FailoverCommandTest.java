package dev.chitchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code chitchat bench failover}: bad options are refused before anything starts. */
class FailoverCommandTest {

  @TempDir Path dir;

  private record Result(int code, String err) {}

  private static Result run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new FailoverCommand())
        .setOut(new PrintWriter(new StringWriter(), true)).setErr(new PrintWriter(err, true));
    return new Result(cli.execute(args), err.toString());
  }

  private static void assertRefused(Result result, String message) {
    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err().lines().findFirst()).hasValue(message);
    assertThat(result.err()).doesNotContain("\tat ");
  }

  @Test
  void killsMustBeOneToOneHundred() {
    assertRefused(run("--kills", "0"), "--kills must be 1 to 100, not 0");
    assertRefused(run("--kills", "101"), "--kills must be 1 to 100, not 101");
    assertThat(run("--kills", "x").code()).isEqualTo(2);
  }

  @Test
  void thePublishIntervalAndTimeoutAreBounded() {
    assertRefused(run("--publish-interval-ms", "5"),
        "--publish-interval-ms must be 20 to 10000, not 5");
    assertRefused(run("--timeout", "1"), "--timeout must be 5 to 600 seconds, not 1");
  }

  @Test
  void aRunDirectoryInUseIsRefused() throws Exception {
    Files.writeString(dir.resolve("s1.jsonl"), "{}\n");

    assertRefused(run("--run-dir", dir.toString()),
        "--run-dir " + dir + " exists and is not an empty directory");
  }
}

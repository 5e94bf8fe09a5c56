package dev.chitchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad input at the command line: one line, a non-zero exit, no stack trace. */
class CommandLineTest {

  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = ChitChat.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  private static void assertOneLineError(Result result, int code, String message) {
    assertThat(result.code()).isEqualTo(code);
    assertThat(result.err()).startsWith("chitchat: " + message).doesNotContain("\tat ");
    assertThat(result.err().lines().count()).isLessThanOrEqualTo(2);
  }

  @Test
  void helpListsTheSubcommands() {
    Result result = run("--help");

    assertThat(result.code()).isZero();
    assertThat(result.out()).contains("server", "participant", "demo", "diagram");
  }

  @Test
  void aBadNameIsRefusedBeforeAnythingStarts() {
    assertOneLineError(run("participant", "--name", "no spaces"), 2,
        "Name \"no spaces\" is not allowed. Use 1 to 32 letters, digits, '-', '_' or '.'.");
  }

  @Test
  void aMissingNameIsAUsageError() {
    assertOneLineError(run("participant"), 2, "Missing required option: '--name=NAME'");
  }

  @Test
  void portsOutOfRangeAreRefused() {
    assertOneLineError(run("participant", "--name", "Alex", "--port", "70000"), 2,
        "--port 70000 is out of range. Use 0 (any free port) to 65535.");
    assertOneLineError(run("server", "--port", "-1"), 2, "--port -1 is out of range. Use 0 to 65535.");
    assertOneLineError(run("server", "--port", "abc"), 2, "Invalid value for option '--port'");
  }

  @Test
  void aBadServerAddressIsRefused() {
    assertOneLineError(run("participant", "--name", "Alex", "--server", "localhost:x"), 2,
        "Server address \"localhost:x\" is not HOST:PORT.");
  }

  @Test
  void aBadBindAddressIsRefusedBeforeAnythingStarts() {
    String logs = dir.resolve("logs").toString();
    assertOneLineError(
        run("participant", "--name", "Alex", "--bind", "not an address", "--log-dir", logs), 2,
        "Bind address \"not an address\" is not an IP address or a known host name.");
    // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): on no real interface.
    assertOneLineError(
        run("participant", "--name", "Alex", "--bind", "203.0.113.7", "--log-dir", logs), 2,
        "Bind address \"203.0.113.7\" is not an address of this host. Use one of its addresses,"
            + " or 0.0.0.0 for all interfaces.");
    assertThat(dir.resolve("logs")).doesNotExist(); // refused before its log was opened
  }

  @Test
  void aMissingScenarioIsRefused() {
    assertOneLineError(run("demo", "--scenario", dir.resolve("nope.scenario").toString()), 2,
        "Scenario file " + dir.resolve("nope.scenario") + " does not exist.");
  }

  @Test
  void aNonEmptyRunDirectoryIsRefused() throws Exception {
    Files.writeString(dir.resolve("old.jsonl"), "{}");

    assertOneLineError(run("demo", "--run-dir", dir.toString()), 2,
        "Run directory " + dir + " is not empty; choose another --run-dir.");
  }

  @Test
  void benchRefusesDirectoriesItCannotCreateBeforeItRuns() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "");

    assertOneLineError(run("bench", "--json", file.resolve("x.json").toString()), 2,
        "--json: cannot use the directory " + file + " (a file is in the way: " + file + ")");
    assertOneLineError(run("bench", "--logging", "on", "--log-dir", file.toString()), 2,
        "--log-dir: cannot use the directory " + file + " (a file is in the way: " + file + ")");
  }

  @Test
  void endpointsParse() {
    assertThat(Endpoint.parse("localhost:50051")).isEqualTo(new Endpoint("localhost", 50051));
    assertThat(Endpoint.parse("[::1]:7").target()).isEqualTo("[::1]:7");
    assertThat(Endpoint.parse("50051")).isEqualTo(new Endpoint("localhost", 50051));
  }

  @Test
  void aBadRunCountIsRefused() {
    assertOneLineError(run("bench", "--runs", "0"), 2, "need 1 to 5000 participants");
  }

  @Test
  void negativeAddressLimitsAreRefused() {
    assertOneLineError(run("server", "--join-limit", "-1"), 2,
        "--join-limit and --auth-failure-limit must be at least 0.");
  }
}

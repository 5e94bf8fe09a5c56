package dev.chitchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code chitchat bench failover} is a subcommand of bench; a bad option is one line, exit 2. */
class BenchFailoverCommandLineTest {

  @Test
  void aBadKillCountIsOneLineAndExitCodeTwo() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = ChitChat.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int code = cli.execute("bench", "failover", "--kills", "0");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).startsWith("chitchat: --kills must be 1 to 100, not 0")
        .doesNotContain("\tat ");
    assertThat(err.toString().lines().count()).isLessThanOrEqualTo(2);
  }

  @Test
  void benchHelpListsFailover() {
    StringWriter out = new StringWriter();
    CommandLine cli = ChitChat.commandLine();
    cli.setOut(new PrintWriter(out, true));

    assertThat(cli.execute("bench", "--help")).isZero();
    assertThat(out.toString()).contains("failover");
  }
}

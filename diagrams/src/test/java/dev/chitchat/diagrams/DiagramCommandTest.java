package dev.chitchat.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DiagramCommandTest {

  @TempDir Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cmd = DiagramCommand.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  void drawsARunAndPrintsASummary() throws Exception {
    Path dir = RunBuilder.demo().write(tmp.resolve("run"));
    Path target = tmp.resolve("out");

    int code = run(dir.toString(), "--out", target.toString(), "--hide-responses", "-p", "server,Alex,Bob");

    assertThat(code).isZero();
    assertThat(err.toString()).isEmpty();
    assertThat(out.toString())
        .contains("Processes: 4 (server, Alex, Bob, Carl)", "Violations: 0 (the logs are consistent)",
            "Diagram:   " + target.resolve("diagram.svg"));
    for (String f : List.of("diagram.svg", "diagram.png", "diagram.html", "diagram.mmd", "shiviz.log")) {
      assertThat(target.resolve(f)).isNotEmptyFile();
    }
    assertThat(out.toString().lines().count()).isLessThan(25);
  }

  @Test
  void checkExitsZeroWhenConsistent() throws Exception {
    Path dir = RunBuilder.demo().write(tmp);

    assertThat(run("--check", dir.toString())).isZero();
    assertThat(out.toString()).isEmpty();
    assertThat(tmp.resolve("diagram.svg")).doesNotExist();
  }

  @Test
  void checkExitsOneWithOneLinePerViolation() throws Exception {
    RunBuilder b = new RunBuilder().join("Alex");
    b.lines("server").set(0, b.lines("server").get(0).replace("\"msgLamport\":2", "\"msgLamport\":1"));
    Path dir = b.write(tmp);

    int code = run("--check", dir.toString());

    assertThat(code).isEqualTo(1);
    assertThat(out.toString().lines())
        .containsExactly(
            "server.jsonl:1: [check 2] message carried L=1 but was sent at L=2 (Alex.jsonl:2)",
            "server.jsonl:1: [check 2] receive must be max(local 0, message 1) + 1 = 2, found 3");
    assertThat(err.toString()).isEqualTo("2 violation(s) in 11 events" + System.lineSeparator());
  }

  @Test
  void usageErrorsAreOneLineAndExitTwo() throws Exception {
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    Path dir = RunBuilder.demo().write(tmp.resolve("run"));
    List<String[]> cases =
        List.of(
            new String[] {tmp.resolve("missing").toString()},
            new String[] {empty.toString()},
            new String[] {"--bogus", dir.toString()},
            new String[] {"--from", "9", "--to", "3", dir.toString()},
            new String[] {"--max-events", "x", dir.toString()},
            new String[] {"-p", "Zed", dir.toString()},
            new String[] {"--layout", "vector", dir.toString()},
            new String[] {});
    for (String[] args : cases) {
      out.getBuffer().setLength(0);
      err.getBuffer().setLength(0);
      int code = run(args);
      assertThat(code).as(String.join(" ", args)).isEqualTo(2);
      assertThat(err.toString().lines()).as(String.join(" ", args)).hasSize(1);
      assertThat(err.toString()).doesNotContain("Exception", "\tat ");
    }
  }

  @Test
  void helpExitsZero() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("Usage: diagram", "--check", "--from", "--hide-responses", "--layout");
  }

  @Test
  void theLamportLayoutIsAnOption() throws Exception {
    Path dir = RunBuilder.demo().write(tmp.resolve("run"));
    Path target = tmp.resolve("out");

    assertThat(run("--layout", "LAMPORT", "--out", target.toString(), dir.toString())).isZero();

    assertThat(Files.readString(target.resolve("diagram.svg"))).contains("Lamport layout");
  }
}

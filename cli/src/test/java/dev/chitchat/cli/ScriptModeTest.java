package dev.chitchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The participant's script mode: the plan it follows, and its refusals before anything starts. */
class ScriptModeTest {

  @TempDir Path dir;

  @Test
  void thePlanNamesEachStepsProcessResponseAndWhoIsPresentAfterIt() {
    Scenario scenario = Scenario.parse("s", String.join("\n",
        "Alex joins", "Alex: one", "Bob joins", "Alex: two", "Alex leaves", "Alex joins",
        "Alex: three", "Bob: four"));
    List<ScenarioPlan.Planned> steps = ScenarioPlan.of(scenario).steps();

    assertThat(steps).extracting(p -> p.process() + " " + p.rpc() + " #" + p.count() + " " + p.presentAfter())
        .containsExactly(
            "Alex Join #1 [Alex]",
            "Alex Publish #1 [Alex]",
            "Bob Join #1 [Alex, Bob]",
            "Alex Publish #2 [Alex, Bob]",
            "Alex Leave #1 [Bob]",
            "Alex-2 Join #1 [Bob, Alex-2]",
            "Alex-2 Publish #1 [Bob, Alex-2]",
            "Bob Publish #1 [Bob, Alex-2]",
            // The demo's final leaves: everyone still present, in the order they joined.
            "Bob Leave #1 [Alex-2]",
            "Alex-2 Leave #1 []");
    assertThat(steps.get(8).where()).isEqualTo("final leave");
    assertThat(steps.get(3).where()).isEqualTo("line 4");
    assertThat(ScenarioPlan.of(scenario).stepsOf("Bob")).containsExactly(2, 7, 8);
  }

  @Test
  void aParticipantThatJoinsTwiceOrHasNoStepsIsRefused() throws Exception {
    Path script = dir.resolve("twice.scenario");
    Files.writeString(script, "Alex joins\nAlex leaves\nBob joins\nAlex joins\n", StandardCharsets.UTF_8);
    ScriptOptions options = new ScriptOptions();
    options.script = script;
    options.stepTimeoutSeconds = 5;

    assertThatThrownBy(() -> options.load("Alex", dir.resolve("logs")))
        .isInstanceOf(UserError.class)
        .hasMessage(script + ":4: Alex joins a second time; a scripted participant plays one membership.");
    assertThatThrownBy(() -> options.load("Dana", dir.resolve("logs")))
        .hasMessage(script + ": Dana has no steps in this scenario.");
    assertThat(options.load("Bob", dir.resolve("logs"))).isNotNull();
  }

  @Test
  void scriptModeNeedsAFreshLogDirectoryAndAnExistingScript() throws Exception {
    Path script = dir.resolve("s.scenario");
    Files.writeString(script, "Alex joins\n", StandardCharsets.UTF_8);
    Path logs = Files.createDirectories(dir.resolve("logs"));
    Files.writeString(logs.resolve("Alex.jsonl"), "");

    assertThat(run("participant", "--name", "Alex", "--log-dir", logs.toString(), "--script", script.toString()))
        .isEqualTo("2 chitchat: " + logs.resolve("Alex.jsonl") + " already exists: a scripted run needs a"
            + " fresh --log-dir, shared by the server and every participant.");
    assertThat(run("participant", "--name", "Alex", "--log-dir", logs.toString(),
        "--script", dir.resolve("missing").toString()))
        .isEqualTo("2 chitchat: Scenario file " + dir.resolve("missing") + " does not exist.");
    assertThat(run("participant", "--name", "Bob", "--log-dir", logs.toString(),
        "--script", script.toString(), "--step-timeout", "0"))
        .isEqualTo("2 chitchat: --step-timeout must be at least 1 second.");
  }

  /** Runs the command line; returns the exit code and the error output's one line. */
  private static String run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = ChitChat.commandLine();
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return code + " " + err.toString().strip();
  }
}

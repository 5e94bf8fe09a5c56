package dev.chitchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ScenarioTest {

  @Test
  void theDefaultScenarioIsTheOneTheIssueDescribes() throws Exception {
    String text = Files.readString(Path.of("..", "scenarios", "default.scenario"), StandardCharsets.UTF_8);

    Scenario scenario = Scenario.parse("default.scenario", text);

    assertThat(scenario.steps()).extracting(Scenario.Step::toString).startsWith(
        "Alex joins", "Alex: Hello World!", "Aske joins", "Aske: Hello Alex");
    Scenario.Step tooLong = scenario.steps().get(4);
    assertThat(tooLong.participant()).isEqualTo("Alex");
    assertThat(tooLong.text().codePointCount(0, tooLong.text().length())).isEqualTo(354);
    assertThat(scenario.steps().subList(5, scenario.steps().size()))
        .extracting(s -> s.participant() + " " + s.action())
        .containsExactly("Bob JOIN", "Aske LEAVE", "Bob PUBLISH", "Bob PUBLISH", "Alex PUBLISH",
            "Alex LEAVE", "Bob LEAVE");
    assertThat(scenario.steps().get(9).text()).isEqualTo("goodbye");
  }

  @Test
  void keepsTheMessageExactlyAsWrittenAfterTheFirstColon() {
    Scenario scenario = Scenario.parse("s", "A joins\nA: time: 12:00  \n");

    assertThat(scenario.steps().get(1).text()).isEqualTo("time: 12:00  ");
  }

  @Test
  void aMessageMayBeJoinsOrLeaves() {
    Scenario scenario = Scenario.parse("s", "A joins\nA: leaves\nA: joins\nA leaves\n");

    assertThat(scenario.steps()).extracting(Scenario.Step::action).containsExactly(
        Scenario.Action.JOIN, Scenario.Action.PUBLISH, Scenario.Action.PUBLISH, Scenario.Action.LEAVE);
  }

  @Test
  void namesTheFileAndLineOfEveryMistake() {
    assertError("A joins\nA joins\n", "s:2: A joins but has already joined.");
    assertError("A: hi\n", "s:1: A publishes but has not joined.");
    assertError("# c\n\nA leaves\n", "s:3: A leaves but has not joined.");
    assertError("A joins\nA:  \n", "s:2: blank message (a participant ignores blank lines).");
    assertError("A joins\nA: /quit\n", "s:2: \"/quit\" is a participant command; write \"A leaves\".");
    assertError("A joins\nA: /Quit \n", "s:2: \"/Quit \" is a participant command; write \"A leaves\".");
    assertError("A joins\nA says hi\n", "s:2: expected \"NAME joins\", \"NAME: TEXT\" or \"NAME leaves\".");
    assertError("bad!name joins\n", "s:1: Name \"bad!name\" is not allowed. Use 1 to 32 letters, digits, '-', '_' or '.'.");
    assertError("# nothing\n", "s: no steps.");
  }

  private static void assertError(String text, String message) {
    assertThatThrownBy(() -> Scenario.parse("s", text))
        .isInstanceOfSatisfying(UserError.class, e -> {
          assertThat(e.getMessage()).isEqualTo(message);
          assertThat(e.exitCode()).isEqualTo(2);
        });
  }
}

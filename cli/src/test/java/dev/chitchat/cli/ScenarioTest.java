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

  @Test
  void readsTheServerStepsOfACluster() {
    Scenario scenario = Scenario.parse("s", String.join("\n",
        "A joins", "kill leader", "A: hi", "restart leader", "stop s3", "continue s3", "kill s2",
        "restart s2", "stop leader", "continue leader", "A leaves"), 3);

    assertThat(scenario.steps()).extracting(Scenario.Step::toString).containsExactly(
        "A joins", "kill leader", "A: hi", "restart leader", "stop s3", "continue s3", "kill s2",
        "restart s2", "stop leader", "continue leader", "A leaves");
    assertThat(scenario.steps()).extracting(Scenario.Step::action).containsExactly(
        Scenario.Action.JOIN, Scenario.Action.KILL, Scenario.Action.PUBLISH, Scenario.Action.RESTART,
        Scenario.Action.STOP, Scenario.Action.CONTINUE, Scenario.Action.KILL, Scenario.Action.RESTART,
        Scenario.Action.STOP, Scenario.Action.CONTINUE, Scenario.Action.LEAVE);
    assertThat(scenario.steps().get(6).participant()).isEqualTo("s2");
    assertThat(scenario.hasServerSteps()).isTrue();
    assertThat(ScenarioPlan.of(scenario).steps()).extracting(p -> p.step().toString())
        .containsExactly("A joins", "A: hi", "A leaves");
  }

  @Test
  void participantsMayStillBeCalledKillOrStop() {
    Scenario scenario = Scenario.parse("s", "kill joins\nkill: leader\nstop joins\nkill leaves\n", 3);

    assertThat(scenario.steps()).extracting(Scenario.Step::action).containsExactly(
        Scenario.Action.JOIN, Scenario.Action.PUBLISH, Scenario.Action.JOIN, Scenario.Action.LEAVE);
    assertThat(scenario.hasServerSteps()).isFalse();
  }

  @Test
  void refusesServerStepsThatCannotBePlayed() {
    assertError("A joins\nkill leader\n", 1,
        "s:2: kill leader needs --servers 3 (a cluster of replicas); this run has one server.");
    assertError("restart s2\n", 2,
        "s:1: restart s2 needs --servers 3 (a cluster of replicas); this run has 2 servers.");
    assertError("kill s4\n", 3, "s:1: \"s4\" is not a replica: kill takes leader or s1 to s3.");
    assertError("stop bob\n", 3, "s:1: \"bob\" is not a replica: stop takes leader or s1 to s3.");
    assertError("kill s1\nkill s2\n", 3,
        "s:2: kill s2 would leave 1 of 3 replicas running; the chat needs a majority (2).");
    assertError("kill leader\nstop s1\n", 3,
        "s:2: stop s1 would leave 1 of 3 replicas running; the chat needs a majority (2).");
    assertError("kill s1\nkill s2\n", 5, null);
    assertError("kill s1\nkill s1\n", 5, "s:2: kill s1 but s1 is already killed.");
    assertError("stop s1\nkill s1\n", 5, "s:2: kill s1 but s1 is stopped; continue it first.");
    assertError("restart s2\n", 3, "s:1: restart s2 but s2 was not killed.");
    assertError("stop s2\nrestart s2\n", 3, "s:2: restart s2 but s2 was not killed.");
    assertError("continue s3\n", 3, "s:1: continue s3 but s3 was not stopped.");
    assertError("kill s1\nrestart leader\n", 3, "s:2: restart leader but no kill leader came before it.");
    assertError("continue leader\n", 3, "s:1: continue leader but no stop leader came before it.");
    assertError("s2 joins\n", 3, "s:1: s2 is the id of a server replica in this run; choose another name.");
    assertError("kill leader\n", Scenario.SCRIPTED, "s:1: kill leader is a server step; only ./chitchat"
        + " demo --servers N plays those, not a scripted participant.");
  }

  @Test
  void theFailoverScenarioIsPlayableWithThreeReplicas() throws Exception {
    String text = Files.readString(Path.of("..", "scenarios", "failover.scenario"), StandardCharsets.UTF_8);

    Scenario scenario = Scenario.parse("failover.scenario", text, 3);

    assertThat(scenario.steps()).extracting(Scenario.Step::toString)
        .contains("kill leader", "restart leader");
    assertThat(scenario.steps()).extracting(Scenario.Step::action)
        .contains(Scenario.Action.STOP, Scenario.Action.CONTINUE);
    assertThatThrownBy(() -> Scenario.parse("failover.scenario", text))
        .hasMessageContaining("needs --servers 3");
  }

  /** With {@code message} null: the scenario must parse. */
  private static void assertError(String text, int servers, String message) {
    if (message == null) {
      assertThat(Scenario.parse("s", text, servers).steps()).isNotEmpty();
      return;
    }
    assertThatThrownBy(() -> Scenario.parse("s", text, servers))
        .isInstanceOfSatisfying(UserError.class, e -> {
          assertThat(e.getMessage()).isEqualTo(message);
          assertThat(e.exitCode()).isEqualTo(2);
        });
  }
}

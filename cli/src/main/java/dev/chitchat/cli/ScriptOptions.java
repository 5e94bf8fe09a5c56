package dev.chitchat.cli;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The participant's script mode ({@code --script FILE}, {@code --step-timeout SECONDS}), a picocli
 * mixin of {@link ParticipantCommand}: instead of reading lines from its input, the participant
 * plays its own steps of a scenario, each once every earlier step has taken effect in the shared
 * log directory. See {@link ScriptPlayer}.
 */
final class ScriptOptions {

  @Option(names = "--script", paramLabel = "FILE",
      description = {
        "Play this participant's steps of a scenario file instead of reading input: join at its",
        "'NAME joins' step, publish its lines, leave at its 'NAME leaves' step, then exit.",
        "Before each step, wait until every earlier step has taken effect, by watching the logs",
        "in --log-dir, which every process of the run must share (e.g. a mounted folder)."
      })
  Path script;

  @Option(names = "--step-timeout", defaultValue = "60", paramLabel = "SECONDS",
      description = "With --script: longest wait for one earlier step, in seconds (default: ${DEFAULT-VALUE}).")
  long stepTimeoutSeconds;

  /**
   * Reads and checks the script for {@code name}, before anything is started or logged.
   *
   * @return the player, or {@code null} when no {@code --script} was given
   * @throws UserError (exit 2) for a bad option, scenario or log directory
   */
  ScriptPlayer load(String name, Path logDir) {
    if (script == null) {
      return null;
    }
    if (stepTimeoutSeconds < 1) {
      throw new UserError("--step-timeout must be at least 1 second.", 2);
    }
    String text;
    try {
      text = Files.readString(script, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UserError("Scenario file " + script + " does not exist.", 2);
    } catch (MalformedInputException e) {
      throw new UserError("Scenario file " + script + " is not UTF-8 text.", 2);
    } catch (IOException e) {
      throw new UserError("Cannot read scenario file " + script + ": " + e.getMessage(), 2);
    }
    Scenario scenario = Scenario.parse(script.toString(), text, Scenario.SCRIPTED);
    if (Files.exists(logDir.resolve(name + ".jsonl"))) {
      throw new UserError(logDir.resolve(name + ".jsonl") + " already exists: a scripted run needs a"
          + " fresh --log-dir, shared by the server and every participant.", 2);
    }
    return new ScriptPlayer(name, script.toString(), ScenarioPlan.of(scenario), logDir,
        Duration.ofSeconds(stepTimeoutSeconds));
  }
}

package dev.chitchat.cli;

import dev.chitchat.rules.ChatRules;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted chat: the steps the demo plays, one per line of a scenario file. An immutable value.
 *
 * <p>The format (documented in {@code scenarios/default.scenario} and the README): blank lines and
 * lines starting with {@code #} are ignored;
 *
 * <pre>
 *   NAME joins        start participant NAME and join
 *   NAME: TEXT        NAME publishes TEXT (everything after the first ": ")
 *   NAME leaves       NAME leaves, and its process ends
 * </pre>
 */
record Scenario(List<Step> steps) {

  /** What a step does. */
  enum Action { JOIN, PUBLISH, LEAVE }

  /** One step: an immutable value; {@code text} is {@code null} except for PUBLISH. */
  record Step(int line, String participant, Action action, String text) {
    @Override
    public String toString() {
      return switch (action) {
        case JOIN -> participant + " joins";
        case LEAVE -> participant + " leaves";
        case PUBLISH -> participant + ": " + text;
      };
    }
  }

  private static final Pattern JOIN = Pattern.compile("([^:\\s]+) joins");
  private static final Pattern LEAVE = Pattern.compile("([^:\\s]+) leaves");
  private static final Pattern PUBLISH = Pattern.compile("([^:\\s]+): (.*)");

  /**
   * Parses a scenario and checks that it can be played: names are valid, nobody joins twice or
   * speaks before joining or after leaving, and no message is blank.
   *
   * @param source the file name, for messages
   * @throws UserError (exit 2) naming the source and line of the first problem
   */
  static Scenario parse(String source, String text) {
    List<Step> steps = new ArrayList<>();
    Set<String> present = new HashSet<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int number = i + 1;
      String line = lines[i];
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      Step step = parseStep(source, number, line, trimmed);
      String name = step.participant();
      ChatRules.checkName(name).ifPresent(reason -> {
        throw error(source, number, reason);
      });
      switch (step.action()) {
        case JOIN -> {
          if (!present.add(name)) {
            throw error(source, number, name + " joins but has already joined.");
          }
        }
        case LEAVE -> {
          if (!present.remove(name)) {
            throw error(source, number, name + " leaves but has not joined.");
          }
        }
        case PUBLISH -> {
          if (!present.contains(name)) {
            throw error(source, number, name + " publishes but has not joined.");
          }
          if (step.text().isBlank()) {
            throw error(source, number, "blank message (a participant ignores blank lines).");
          }
          String command = step.text().strip().toLowerCase(java.util.Locale.ROOT);
          if (command.equals("/quit") || command.equals("exit") || command.equals("/help")) {
            throw error(source, number, "\"" + step.text() + "\" is a participant command; write \"" + name + " leaves\".");
          }
        }
      }
      steps.add(step);
    }
    if (steps.isEmpty()) {
      throw new UserError(source + ": no steps.", 2);
    }
    return new Scenario(List.copyOf(steps));
  }

  private static Step parseStep(String source, int number, String line, String trimmed) {
    Matcher m = JOIN.matcher(trimmed);
    if (m.matches()) {
      return new Step(number, m.group(1), Action.JOIN, null);
    }
    m = LEAVE.matcher(trimmed);
    if (m.matches()) {
      return new Step(number, m.group(1), Action.LEAVE, null);
    }
    m = PUBLISH.matcher(line.stripLeading());
    if (m.matches()) {
      return new Step(number, m.group(1), Action.PUBLISH, m.group(2));
    }
    throw error(source, number, "expected \"NAME joins\", \"NAME: TEXT\" or \"NAME leaves\".");
  }

  private static UserError error(String source, int line, String message) {
    return new UserError(source + ":" + line + ": " + message, 2);
  }
}

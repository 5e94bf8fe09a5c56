package dev.chitchat.cli;

import dev.chitchat.rules.ChatRules;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted chat: the steps the demo plays, one per line of a scenario file. An immutable value.
 *
 * <p>The format (documented in {@code docs/scenarios.md}): blank lines and lines starting with
 * {@code #} are ignored;
 *
 * <pre>
 *   NAME joins        start participant NAME and join
 *   NAME: TEXT        NAME publishes TEXT (everything after the first ": ")
 *   NAME leaves       NAME leaves, and its process ends
 *   kill leader       (with --servers 3 or more) SIGKILL the current Raft leader; also kill sK
 *   restart sK        start a killed replica again (restart leader: the last one kill leader killed)
 *   stop sK           SIGSTOP a replica (stop leader: the current leader)
 *   continue sK       SIGCONT a stopped replica (continue leader: the last one stop leader stopped)
 * </pre>
 */
record Scenario(List<Step> steps) {

  /** What a step does. */
  enum Action {
    JOIN, PUBLISH, LEAVE, KILL, RESTART, STOP, CONTINUE;

    /** Whether the step acts on a server replica rather than a participant. */
    boolean onServer() {
      return this == KILL || this == RESTART || this == STOP || this == CONTINUE;
    }

    String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The target of a server step that names no replica: the leader (or the one it was). */
  static final String LEADER = "leader";

  /**
   * One step: an immutable value. {@code participant} is the participant's name, or for a server
   * step the replica's id or {@link #LEADER}; {@code text} is {@code null} except for PUBLISH.
   */
  record Step(int line, String participant, Action action, String text) {

    /** Whether the step acts on a server replica. */
    boolean onServer() {
      return action.onServer();
    }

    @Override
    public String toString() {
      return switch (action) {
        case JOIN -> participant + " joins";
        case LEAVE -> participant + " leaves";
        case PUBLISH -> participant + ": " + text;
        default -> action.keyword() + " " + participant;
      };
    }
  }

  private static final Pattern JOIN = Pattern.compile("([^:\\s]+) joins");
  private static final Pattern LEAVE = Pattern.compile("([^:\\s]+) leaves");
  private static final Pattern SERVER = Pattern.compile("(kill|restart|stop|continue) ([^:\\s]+)");
  private static final Pattern REPLICA = Pattern.compile("s([1-9][0-9]{0,2})");
  private static final Pattern PUBLISH = Pattern.compile("([^:\\s]+): (.*)");

  /** {@code servers} for a scripted participant, which cannot play server steps. */
  static final int SCRIPTED = 0;

  /** Parses a scenario for one server: a server step is an error. */
  static Scenario parse(String source, String text) {
    return parse(source, text, 1);
  }

  /**
   * Parses a scenario and checks that it can be played: names are valid, nobody joins twice or
   * speaks before joining or after leaving, no message is blank, and server steps name replicas of
   * a cluster of {@code servers} that are in a state to take them, never leaving fewer than a
   * majority running.
   *
   * @param source the file name, for messages
   * @param servers the number of server replicas the scenario is played with (1: no cluster), or
   *     {@link #SCRIPTED} for a participant's {@code --script}, where a server step is an error
   * @throws UserError (exit 2) naming the source and line of the first problem
   */
  static Scenario parse(String source, String text, int servers) {
    List<Step> steps = new ArrayList<>();
    Set<String> present = new HashSet<>();
    Replicas replicas = new Replicas(servers);
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int number = i + 1;
      String line = lines[i];
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      Step step = parseStep(source, number, line, trimmed);
      if (step.onServer()) {
        String problem = replicas.apply(step);
        if (problem != null) {
          throw error(source, number, problem);
        }
        steps.add(step);
        continue;
      }
      String name = step.participant();
      ChatRules.checkName(name).ifPresent(reason -> {
        throw error(source, number, reason);
      });
      if (replicas.isReplica(name)) {
        throw error(source, number, name + " is the id of a server replica in this run; choose another name.");
      }
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
          String command = step.text().strip().toLowerCase(Locale.ROOT);
          if (command.equals("/quit") || command.equals("exit") || command.equals("/help")) {
            throw error(source, number, "\"" + step.text() + "\" is a participant command; write \"" + name + " leaves\".");
          }
        }
        default -> throw new AssertionError(step.action());
      }
      steps.add(step);
    }
    if (steps.isEmpty()) {
      throw new UserError(source + ": no steps.", 2);
    }
    return new Scenario(List.copyOf(steps));
  }

  /** Whether any step acts on a server replica. */
  boolean hasServerSteps() {
    return steps.stream().anyMatch(Step::onServer);
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
    m = SERVER.matcher(trimmed);
    if (m.matches()) {
      return new Step(number, m.group(2), Action.valueOf(m.group(1).toUpperCase(Locale.ROOT)), null);
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

  /**
   * The replicas' states as the scenario's server steps leave them, to refuse a step that cannot be
   * played: a replica's id out of range, restarting one that runs, a step that would leave fewer
   * than a majority running (the chat would stop).
   */
  private static final class Replicas {
    private final int servers;
    private final Set<String> killed = new HashSet<>();
    private final Set<String> stopped = new HashSet<>();
    private int leadersKilled;
    private int leadersStopped;

    Replicas(int servers) {
      this.servers = servers;
    }

    boolean isReplica(String name) {
      Matcher m = REPLICA.matcher(name);
      return servers > 1 && m.matches() && Integer.parseInt(m.group(1)) <= servers;
    }

    /** Applies a server step; returns the problem, or null. */
    String apply(Step step) {
      String target = step.participant();
      String keyword = step.action().keyword();
      if (servers == SCRIPTED) {
        return step + " is a server step; only ./chitchat demo --servers N plays those, not a"
            + " scripted participant.";
      }
      if (servers < 3) {
        return step + " needs --servers 3 (a cluster of replicas); this run has "
            + (servers == 1 ? "one server." : servers + " servers.");
      }
      boolean leader = target.equals(LEADER);
      if (!leader && !isReplica(target)) {
        return "\"" + target + "\" is not a replica: " + keyword + " takes leader or s1 to s" + servers + ".";
      }
      int down = killed.size() + stopped.size() + leadersKilled + leadersStopped;
      int majority = servers / 2 + 1;
      switch (step.action()) {
        case KILL, STOP -> {
          if (!leader && killed.contains(target)) {
            return step + " but " + target + " is already killed.";
          }
          if (!leader && stopped.contains(target)) {
            return step + " but " + target + " is stopped; continue it first.";
          }
          if (servers - down - 1 < majority) {
            return step + " would leave " + (servers - down - 1) + " of " + servers
                + " replicas running; the chat needs a majority (" + majority + ").";
          }
          if (step.action() == Action.KILL) {
            if (leader) {
              leadersKilled++;
            } else {
              killed.add(target);
            }
          } else if (leader) {
            leadersStopped++;
          } else {
            stopped.add(target);
          }
        }
        case RESTART -> {
          if (leader ? leadersKilled == 0 : !killed.remove(target)) {
            return step + " but " + (leader ? "no kill leader came before it." : target + " was not killed.");
          }
          if (leader) {
            leadersKilled--;
          }
        }
        case CONTINUE -> {
          if (leader ? leadersStopped == 0 : !stopped.remove(target)) {
            return step + " but " + (leader ? "no stop leader came before it." : target + " was not stopped.");
          }
          if (leader) {
            leadersStopped--;
          }
        }
        default -> throw new AssertionError(step.action());
      }
      return null;
    }
  }
}

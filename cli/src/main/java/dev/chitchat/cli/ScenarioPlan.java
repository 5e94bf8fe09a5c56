package dev.chitchat.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Scenario} as its run's logs will show it: for every step, the process that plays it, the
 * RPC response that completes it (the how-many-th of that process), and the processes present after
 * it. Ends, as the demo does, with a leave for everyone still present after the last step, in the
 * order they joined. Server steps ({@code kill s2}, ...) are not in the plan: no participant plays
 * them, and the logs show no response for them. An immutable value.
 *
 * <p>Process names follow {@code LogSetup.uniqueProcessName} in a fresh run directory: a
 * participant's first membership is the process {@code NAME}, its second {@code NAME-2}, and so on.
 */
record ScenarioPlan(List<Planned> steps) {

  /**
   * One step as the logs show it.
   *
   * @param step the scenario step; a final leave that the scenario does not write has line 0
   * @param process the process that plays it
   * @param rpc {@code Join}, {@code Publish} or {@code Leave}
   * @param count which of {@code process}'s {@code rpc} responses completes the step (from 1)
   * @param presentAfter the processes in the chat after the step, in the order they joined
   */
  record Planned(Scenario.Step step, String process, String rpc, int count, List<String> presentAfter) {

    /** Where the step comes from, for messages: {@code "line 4"} or {@code "final leave"}. */
    String where() {
      return step.line() > 0 ? "line " + step.line() : "final leave";
    }
  }

  static ScenarioPlan of(Scenario scenario) {
    List<Planned> planned = new ArrayList<>();
    Map<String, Integer> memberships = new HashMap<>();
    Map<String, String> present = new LinkedHashMap<>();
    Map<String, Integer> publishes = new HashMap<>();
    List<Scenario.Step> steps = new ArrayList<>(scenario.steps());
    for (int i = 0; i < steps.size(); i++) {
      Scenario.Step step = steps.get(i);
      String name = step.participant();
      switch (step.action()) {
        case JOIN -> {
          int membership = memberships.merge(name, 1, Integer::sum);
          String process = membership == 1 ? name : name + "-" + membership;
          present.put(name, process);
          planned.add(new Planned(step, process, "Join", 1, List.copyOf(present.values())));
        }
        case PUBLISH -> {
          String process = present.get(name);
          int count = publishes.merge(process, 1, Integer::sum);
          planned.add(new Planned(step, process, "Publish", count, List.copyOf(present.values())));
        }
        case LEAVE -> {
          String process = present.remove(name);
          planned.add(new Planned(step, process, "Leave", 1, List.copyOf(present.values())));
        }
        default -> {
          // A server step (kill, restart, stop, continue): no participant plays it.
        }
      }
      if (i == steps.size() - 1) {
        for (String stillThere : present.keySet()) {
          steps.add(new Scenario.Step(0, stillThere, Scenario.Action.LEAVE, null));
        }
      }
    }
    return new ScenarioPlan(List.copyOf(planned));
  }

  /** The indexes of the steps {@code name} plays. */
  List<Integer> stepsOf(String name) {
    List<Integer> mine = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).step().participant().equals(name)) {
        mine.add(i);
      }
    }
    return mine;
  }
}

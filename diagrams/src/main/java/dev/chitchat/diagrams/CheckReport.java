package dev.chitchat.diagrams;

import java.util.List;

/**
 * The result of {@link ClockChecker#check}: the violations (the logs are inconsistent) and the notes
 * (anomalies that are expected when a process crashed or a call failed). An immutable value.
 *
 * @param violations the violations, in check order then log order
 * @param notes the expected anomalies, in check order then log order
 * @param chatEvents the number of chat events (distinct sequence numbers) the server created
 * @param deliveries the number of {@code deliver} actions
 */
public record CheckReport(
    List<Finding> violations, List<Finding> notes, int chatEvents, int deliveries) {

  public CheckReport {
    violations = List.copyOf(violations);
    notes = List.copyOf(notes);
  }

  /** Whether no check found a violation. */
  public boolean consistent() {
    return violations.isEmpty();
  }

  /** The number of violations found by one check. */
  public long count(Check check) {
    return violations.stream().filter(f -> f.check() == check).count();
  }
}

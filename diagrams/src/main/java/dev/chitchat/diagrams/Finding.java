package dev.chitchat.diagrams;

/**
 * One result of a check: a violation of the clock condition or the chat's delivery rules, or a note
 * about something that is expected only around failures (a call that failed, a message lost to a
 * crashed process). An immutable value.
 *
 * @param check the check that found it
 * @param location {@code file:line} of the event concerned, or the process name when there is no
 *     single line
 * @param event the event number in the {@link RunModel}, or -1
 * @param message what is wrong, one line, log text escaped
 */
public record Finding(Check check, String location, int event, String message) {

  /** {@code location: [check N] message}, the form printed by {@code diagram --check}. */
  @Override
  public String toString() {
    return location + ": [check " + check.number() + "] " + message;
  }
}

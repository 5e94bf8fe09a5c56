package dev.chitchat.participant;

/**
 * Where a participant shows lines to its user. Implementations escape nothing: callers pass text
 * that {@link dev.chitchat.rules.PrintableText#escape} has made safe. Must be thread-safe: lines
 * arrive from the Broadcast service's threads while the user types.
 */
@FunctionalInterface
public interface Screen {
  /** Shows one line (without a line terminator). */
  void show(String line);
}

package dev.chitchat.clock;

/**
 * One tick of a process's Lamport clock, as written to the logs: one line of the process's JSON Lines
 * file. An immutable value.
 *
 * @param process the name of the process whose clock ticked ({@code server}, {@code Alex}, ...)
 * @param lamport the Lamport timestamp after the tick, in Lamport ticks (1, 2, 3, ...)
 * @param messageLamport for a receive: the Lamport timestamp the message carried, or {@code null}
 *     when it carried none (e.g. a call that failed before any response)
 * @param details what happened
 * @param refusedLamport for a receive refused before merging (see {@link LamportClock#tryReceive}
 *     and {@link LamportClock#refuseMerge}): the Lamport timestamp the message carried, which the
 *     clock did not merge; else {@code null}
 */
public record ClockEvent(
    String process, long lamport, Long messageLamport, EventDetails details, Long refusedLamport) {

  /** An event that refused no timestamp. */
  public ClockEvent(String process, long lamport, Long messageLamport, EventDetails details) {
    this(process, lamport, messageLamport, details, null);
  }
}

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
 */
public record ClockEvent(String process, long lamport, Long messageLamport, EventDetails details) {}

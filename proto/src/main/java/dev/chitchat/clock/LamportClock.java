package dev.chitchat.clock;

import java.util.Objects;

/**
 * A Lamport logical clock (L. Lamport, "Time, Clocks, and the Ordering of Events in a Distributed
 * System", CACM 21(7), 1978), one per process.
 *
 * <p>Every event ticks the clock exactly once and is recorded as one {@link ClockEvent}:
 *
 * <ul>
 *   <li>a send or a local action: {@code L := L + 1} ({@link #tick});
 *   <li>a receive of a message that carried {@code Lm}: {@code L := max(L, Lm) + 1} ({@link
 *       #receive}).
 * </ul>
 *
 * <p>Thus if event a happens before event b, L(a) &lt; L(b) (the clock condition). Timestamps are in
 * Lamport ticks, start at 0 (no event yet) and never exceed {@link #MAX_TIME}.
 *
 * <p>Thread-safe: ticking and recording are one atomic step under the clock's lock, so the {@link
 * EventLog} sees the events in strictly increasing timestamp order whatever the number of threads.
 */
public final class LamportClock {

  /**
   * The largest timestamp a clock reaches: 2^53 - 1, the largest integer that every JSON reader
   * represents exactly. Receivers accept far less from a message (see {@code
   * dev.chitchat.rpc.CallMetadata#SERVER_ACCEPTED_TIME}), so no message can exhaust a clock.
   */
  public static final long MAX_TIME = (1L << 53) - 1;

  private final String process;
  private final EventLog log;
  private long time;

  /**
   * Creates a clock at time 0.
   *
   * @param process the name of the process that owns the clock, written into every event
   * @param log where events are recorded, called under the clock's lock
   */
  public LamportClock(String process, EventLog log) {
    this.process = Objects.requireNonNull(process, "process");
    this.log = Objects.requireNonNull(log, "log");
  }

  /** The name of the process that owns this clock. */
  public String process() {
    return process;
  }

  /** The current timestamp in Lamport ticks: that of the last event, or 0 before any. */
  public synchronized long time() {
    return time;
  }

  /**
   * Ticks for a send or a local action: {@code L := L + 1}, and records the event.
   *
   * @return the new timestamp, which is the event's timestamp
   * @throws IllegalStateException if the clock would pass {@link #MAX_TIME}
   */
  public synchronized long tick(EventDetails details) {
    return advance(time, null, details);
  }

  /**
   * Ticks for a local action whose description depends on its own timestamp (e.g. the announcement
   * "Participant Alex joined Chitty-Chat at Lamport time 5"): {@code L := L + 1}, and records the
   * event that {@code detailsAt} makes for the new timestamp, in one atomic step.
   *
   * @param detailsAt called once, under the clock's lock, with the new timestamp; must not call back
   *     into the clock
   * @return the new timestamp
   */
  public synchronized long tick(java.util.function.LongFunction<EventDetails> detailsAt) {
    if (time >= MAX_TIME) {
      throw new IllegalStateException("Lamport clock of " + process + " reached its maximum");
    }
    return advance(time, null, detailsAt.apply(time + 1));
  }

  /**
   * Ticks for a receive: {@code L := max(L, messageTime) + 1}, and records the event.
   *
   * @param messageTime the timestamp the received message carried, 0 to {@link #MAX_TIME} - 1
   * @return the new timestamp, which is the event's timestamp
   * @throws IllegalArgumentException if {@code messageTime} is negative or not below {@link
   *     #MAX_TIME}; the clock is then unchanged and nothing is recorded
   */
  public synchronized long receive(long messageTime, EventDetails details) {
    if (messageTime < 0 || messageTime >= MAX_TIME) {
      throw new IllegalArgumentException(
          "Lamport time " + messageTime + " is out of range 0.." + (MAX_TIME - 1));
    }
    return advance(Math.max(time, messageTime), messageTime, details);
  }

  /**
   * Ticks for a receive of a message that carried no timestamp (a call that failed locally, or a
   * peer that does not speak the protocol): the same as {@link #tick}, recorded as a receive.
   */
  public synchronized long receiveWithoutTime(EventDetails details) {
    return advance(time, null, details);
  }

  private long advance(long base, Long messageTime, EventDetails details) {
    Objects.requireNonNull(details, "details");
    if (base >= MAX_TIME) {
      throw new IllegalStateException("Lamport clock of " + process + " reached its maximum");
    }
    long next = base + 1;
    log.record(new ClockEvent(process, next, messageTime, details));
    time = next;
    return next;
  }
}

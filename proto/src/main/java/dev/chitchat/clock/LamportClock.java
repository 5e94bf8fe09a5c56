package dev.chitchat.clock;

import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

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
   * represents exactly. A clock's {@link MergeBound} keeps forged timestamps far from it.
   */
  public static final long MAX_TIME = (1L << 53) - 1;

  private final String process;
  private final EventLog log;
  private final MergeBound bound;
  private final LongSupplier nanoTime;
  private final long createdNanos;
  private long time;

  /**
   * Creates a clock at time 0 that merges any timestamp below {@link #MAX_TIME} ({@link
   * MergeBound#NONE}).
   *
   * @param process the name of the process that owns the clock, written into every event
   * @param log where events are recorded, called under the clock's lock
   */
  public LamportClock(String process, EventLog log) {
    this(process, log, MergeBound.NONE);
  }

  /**
   * Creates a clock at time 0 whose receives merge only what {@code bound} allows.
   *
   * @param process the name of the process that owns the clock, written into every event
   * @param log where events are recorded, called under the clock's lock
   * @param bound how far one received timestamp may move the clock
   */
  public LamportClock(String process, EventLog log, MergeBound bound) {
    this(process, log, bound, System::nanoTime);
  }

  /**
   * As {@link #LamportClock(String, EventLog, MergeBound)}, reading real time from {@code
   * nanoTime} (nanoseconds, as {@link System#nanoTime}); for tests of the bound's rising ceiling.
   */
  public LamportClock(String process, EventLog log, MergeBound bound, LongSupplier nanoTime) {
    this.process = Objects.requireNonNull(process, "process");
    this.log = Objects.requireNonNull(log, "log");
    this.bound = Objects.requireNonNull(bound, "bound");
    this.nanoTime = nanoTime;
    this.createdNanos = nanoTime.getAsLong();
  }

  /** How far one received timestamp may move this clock. */
  public MergeBound bound() {
    return bound;
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
   * @throws IllegalArgumentException if {@code messageTime} is negative, not below {@link
   *     #MAX_TIME}, or beyond what the clock's {@link MergeBound} allows; the clock is then
   *     unchanged and nothing is recorded
   */
  public synchronized long receive(long messageTime, EventDetails details) {
    checkRange(messageTime);
    if (!allows(messageTime)) {
      throw new IllegalArgumentException(
          "Lamport time " + messageTime + " is too far ahead of " + process + "'s clock (" + time + ")");
    }
    return advance(Math.max(time, messageTime), messageTime, details);
  }

  /**
   * Ticks for a receive if the clock's {@link MergeBound} allows {@code messageTime}: {@code L :=
   * max(L, messageTime) + 1}. Otherwise refuses it before merging, as {@link #refuseMerge} does.
   * Either way records exactly one event.
   *
   * @param messageTime the timestamp the received message carried, 0 to {@link #MAX_TIME} - 1
   * @return the new timestamp if the message's timestamp was merged, else empty
   * @throws IllegalArgumentException if {@code messageTime} is negative or not below {@link
   *     #MAX_TIME}; the clock is then unchanged and nothing is recorded
   */
  public synchronized OptionalLong tryReceive(long messageTime, EventDetails details) {
    checkRange(messageTime);
    if (!allows(messageTime)) {
      refuseMerge(messageTime, details);
      return OptionalLong.empty();
    }
    return OptionalLong.of(advance(Math.max(time, messageTime), messageTime, details));
  }

  /**
   * Ticks for a receive whose timestamp is refused before merging (the sender was not
   * authenticated, or the timestamp lies beyond the clock's bound): {@code L := L + 1}, recorded as
   * a receive with {@code messageTime} as its {@link ClockEvent#refusedLamport}. The clock
   * condition does not hold for such a message, so the receiver acts on nothing it carried but the
   * refusal.
   *
   * @param messageTime the timestamp the message carried, not merged, in Lamport ticks
   * @return the new timestamp
   */
  public synchronized long refuseMerge(long messageTime, EventDetails details) {
    Objects.requireNonNull(details, "details");
    if (time >= MAX_TIME) {
      throw new IllegalStateException("Lamport clock of " + process + " reached its maximum");
    }
    long next = time + 1;
    log.record(new ClockEvent(process, next, null, details, messageTime));
    time = next;
    return next;
  }

  private static void checkRange(long messageTime) {
    if (messageTime < 0 || messageTime >= MAX_TIME) {
      throw new IllegalArgumentException(
          "Lamport time " + messageTime + " is out of range 0.." + (MAX_TIME - 1));
    }
  }

  private boolean allows(long messageTime) {
    // The common small step needs no reading of real time.
    return messageTime - time <= bound.step()
        || bound.allows(time, messageTime, secondsSinceStart());
  }

  /**
   * The largest timestamp a large jump may merge now ({@link MergeBound#ceilingAt}), in Lamport
   * ticks: for error messages.
   */
  public long ceiling() {
    return bound.ceilingAt(secondsSinceStart());
  }

  private long secondsSinceStart() {
    return Math.max(0, (nanoTime.getAsLong() - createdNanos) / 1_000_000_000L);
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

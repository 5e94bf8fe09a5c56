package dev.chitchat.clock;

/**
 * Where a {@link LamportClock} writes its events. The clock calls {@link #record} while it holds its
 * lock, so that the events reach the log in tick order even when many threads tick at once; an
 * implementation must therefore be quick and must not call back into the clock.
 */
@FunctionalInterface
public interface EventLog {
  /** An event log that discards everything. */
  EventLog NONE = event -> {};

  /**
   * Records one event. Called with the clock's lock held, from any thread.
   *
   * @param event the event, never {@code null}
   */
  void record(ClockEvent event);
}

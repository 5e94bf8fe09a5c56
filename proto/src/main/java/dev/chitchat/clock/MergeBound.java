package dev.chitchat.clock;

/**
 * How far one received Lamport timestamp may move a clock: the rule that keeps a forged timestamp
 * from exhausting a clock. An immutable value.
 *
 * <p>A receive of a message that carried {@code Lm} on a clock at {@code L} is <em>merged</em>
 * ({@code L := max(L, Lm) + 1}, Lamport 1978) when
 *
 * <ul>
 *   <li>{@code Lm <= L + step}: a small step, always allowed, or
 *   <li>{@code Lm <= ceiling + ceilingPerSecond * s}, where {@code s} is the number of whole seconds
 *       since the clock was created: a large step, allowed only up to a ceiling that rises with
 *       real time.
 * </ul>
 *
 * <p>Otherwise the receive is refused before merging: the clock ticks by one and the message's
 * timestamp is recorded as refused ({@link LamportClock#tryReceive}). The second clause is the
 * drift bound of hybrid logical clocks (S. Kulkarni, M. Demirbas et al., "Logical Physical Clocks",
 * OPODIS 2014), which keep the logical part within a fixed distance of physical time, applied to
 * the size of a jump rather than to the clock's value. So a restarted process catches up at once
 * with honest peers (whose clocks lie below the ceiling), while a forged timestamp can push it to
 * the ceiling once and by at most {@code step} Lamport ticks per message after that. The figures
 * for the defaults are worked out in {@code docs/clocks.md}.
 *
 * @param step the largest jump past the local clock that is always merged, in Lamport ticks
 * @param ceiling the largest timestamp merged by a larger jump at the clock's creation, in Lamport
 *     ticks
 * @param ceilingPerSecond how fast the ceiling rises, in Lamport ticks per second of real time
 */
public record MergeBound(long step, long ceiling, long ceilingPerSecond) {

  /**
   * No bound below {@link LamportClock#MAX_TIME}: for a participant, which merges only what the
   * server it joined sends (authenticated by the callback secret or by the connection it opened).
   */
  public static final MergeBound NONE = new MergeBound(LamportClock.MAX_TIME, LamportClock.MAX_TIME, 0);

  /**
   * The chat server's bound: steps of up to 4096 Lamport ticks, and a ceiling of 2^52 that rises by
   * 1,000,000 Lamport ticks a second.
   */
  public static final MergeBound SERVER = new MergeBound(4096, 1L << 52, 1_000_000);

  public MergeBound {
    if (step < 0 || ceiling < 0 || ceilingPerSecond < 0) {
      throw new IllegalArgumentException("a merge bound is not negative");
    }
  }

  /**
   * Whether a clock at {@code local} merges a message that carried {@code messageTime}.
   *
   * @param local the clock's timestamp before the receive, in Lamport ticks
   * @param messageTime the carried timestamp, in Lamport ticks, not negative
   * @param secondsSinceStart whole seconds since the clock was created, not negative
   */
  public boolean allows(long local, long messageTime, long secondsSinceStart) {
    if (messageTime - local <= step) { // no overflow: both lie in 0..MAX_TIME
      return true;
    }
    return messageTime <= ceilingAt(secondsSinceStart);
  }

  /** The ceiling after {@code secondsSinceStart} seconds, in Lamport ticks, at most MAX_TIME. */
  public long ceilingAt(long secondsSinceStart) {
    long rise =
        ceilingPerSecond == 0 || secondsSinceStart <= (LamportClock.MAX_TIME - ceiling) / ceilingPerSecond
            ? ceilingPerSecond * secondsSinceStart
            : LamportClock.MAX_TIME - ceiling;
    return Math.min(LamportClock.MAX_TIME, ceiling + rise);
  }
}

package dev.chitchat.bench;

/**
 * When the open loop publishes each message: message k at a fixed rate once the ramp is over. In
 * the ramp (the first half of the warm-up) the rate rises linearly from a tenth of the target to
 * the target, so that the cold JVM (interpreted code, the JIT compiling) is not swamped before it
 * has warmed up; the measured window always runs at the full rate.
 *
 * <p>Times are {@link System#nanoTime()} values, in nanoseconds. Not thread-safe: one publisher
 * walks it, message by message.
 */
final class OpenLoopSchedule {

  private final long start;
  private final double rate;
  private final double rampNanos;
  private double offset; // nanoseconds after start; a double, as 1e9 / rate is rarely whole
  private long index = -1;

  /**
   * @param start when the ramp starts (nanoTime)
   * @param rate the target rate, messages per second; positive
   * @param rampNanos how long the ramp lasts, nanoseconds; 0 for none
   * @throws IllegalArgumentException if {@code rate} is not positive or {@code rampNanos} negative
   */
  OpenLoopSchedule(long start, double rate, long rampNanos) {
    if (!(rate > 0) || rampNanos < 0) {
      throw new IllegalArgumentException(
          "rate must be positive and the ramp not negative: " + rate + ", " + rampNanos);
    }
    this.start = start;
    this.rate = rate;
    this.rampNanos = rampNanos;
  }

  /** Moves to the next message and returns its scheduled time (nanoTime). */
  long next() {
    double current = offset >= rampNanos ? rate : rate * (0.1 + 0.9 * offset / rampNanos);
    offset += 1e9 / current;
    index++;
    return start + (long) offset;
  }

  /** The number of the message {@link #next()} last returned, from 0. */
  long index() {
    return index;
  }
}

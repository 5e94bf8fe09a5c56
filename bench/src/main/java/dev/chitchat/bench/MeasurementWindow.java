package dev.chitchat.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * One time window of a load benchmark, {@code [start, end)} in {@link System#nanoTime}
 * nanoseconds, and everything recorded in it: the latencies, in nanoseconds, of the messages
 * published in it (per delivery, in up to {@value #DELIVERY_STRIPES} shared histograms so that a
 * thousand participants do not each need a histogram of their own, and to the last of the N
 * participants), the deliveries that happened in it, and the publisher's
 * counts.
 *
 * <p>A run measures two windows of the same length: a rehearsal in the warm-up, whose figures are
 * thrown away, then the real one. The rehearsal is there for the JIT: code that only runs inside a
 * window (these counters and histograms, the {@code if}s that choose them) would otherwise first
 * run when the measurement starts, and the optimising compiler, which had never seen those
 * branches taken, would throw its compiled code for the whole delivery path away at that moment
 * (a deoptimisation, "unstable_if"), and the window's first moments would be slow.
 *
 * <p>Thread-safe: recorded into from the participants' delivery threads and the publisher.
 */
final class MeasurementWindow {

  /** The highest latency recorded, in nanoseconds (2 minutes); longer ones count as this. */
  static final long HIGHEST = 120_000_000_000L;

  private static final int DELIVERY_STRIPES = 16;

  private final long start;
  private final long end;
  private final Histogram[] perDelivery;
  private final Histogram toLast = new Histogram(HIGHEST, 3);
  private final LongAdder deliveries = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final AtomicLong lastCompletion = new AtomicLong();
  private final AtomicLong issued = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong maxLag = new AtomicLong();

  /**
   * @param start the first nanosecond of the window ({@link System#nanoTime})
   * @param end the first nanosecond after it; {@code end <= start} is an empty window
   * @param participants N, which sets how many per-delivery histograms are kept (at most 16)
   */
  MeasurementWindow(long start, long end, int participants) {
    this.start = start;
    this.end = end;
    this.perDelivery = new Histogram[Math.min(participants, DELIVERY_STRIPES)];
    for (int i = 0; i < perDelivery.length; i++) {
      perDelivery[i] = new Histogram(HIGHEST, 3);
    }
  }

  /** The first nanosecond of the window. */
  long start() {
    return start;
  }

  /** The first nanosecond after the window. */
  long end() {
    return end;
  }

  /** Whether {@code nanoTime} falls in the window. */
  boolean contains(long nanoTime) {
    return nanoTime >= start && nanoTime < end;
  }

  /** Records the latency, in ns, of one delivery by participant {@code index} of a message. */
  void recordDelivery(int index, long latency) {
    Histogram h = perDelivery[index % perDelivery.length];
    synchronized (h) {
      h.recordValue(Math.min(latency, HIGHEST));
    }
  }

  /** Counts a delivery that happened in the window, of any message. */
  void countDelivery() {
    deliveries.increment();
  }

  /** Records that a message reached its last participant at {@code now}, {@code latency} ns late. */
  void recordCompletion(long latency, long now) {
    synchronized (toLast) {
      toLast.recordValue(Math.min(latency, HIGHEST));
    }
    completed.increment();
    lastCompletion.accumulateAndGet(now, Math::max);
  }

  /** Counts a message published in the window. */
  void countIssued() {
    issued.incrementAndGet();
  }

  /** Counts the answer to a Publish of a message published in the window. */
  void countAnswered(boolean wasOk) {
    if (wasOk) {
      ok.incrementAndGet();
    }
    answered.incrementAndGet();
  }

  /** Records that the publisher woke up {@code lagNanos} after a message's scheduled time. */
  void recordLag(long lagNanos) {
    maxLag.accumulateAndGet(lagNanos, Math::max);
  }

  /** Per-delivery latencies of the messages published in the window, all participants merged. */
  Histogram perDelivery() {
    Histogram all = new Histogram(HIGHEST, 3);
    for (Histogram h : perDelivery) {
      synchronized (h) {
        all.add(h);
      }
    }
    return all;
  }

  /** Latencies to the last of the N participants of the messages published in the window. */
  Histogram toLast() {
    synchronized (toLast) {
      return toLast.copy();
    }
  }

  /** Deliveries that happened in the window, of any message. */
  long deliveries() {
    return deliveries.sum();
  }

  /** Messages published in the window that have reached every participant. */
  long completed() {
    return completed.sum();
  }

  /** When the last message of the window reached its last participant, in nanoTime; 0 if none. */
  long lastCompletion() {
    return lastCompletion.get();
  }

  /** Messages published in the window. */
  long issued() {
    return issued.get();
  }

  /** Publishes of the window that have been answered, successfully or not. */
  long answered() {
    return answered.get();
  }

  /** Publishes of the window that the server accepted. */
  long ok() {
    return ok.get();
  }

  /** The publisher's longest lateness in the window, in nanoseconds. */
  long maxLag() {
    return maxLag.get();
  }
}

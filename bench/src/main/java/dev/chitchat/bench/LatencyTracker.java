package dev.chitchat.bench;

import dev.chitchat.proto.ChatEvent;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * Records publish-to-delivery latency, in nanoseconds, from the participants' delivery listeners:
 * per delivery (participants share {@value #DELIVERY_STRIPES} histograms, so that 1,000
 * participants do not spread their recording over 1,000 histograms of about 30 KB each) and to the
 * last of the N participants (the maximum
 * over the N deliveries of one message, recorded when the N-th arrives). The publish time travels
 * in the message text (16 hex digits of {@link System#nanoTime}, then the publisher's number), so
 * no map from message to time is needed; messages are matched by their sequence number.
 *
 * <p>Only messages published in the measurement window are recorded; deliveries are counted when
 * they happen in the window. Closed loop: each publisher's {@link Semaphore} gets its permit back
 * when its message has reached all N participants.
 *
 * <p>Thread-safe: listeners run on the participants' Broadcast threads.
 */
final class LatencyTracker {

  private static final long HIGHEST = 120_000_000_000L; // 2 minutes, in ns
  private static final int SLOTS = 1 << 20;
  private static final int STRIPES = 256;
  private static final int DELIVERY_STRIPES = 16;

  private final int participants;
  private final Histogram[] perDelivery;
  private final Histogram last = new Histogram(HIGHEST, 3);
  private final Semaphore[] permits;
  private final long[] slotSeq = new long[SLOTS];
  private final int[] slotCount = new int[SLOTS];
  private final long[] slotMax = new long[SLOTS];
  private final Object[] stripes = new Object[STRIPES];
  private final LongAdder deliveriesInWindow = new LongAdder();
  private final LongAdder completedInWindow = new LongAdder();
  private final AtomicLong lastCompletion = new AtomicLong();
  private volatile long windowStart = Long.MAX_VALUE;
  private volatile long windowEnd = Long.MAX_VALUE;

  LatencyTracker(int participants, Semaphore[] permits) {
    this.participants = participants;
    this.permits = permits;
    this.perDelivery = new Histogram[Math.min(participants, DELIVERY_STRIPES)];
    for (int i = 0; i < perDelivery.length; i++) {
      perDelivery[i] = new Histogram(HIGHEST, 3);
    }
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
  }

  /** Sets the measurement window, in {@link System#nanoTime} nanoseconds. */
  void window(long start, long end) {
    windowStart = start;
    windowEnd = end;
  }

  /** The delivery listener of participant {@code index}. */
  Consumer<ChatEvent> listener(int index) {
    return event -> delivered(index, event);
  }

  private void delivered(int index, ChatEvent event) {
    if (event.getKind() != ChatEvent.Kind.MESSAGE) {
      return;
    }
    long now = System.nanoTime();
    String text = event.getText();
    long sentAt = Long.parseUnsignedLong(text, 0, 16, 16);
    int publisher = Integer.parseInt(text, 17, 21, 10);
    long latency = now - sentAt;
    long start = windowStart;
    long end = windowEnd;
    boolean measured = sentAt >= start && sentAt < end;
    if (now >= start && now < end) {
      deliveriesInWindow.increment();
    }
    if (measured) {
      Histogram h = perDelivery[index % perDelivery.length];
      synchronized (h) {
        h.recordValue(Math.min(latency, HIGHEST));
      }
    }
    long seq = event.getSequence();
    int slot = (int) (seq & (SLOTS - 1));
    long max;
    synchronized (stripes[slot & (STRIPES - 1)]) {
      if (slotSeq[slot] != seq) {
        slotSeq[slot] = seq;
        slotCount[slot] = 0;
        slotMax[slot] = 0;
      }
      slotMax[slot] = Math.max(slotMax[slot], latency);
      if (++slotCount[slot] < participants) {
        return;
      }
      max = slotMax[slot];
    }
    if (measured) {
      synchronized (last) {
        last.recordValue(Math.min(max, HIGHEST));
      }
      completedInWindow.increment();
      lastCompletion.accumulateAndGet(now, Math::max);
    }
    if (permits != null && publisher < permits.length) {
      permits[publisher].release();
    }
  }

  /** Per-delivery latencies of messages published in the window, all participants merged. */
  Histogram perDelivery() {
    Histogram all = new Histogram(HIGHEST, 3);
    for (Histogram h : perDelivery) {
      synchronized (h) {
        all.add(h);
      }
    }
    return all;
  }

  /** Latencies to the last of the N participants of messages published in the window. */
  Histogram toLast() {
    synchronized (last) {
      return last.copy();
    }
  }

  /** Deliveries that happened in the window (of any message). */
  long deliveriesInWindow() {
    return deliveriesInWindow.sum();
  }

  /** Messages published in the window that have reached every participant. */
  long completedInWindow() {
    return completedInWindow.sum();
  }

  /** When the last message of the window reached its last participant, in nanoTime. */
  long lastCompletion() {
    return lastCompletion.get();
  }
}

package dev.chitchat.bench;

import dev.chitchat.proto.ChatEvent;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * Matches the participants' deliveries to messages and records publish-to-delivery latency, in
 * nanoseconds, into the current {@link MeasurementWindow}: per delivery, and to the last of the N
 * participants (the maximum over the N deliveries of one message, recorded when the N-th arrives).
 * The publish time travels in the message text (16 hex digits of {@link System#nanoTime}, then the
 * publisher's number), so no map from message to time is needed; messages are matched by their
 * sequence number.
 *
 * <p>A window records the messages published in it, and counts the deliveries that happen in it.
 * Closed loop: each publisher's {@link Semaphore} gets its permit back when its message has
 * reached all N participants, in a window or not.
 *
 * <p>Thread-safe: listeners run on the participants' Broadcast threads.
 */
final class LatencyTracker {

  private static final int SLOTS = 1 << 20;
  private static final int STRIPES = 256;

  private final int participants;
  private final Semaphore[] permits;
  private final long[] slotSeq = new long[SLOTS];
  private final int[] slotCount = new int[SLOTS];
  private final long[] slotMax = new long[SLOTS];
  private final Object[] stripes = new Object[STRIPES];
  private volatile MeasurementWindow window;

  LatencyTracker(int participants, Semaphore[] permits) {
    this.participants = participants;
    this.permits = permits;
    this.window = new MeasurementWindow(Long.MAX_VALUE, Long.MAX_VALUE, 1); // empty until set
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
  }

  /** Records the deliveries from now on into {@code next} (those of messages published in it). */
  void measureIn(MeasurementWindow next) {
    window = next;
  }

  /** The window being recorded into. */
  MeasurementWindow window() {
    return window;
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
    MeasurementWindow w = window;
    boolean measured = w.contains(sentAt);
    if (w.contains(now)) {
      w.countDelivery();
    }
    if (measured) {
      w.recordDelivery(index, latency);
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
      w.recordCompletion(max, now);
    }
    if (permits != null && publisher < permits.length) {
      permits[publisher].release();
    }
  }
}

package dev.chitchat.participant;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.rules.PrintableText;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Delivers chat events to the user, each exactly once and in sequence order. Every delivery ticks
 * the participant's Lamport clock (an attempted action) and shows a line such as {@code [L=12]
 * Alex: Hello World! (sent at L=8)}, where 12 is this participant's Lamport timestamp of the
 * delivery and 8 the server's timestamp of the event.
 *
 * <p>Events whose sequence number was already delivered (a retried Broadcast) are skipped. A jump
 * in sequence numbers is logged as a {@code gap} action (the server's FIFO fan-out never makes one).
 *
 * <p>Thread-safe: one lock serialises deliveries, so concurrent Broadcasts cannot interleave and
 * lines appear in delivery order. Reading the progress ({@link #lastSequence}, {@link #delivered},
 * {@link #awaitThrough}) never waits for a delivery in progress, even one stuck on a blocked screen.
 */
public final class Deliveries {

  /** One delivered event, as the user saw it. */
  public record Delivered(long lamport, ChatEvent event, String line) {}

  private final LamportClock clock;
  private final Screen screen;
  private final Object order = new Object();
  private final List<Delivered> delivered = new CopyOnWriteArrayList<>();
  private volatile long lastSeq;

  public Deliveries(LamportClock clock, Screen screen) {
    this.clock = clock;
    this.screen = screen;
  }

  /**
   * Delivers the events of one Broadcast that are new.
   *
   * @param events in increasing sequence order
   * @param rpc the RPC that brought the events, for the logs
   * @param callId its call id
   * @param peer the process that called
   * @return the highest sequence number delivered so far
   */
  public long deliver(List<ChatEvent> events, String rpc, String callId, String peer) {
    synchronized (order) {
      deliverInOrder(events, rpc, callId, peer);
      return lastSeq;
    }
  }

  private void deliverInOrder(List<ChatEvent> events, String rpc, String callId, String peer) {
    for (ChatEvent event : events) {
      long seq = event.getSequence();
      if (seq <= lastSeq) {
        continue;
      }
      if (lastSeq != 0 && seq != lastSeq + 1) {
        clock.tick(
            EventDetails.action(
                    "gap", "missing events " + (lastSeq + 1) + ".." + (seq - 1) + " before " + seq)
                .inCall(rpc, callId, peer));
      }
      String text = chatLine(event);
      long at =
          clock.tick(EventDetails.action("deliver", text).withSeq(seq).inCall(rpc, callId, peer));
      String line = "[L=" + at + "] " + text + sentAt(event);
      delivered.add(new Delivered(at, event, line));
      synchronized (this) {
        lastSeq = seq;
        notifyAll();
      }
      screen.show(line);
    }
  }

  /** The highest sequence number delivered, 0 before any. */
  public long lastSequence() {
    return lastSeq;
  }

  /** Everything delivered so far, in order. */
  public List<Delivered> delivered() {
    return List.copyOf(delivered);
  }

  /**
   * Waits until every event up to {@code seq} is delivered, or the timeout passes.
   *
   * @return whether they were delivered in time
   */
  public synchronized boolean awaitThrough(long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (lastSeq < seq) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** The event as a chat line, escaped for the terminal: "Alex: Hello" or the announcement. */
  static String chatLine(ChatEvent event) {
    String text = PrintableText.escape(event.getText());
    return event.getKind() == ChatEvent.Kind.MESSAGE
        ? PrintableText.escape(event.getParticipant()) + ": " + text
        : text;
  }

  private static String sentAt(ChatEvent event) {
    return event.getKind() == ChatEvent.Kind.MESSAGE
        ? " (sent at L=" + event.getLamportTime() + ")"
        : "";
  }
}

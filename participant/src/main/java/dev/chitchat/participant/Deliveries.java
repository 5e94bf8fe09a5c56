package dev.chitchat.participant;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.rules.PrintableText;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Delivers chat events to the user, each exactly once and in sequence order. Every delivery ticks
 * the participant's Lamport clock (an attempted action) and shows a line such as {@code [L=12]
 * Alex: Hello World! (sent at L=8)}, where 12 is this participant's Lamport timestamp of the
 * delivery and 8 the server's timestamp of the event.
 *
 * <p>Events whose sequence number was already delivered (a retried Broadcast) are skipped. A jump
 * in sequence numbers is logged as a {@code gap} action (the server's FIFO fan-out never makes one,
 * except across a removal and a new join, which {@link #expectGap} announces). Sequence numbers are
 * per server run: a Broadcast with a new server id (a restarted server) starts counting afresh.
 * The replicas of one chat share its id, so Broadcasts from another replica after a failover go on
 * with the same numbers, and those it replays that were delivered already are skipped.
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
  private final java.util.function.Consumer<ChatEvent> onDelivered;
  private String serverId;
  private boolean gapExpected;
  private final Object order = new Object();
  private final ArrayDeque<Delivered> delivered = new ArrayDeque<>();
  private volatile long lastSeq;

  /**
   * @param clock the participant's clock
   * @param screen where the lines are shown
   * @param onDelivered told of every delivered event, after it is shown, on the delivering thread
   */
  public Deliveries(
      LamportClock clock, Screen screen, java.util.function.Consumer<ChatEvent> onDelivered) {
    this.clock = clock;
    this.screen = screen;
    this.onDelivered = onDelivered;
  }

  /** The next event may skip sequence numbers without a {@code gap} (this participant rejoins). */
  public void expectGap() {
    synchronized (order) {
      gapExpected = true;
    }
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
    return deliver("", events, rpc, callId, peer);
  }

  /**
   * Delivers the events of one Broadcast from the server run {@code server} that are new.
   *
   * @param server the server id the Broadcast carried
   * @return the highest sequence number of that server run delivered so far
   */
  public long deliver(
      String server, List<ChatEvent> events, String rpc, String callId, String peer) {
    synchronized (order) {
      if (!server.equals(serverId)) {
        if (serverId != null) {
          synchronized (this) {
            lastSeq = 0;
          }
        }
        serverId = server;
      }
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
      if (lastSeq != 0 && seq != lastSeq + 1 && !gapExpected) {
        clock.tick(
            EventDetails.action(
                    "gap", "missing events " + (lastSeq + 1) + ".." + (seq - 1) + " before " + seq)
                .inCall(rpc, callId, peer));
      }
      String text = chatLine(event);
      long at =
          clock.tick(EventDetails.action("deliver", text).withSeq(seq).inCall(rpc, callId, peer));
      String line = "[L=" + at + "] " + text + sentAt(event);
      Delivered d = new Delivered(at, event, line);
      synchronized (delivered) {
        delivered.addLast(d);
      }
      synchronized (this) {
        lastSeq = seq;
        gapExpected = false;
        notifyAll();
      }
      screen.show(line);
      onDelivered.accept(event);
    }
  }

  /** The highest sequence number delivered, 0 before any. */
  public long lastSequence() {
    return lastSeq;
  }

  /** Everything delivered so far, in order. */
  public List<Delivered> delivered() {
    synchronized (delivered) {
      return List.copyOf(delivered);
    }
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

  /**
   * The event as a chat line, escaped for the terminal: "Alex: Hello", or the announcement, with
   * the reason when the server removed the participant.
   */
  static String chatLine(ChatEvent event) {
    String text = PrintableText.escape(event.getText());
    if (event.getKind() == ChatEvent.Kind.MESSAGE) {
      return PrintableText.escape(event.getParticipant()) + ": " + text;
    }
    return event.getReason().isEmpty()
        ? text
        : text + " (" + PrintableText.escape(event.getReason()) + ")";
  }

  private static String sentAt(ChatEvent event) {
    return event.getKind() == ChatEvent.Kind.MESSAGE
        ? " (sent at L=" + event.getLamportTime() + ")"
        : "";
  }
}

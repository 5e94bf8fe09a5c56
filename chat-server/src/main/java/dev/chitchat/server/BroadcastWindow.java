package dev.chitchat.server;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A server-wide bound on the Broadcast calls in flight: at most {@code permits} at once, over all
 * participants. A participant link that finds the window full waits in a FIFO queue and gets the
 * next free permit; meanwhile its queue keeps filling, so its next Broadcast carries more events.
 *
 * <p>Why: each participant already has at most one Broadcast in flight, which batches everything
 * queued while it is out. With many participants that is not enough. Every Publish fanned out at
 * once to every idle participant, one call each; with 1,000 participants at 100 messages/s that is
 * about 100,000 calls per second, more than two cores can serve, and every message then waited
 * behind the fan-out of the ones before it. Bounding the calls in flight makes the server go round
 * the participants in turn, one call each carrying all they missed, so the number of calls per
 * second falls as the load rises. With fewer
 * participants than permits the window never fills and changes nothing.
 *
 * <p>Thread-safe. Permits are granted in request order. A granted permit is handed over by running
 * the waiter's callback, on the thread that calls {@link #request} (when a permit is free) or
 * {@link #release} (when the waiter was queued, and no other thread is handing grants out);
 * callbacks run without this window's lock. A callback must not block.
 */
final class BroadcastWindow {

  private final int permits;
  private final Deque<Runnable> waiting = new ArrayDeque<>();
  private final Deque<Runnable> granted = new ArrayDeque<>();
  private int inUse;
  private boolean handingOut;

  /**
   * @param permits the most Broadcast calls in flight at once, at least 1
   * @throws IllegalArgumentException if {@code permits} is below 1
   */
  BroadcastWindow(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("The Broadcast window needs at least 1 permit.");
    }
    this.permits = permits;
  }

  /**
   * Asks for a permit: runs {@code granted} now if one is free, or later, when a permit is
   * released to it. The holder must call {@link #release} exactly once per grant.
   */
  void request(Runnable granted) {
    synchronized (this) {
      if (inUse == permits) {
        waiting.addLast(granted);
        return;
      }
      inUse++;
    }
    granted.run();
  }

  /**
   * Gives a permit back, or hands it straight to the longest-waiting request. Grants handed over
   * run one after another, never nested: a grant whose call fails at once releases again from
   * inside its callback, and with a thousand waiting participants (a server stopping, say) nested
   * hand-overs would overflow the stack. Such a release only queues its grant for the thread that
   * is already handing grants out.
   */
  void release() {
    synchronized (this) {
      Runnable next = waiting.pollFirst();
      if (next == null) {
        inUse--;
        return;
      }
      granted.addLast(next);
      if (handingOut) {
        return;
      }
      handingOut = true;
    }
    while (true) {
      Runnable next;
      synchronized (this) {
        next = granted.pollFirst();
        if (next == null) {
          handingOut = false;
          return;
        }
      }
      next.run();
    }
  }

  /** Whether every permit is held, so that a request now would wait. */
  synchronized boolean full() {
    return inUse == permits;
  }

  /** Permits held now (for tests and diagnostics). */
  synchronized int inUse() {
    return inUse;
  }

  /** Requests waiting for a permit (for tests and diagnostics). */
  synchronized int waiting() {
    return waiting.size();
  }
}

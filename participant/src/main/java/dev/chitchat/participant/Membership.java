package dev.chitchat.participant;

/**
 * Whether the participant is in the chat, as a state machine: {@code NEW} (never joined), {@code
 * JOINED}, {@code MOVING} (its replica stopped answering; the session is being resumed on another
 * replica of the cluster), {@code OUT} (lost the server, was removed, or the server stopped: it
 * may join again) and {@code LEFT} (final). It also keeps the time of the last word from the
 * server, for the watch. Thread-safe: every method is atomic; {@link #awaitSettled} waits on this
 * object's monitor.
 */
final class Membership {

  enum State { NEW, JOINED, MOVING, OUT, LEFT }

  private final String name;
  private State state = State.NEW;
  /** Whether the participant went out because the server went quiet (it may still count us in). */
  private boolean outOfTouch;
  /** The server run of the current session (from the JoinResponse). */
  private String sessionServer;
  private long lastContact = System.nanoTime();

  Membership(String name) {
    this.name = name;
  }

  /**
   * Checks that a join may start.
   *
   * @return whether the participant was out (its next deliveries may skip sequence numbers)
   * @throws IllegalStateException if it is in the chat (or moving to another replica) or has left
   */
  synchronized boolean beginJoin() {
    if (state == State.JOINED || state == State.MOVING || state == State.LEFT) {
      throw new IllegalStateException(name + " cannot join: " + state);
    }
    return state == State.OUT;
  }

  /** A join succeeded with the server run {@code serverId}. Returns false if it left meanwhile. */
  synchronized boolean joined(String serverId) {
    if (state == State.LEFT) {
      return false;
    }
    state = State.JOINED;
    sessionServer = serverId;
    lastContact = System.nanoTime();
    return true;
  }

  /**
   * The server run {@code serverId} called (a Broadcast or probe).
   *
   * @return whether this brings the participant back in: it had counted the server as lost, and
   *     the same server run evidently still counts it in
   */
  synchronized boolean contact(String serverId) {
    lastContact = System.nanoTime();
    boolean back = state == State.OUT && outOfTouch && serverId.equals(sessionServer);
    if (back) {
      state = State.JOINED;
    }
    return back;
  }

  /**
   * The replica stopped answering: the session starts moving to another one.
   *
   * @return whether it was in the chat (false: nothing changed; another move may be under way)
   */
  synchronized boolean beginMove() {
    if (state != State.JOINED) {
      return false;
    }
    state = State.MOVING;
    notifyAll();
    return true;
  }

  /**
   * The session was resumed on another replica of the chat {@code serverId}.
   *
   * @return false if it was no longer moving (it left, or went out, meanwhile)
   */
  synchronized boolean moved(String serverId) {
    if (state != State.MOVING) {
      return false;
    }
    state = State.JOINED;
    sessionServer = serverId;
    lastContact = System.nanoTime();
    notifyAll();
    return true;
  }

  /**
   * Waits while the session is moving, at most {@code timeout}.
   *
   * @return the state then
   */
  synchronized State awaitSettled(java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (state == State.MOVING) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return state;
  }

  /** Forgets silence so far: this process was suspended and must not blame the server for it. */
  synchronized void forgiveSilence() {
    lastContact = System.nanoTime();
  }

  /** Whether it is in the chat and has heard nothing from the server for {@code nanos}. */
  synchronized boolean silentFor(long nanos) {
    return state == State.JOINED && System.nanoTime() - lastContact >= nanos;
  }

  /**
   * Goes out of the chat.
   *
   * @param lostTouch true when the server went quiet, false when it removed us or stopped
   *     (from {@code JOINED} or {@code MOVING})
   * @return whether it was in the chat (false: nothing changed)
   */
  synchronized boolean out(boolean lostTouch) {
    if (state != State.JOINED && state != State.MOVING) {
      return false;
    }
    state = State.OUT;
    outOfTouch = lostTouch;
    notifyAll();
    return true;
  }

  /** A participant that never joined becomes out, so that it may rejoin; false otherwise. */
  synchronized boolean outBeforeFirstJoin() {
    if (state != State.NEW) {
      return false;
    }
    state = State.OUT;
    return true;
  }

  /** Leaves for good. Returns whether it was in the chat. */
  synchronized boolean leave() {
    boolean wasIn = state == State.JOINED || state == State.MOVING;
    state = State.LEFT;
    notifyAll();
    return wasIn;
  }

  synchronized State state() {
    return state;
  }
}

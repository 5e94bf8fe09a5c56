package dev.chitchat.clock;

/**
 * The three kinds of event that tick a Lamport clock (Lamport 1978): a message is sent, a message is
 * received, or a local action is attempted.
 */
public enum EventKind {
  /** A request or response left this process. */
  SEND,
  /** A request or response (or an error status) arrived at this process. */
  RECEIVE,
  /** A local action was attempted: join, publish, leave, deliver, refuse, duplicate, gap. */
  ACTION;

  private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

  /** The lower-case name used in the JSON Lines logs (computed once; logging calls it per event). */
  public String wireName() {
    return wireName;
  }
}

package dev.chitchat.clock;

/** Which leg of a unary RPC a send or receive event belongs to. */
public enum Leg {
  /** The request, from caller to callee. */
  REQUEST,
  /** The response or error status, from callee to caller. */
  RESPONSE;

  private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

  /** The lower-case name used in the JSON Lines logs (computed once; logging calls it per event). */
  public String wireName() {
    return wireName;
  }
}

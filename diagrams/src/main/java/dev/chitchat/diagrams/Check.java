package dev.chitchat.diagrams;

/** The consistency checks of {@link ClockChecker}, numbered as in {@code docs/diagrams.md}. */
public enum Check {
  /** 0. Every line of every log is a clock event. */
  LOG_LINES(0, "every log line is a clock event"),
  /**
   * 1. Along each process, Lamport timestamps strictly increase; a send, an action, and a receive
   * that carried no time tick by exactly 1 ({@code L := L + 1}).
   */
  PROCESS_ORDER(1, "Lamport timestamps strictly increase along each process"),
  /**
   * 2. For every matched send and receive, {@code L(send) < L(receive)}, the receive carried {@code
   * L(send)}, and {@code L(receive) = max(L(previous), carried) + 1}.
   */
  MESSAGES(2, "L(send) < L(receive) and receive = max(local, message) + 1"),
  /**
   * 3. Every chat event was delivered, once and in sequence order, by every participant that was a
   * member when it was created.
   */
  DELIVERY(3, "every member delivered every chat event once, in order"),
  /** 4. Sends with no receive and receives with no send (expected only around crashes). */
  UNMATCHED(4, "every send has its receive and every receive its send");

  private final int number;
  private final String description;

  Check(int number, String description) {
    this.number = number;
    this.description = description;
  }

  /** The number of the check, 0 to 4. */
  public int number() {
    return number;
  }

  /** One line saying what the check requires. */
  public String description() {
    return description;
  }
}

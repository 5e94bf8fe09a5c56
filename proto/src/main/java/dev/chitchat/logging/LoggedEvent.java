package dev.chitchat.logging;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One clock event as read back from a JSON Lines log: an immutable value. Optional fields are {@code
 * null} when the line does not have them.
 *
 * @param file the file the event was read from
 * @param line the 1-based line number in that file
 * @param time wall-clock time of the event, or {@code null}
 * @param process the process whose clock ticked
 * @param lamport its Lamport timestamp after the tick (Lamport ticks)
 * @param kind {@code send}, {@code receive} or {@code action}
 * @param rpc the RPC method, or {@code null}
 * @param leg {@code request} or {@code response}, or {@code null}
 * @param callId pairs a send with its receive, or {@code null}
 * @param peer the other process, or {@code null}
 * @param action the action's name, or {@code null}
 * @param seq the chat event's sequence number, or {@code null}
 * @param status the gRPC status code name of a response leg, or {@code null}
 * @param messageLamport for a receive, the Lamport timestamp the message carried, or {@code null}
 * @param text the text, or {@code null}
 * @param auth for a received request, who the receiver authenticated the caller as, or {@code null}
 * @param refusedLamport for a receive refused before merging, the Lamport timestamp the message
 *     carried, or {@code null}
 */
public record LoggedEvent(
    Path file,
    int line,
    Instant time,
    String process,
    long lamport,
    String kind,
    String rpc,
    String leg,
    String callId,
    String peer,
    String action,
    Long seq,
    String status,
    Long messageLamport,
    String text,
    String auth,
    Long refusedLamport) {

  /** An event without an authenticated identity or a refused timestamp. */
  public LoggedEvent(Path file, int line, Instant time, String process, long lamport, String kind,
      String rpc, String leg, String callId, String peer, String action, Long seq, String status,
      Long messageLamport, String text) {
    this(file, line, time, process, lamport, kind, rpc, leg, callId, peer, action, seq, status,
        messageLamport, text, null, null);
  }

  /**
   * Whether this receive's caller declared a name ({@code peer}) other than the one it was
   * authenticated as ({@code auth}): a forged call.
   */
  public boolean isForged() {
    return auth != null && peer != null && !auth.equals(peer);
  }

  /** Whether this is a send event. */
  public boolean isSend() {
    return "send".equals(kind);
  }

  /** Whether this is a receive event. */
  public boolean isReceive() {
    return "receive".equals(kind);
  }

  /** Whether this is the action {@code name}. */
  public boolean isAction(String name) {
    return "action".equals(kind) && name.equals(action);
  }

  /** {@code file:line}, for messages that point at the log. */
  public String location() {
    return file.getFileName() + ":" + line;
  }
}

package dev.chitchat.logging;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.EventKind;
import dev.chitchat.rules.PrintableText;

/**
 * The one-line, human-readable form of a clock event, in the style of the course projects' logs,
 * e.g. {@code [L=7] server -> Alex Broadcast request call 5f0c6a1e9b2d4c37} or {@code [L=9]
 * Alex: deliver #1: Participant Alex joined Chitty-Chat at Lamport time 4}; on a receive, {@code
 * (sent at L=N)} is the timestamp the message carried. Control characters in
 * any text are escaped, so a log line cannot move the terminal's cursor. Stateless and thread-safe.
 */
public final class HumanFormat {

  private HumanFormat() {}

  /** Formats one event as a single line without a line terminator. */
  public static String line(ClockEvent event) {
    EventDetails d = event.details();
    StringBuilder out = new StringBuilder(96);
    out.append("[L=").append(event.lamport()).append("] ").append(event.process());
    if (d.kind() == EventKind.ACTION) {
      out.append(": ").append(d.action());
      if (d.seq() != null) {
        out.append(" #").append(d.seq());
      }
    } else {
      out.append(d.kind() == EventKind.SEND ? " -> " : " <- ").append(PrintableText.escape(d.peer()));
      if (d.auth() != null && !d.auth().equals(d.peer())) {
        out.append(" (authenticated as ").append(d.auth()).append(')');
      }
      out.append(' ').append(d.rpc()).append(' ').append(d.leg().wireName());
      if (d.status() != null) {
        out.append(' ').append(d.status());
      }
      if (event.messageLamport() != null) {
        out.append(" (sent at L=").append(event.messageLamport()).append(')');
      }
      if (event.refusedLamport() != null) {
        out.append(" (carried L=").append(event.refusedLamport()).append(", not merged)");
      }
      out.append(" call ").append(d.callId());
    }
    if (d.text() != null) {
      out.append(": ").append(PrintableText.escape(d.text()));
    }
    return out.toString();
  }
}

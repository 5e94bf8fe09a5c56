package dev.chitchat.server;

import dev.chitchat.proto.ChatEvent;
import io.grpc.Status;

/**
 * The result of one attempted action in the {@link ChatRoom}: the event it created, or the status
 * it was refused with. An immutable value; exactly one of the two is non-null.
 *
 * @param event the chat event, or {@code null} when refused
 * @param session the caller's session token (Join only), or {@code null}
 * @param refusal the refusal, with a human-readable description, or {@code null}
 */
record Outcome(ChatEvent event, String session, Status refusal) {

  static Outcome of(ChatEvent event) {
    return new Outcome(event, null, null);
  }

  static Outcome joined(ChatEvent event, String session) {
    return new Outcome(event, session, null);
  }

  static Outcome refused(Status refusal) {
    return new Outcome(null, null, refusal);
  }

  boolean isRefused() {
    return refusal != null;
  }
}

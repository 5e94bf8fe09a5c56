package dev.chitchat.participant;

import dev.chitchat.rules.PrintableText;
import io.grpc.Status;

/**
 * What a participant tells its user about a failed call: a sentence for a person, not the wire
 * status. The status's own description (which tests and other clients read) is unchanged; only
 * the screen says it differently. Stateless and thread-safe.
 */
public final class StatusText {

  private static final String REMOVED = "You were removed from Chitty-Chat";

  private StatusText() {}

  /**
   * A one-line description of {@code status} for the user, without a final full stop unless it is
   * two sentences, e.g. {@code Message too long (354 characters). Limit is 128.}, {@code the chat
   * server is unreachable (io exception)} or {@code you are not in the chat. Type /join to join
   * again.} Control characters in the server's text are escaped.
   */
  public static String describe(Status status) {
    String description = status.getDescription();
    return switch (status.getCode()) {
      case UNAVAILABLE -> description != null && description.startsWith("The chat server is shutting down")
          ? "the chat server is shutting down"
          : "the chat server is unreachable"
              + (description == null ? "" : " (" + PrintableText.escape(description) + ")");
      case DEADLINE_EXCEEDED -> "the chat server did not answer in time";
      // The server's texts for a missing or unknown session token speak of headers and tokens;
      // a removal names its reason, which the user should see.
      case UNAUTHENTICATED -> description != null && description.startsWith(REMOVED)
          ? "you were removed from Chitty-Chat" + reason(description) + ". Type /join to join again."
          : "you are not in the chat. Type /join to join again.";
      default -> description == null ? status.getCode().name() : PrintableText.escape(description);
    };
  }

  /**
   * Why the server no longer counts the user in, from its {@code UNAUTHENTICATED} status, as part of
   * a sentence: {@code you were removed from Chitty-Chat (too slow)}, or {@code the chat server no
   * longer counts you in} when the status does not say.
   */
  public static String removal(Status status) {
    String description = status.getDescription();
    return description != null && description.startsWith(REMOVED)
        ? "you were removed from Chitty-Chat" + reason(description)
        : "the chat server no longer counts you in";
  }

  /** " (too slow)" from "You were removed from Chitty-Chat (too slow). Join again...". */
  private static String reason(String description) {
    int open = description.indexOf('(', REMOVED.length());
    int close = description.indexOf(')', Math.max(open, 0));
    return open == REMOVED.length() + 1 && close > open
        ? " " + PrintableText.escape(description.substring(open, close + 1))
        : "";
  }
}

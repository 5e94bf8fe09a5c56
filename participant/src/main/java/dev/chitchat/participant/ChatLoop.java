package dev.chitchat.participant;

import dev.chitchat.proto.ChatEvent;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.Locale;

/**
 * The participant's input loop: each line the user types is published; {@code /quit} or {@code
 * exit} (as in the course projects), end of input (Ctrl-D) and Ctrl-C leave; {@code /join} joins
 * again after the participant was removed or lost the server; {@code /help} lists the commands. Any
 * other line that starts with {@code /} is refused here, not published (a typo such as {@code
 * /nick bobby} would otherwise go to everyone); a line that starts with {@code //} is published
 * without its first {@code /}. Blank lines are ignored. A pasted block of several lines is handled
 * line by line.
 *
 * <p>Publishing and joining run on an {@link Outbox}, one at a time in the order typed, so the
 * loop keeps reading while the server answers; their outcomes (a message the server refused or
 * that cannot reach it is shown as not sent) appear on the screen when they come. Before leaving,
 * the loop waits until everything typed has been answered. Reads on the calling thread.
 */
public final class ChatLoop {

  /** What {@code /help} shows. */
  static final String HELP = "Type a message of 1 to 128 characters and press Enter to publish it."
      + " /join joins again after the server lost or removed you; /quit or exit leaves (so do"
      + " Ctrl-D and Ctrl-C); /help shows this. To send a line that starts with /, type // instead.";

  private final ParticipantNode node;
  private final LineSource input;
  private final Screen screen;

  /**
   * @param node the participant, started and (usually) joined
   * @param input where the user's lines come from
   * @param screen where answers and refusals are shown
   */
  public ChatLoop(ParticipantNode node, LineSource input, Screen screen) {
    this.node = node;
    this.input = input;
    this.screen = screen;
  }

  /**
   * Reads and handles lines until the user leaves or the input ends; waits for every message
   * typed to be answered; then leaves.
   *
   * @throws IOException if reading the input fails
   * @throws InterruptedException if interrupted while waiting for the answers or the leave
   */
  public void run() throws IOException, InterruptedException {
    Outbox outbox = new Outbox(node.name());
    try {
      String line;
      reading:
      while ((line = input.readLine()) != null) {
        for (String part : line.split("\\R", -1)) {
          if (!handle(part, outbox)) {
            break reading;
          }
        }
      }
    } finally {
      outbox.drain();
    }
    leave();
  }

  /** Handles one line; returns false when it asks to leave. */
  private boolean handle(String line, Outbox outbox) {
    String command = line.strip().toLowerCase(Locale.ROOT);
    if (command.equals("/quit") || command.equals("exit")) {
      return false;
    }
    if (command.equals("/help")) {
      screen.show(HELP);
    } else if (command.equals("/join")) {
      outbox.submit(this::join);
    } else if (command.startsWith("//")) {
      String text = unescape(line);
      outbox.submit(() -> publish(text));
    } else if (command.startsWith("/")) {
      String word = line.strip().split("\\s+", 2)[0];
      screen.show("Unknown command " + dev.chitchat.rules.PrintableText.escape(word)
          + "; nothing was sent. Type /help for the commands.");
    } else if (!line.isBlank()) {
      outbox.submit(() -> publish(line));
    }
    return true;
  }

  /**
   * How to type {@code text} so that it is published as it is: a text whose first non-blank
   * character is {@code /} gets a second one there, any other text is typed as it is.
   */
  public static String typed(String text) {
    int slash = text.length() - text.stripLeading().length();
    return text.startsWith("/", slash) ? text.substring(0, slash) + "/" + text.substring(slash) : text;
  }

  /** The text typed as {@code line}, which starts with {@code //} after blanks: one / fewer. */
  private static String unescape(String line) {
    int slash = line.length() - line.stripLeading().length();
    return line.substring(0, slash) + line.substring(slash + 1);
  }

  private void publish(String text) {
    ParticipantNode.PublishResult result = node.publish(text);
    if (!result.sent()) {
      boolean unknown = result.refusal().getCode() == Status.Code.DEADLINE_EXCEEDED;
      screen.show(
          "[L=" + node.clock().time() + "] " + (unknown ? "Not confirmed: " : "Not sent: ")
              + StatusText.describe(result.refusal())
              + (unknown ? " (it may still have ordered the message)" : ""));
    }
  }

  private void join() {
    if (!node.canJoin()) {
      screen.show("Already in the chat.");
      return;
    }
    try {
      node.join();
      screen.show("[L=" + node.clock().time() + "] Joined Chitty-Chat again as " + node.name() + ".");
    } catch (StatusRuntimeException e) {
      screen.show("[L=" + node.clock().time() + "] Could not join: "
          + StatusText.describe(e.getStatus()));
    } catch (IllegalStateException e) {
      screen.show("Already in the chat."); // rejoined by itself meanwhile (--rejoin)
    }
  }

  private void leave() throws InterruptedException {
    try {
      ChatEvent left = node.leave();
      if (left != null) {
        screen.show("[L=" + node.clock().time() + "] You left Chitty-Chat"
            + (left.getSequence() == 0 ? "." : " (event #" + left.getSequence()
                + " at Lamport time " + left.getLamportTime() + ")."));
      }
    } catch (StatusRuntimeException e) {
      screen.show("Could not leave cleanly: " + StatusText.describe(e.getStatus()));
    }
  }
}

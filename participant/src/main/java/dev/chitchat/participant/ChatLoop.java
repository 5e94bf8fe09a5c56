package dev.chitchat.participant;

import dev.chitchat.proto.ChatEvent;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.Locale;

/**
 * The participant's input loop: each line the user types is published; {@code /quit} or {@code
 * exit} (as in the course projects), end of input and Ctrl-C leave; {@code /join} joins again after
 * the participant was removed or lost the server. Blank lines are ignored; {@code /help} lists the
 * commands. A message the server refuses, or that cannot reach it, is shown
 * as not sent. Runs on the calling thread.
 */
public final class ChatLoop {

  private final ParticipantNode node;
  private final LineSource input;
  private final Screen screen;

  public ChatLoop(ParticipantNode node, LineSource input, Screen screen) {
    this.node = node;
    this.input = input;
    this.screen = screen;
  }

  /** Reads and handles lines until the user leaves or the input ends; then leaves. */
  public void run() throws IOException, InterruptedException {
    String line;
    while ((line = input.readLine()) != null) {
      String command = line.strip().toLowerCase(Locale.ROOT);
      if (command.equals("/quit") || command.equals("exit")) {
        break;
      }
      if (command.equals("/help")) {
        screen.show("Type a message and press Enter to publish it. /quit or exit leaves;"
            + " /join joins again after the server lost you.");
        continue;
      }
      if (command.equals("/join")) {
        join();
        continue;
      }
      if (line.isBlank()) {
        continue;
      }
      ParticipantNode.PublishResult result = node.publish(line);
      if (!result.sent()) {
        boolean unknown = result.refusal().getCode() == io.grpc.Status.Code.DEADLINE_EXCEEDED;
        screen.show(
            "[L=" + node.clock().time() + "] " + (unknown ? "Not confirmed: " : "Not sent: ")
                + ParticipantNode.describe(result.refusal())
                + (unknown ? " (it may still have ordered the message)" : ""));
      }
    }
    leave();
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
          + ParticipantNode.describe(e.getStatus()));
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
      screen.show("Could not leave cleanly: " + ParticipantNode.describe(e.getStatus()));
    }
  }
}

package dev.chitchat.participant;

import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.JoinResponse;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** What the participant's tests share: a stub server's Join answer, a chat typed on a plain console. */
final class TestChats {

  private TestChats() {}

  /** Answers a Join as a server would: session token {@code t}, JOINED event #1. */
  static void joined(StreamObserver<JoinResponse> responses) {
    responses.onNext(JoinResponse.newBuilder().setSessionToken("t")
        .setJoined(ChatEvent.newBuilder().setSequence(1)).build());
    responses.onCompleted();
  }

  /** Runs the chat loop of {@code node} on {@code input} typed at a plain console; returns what it printed. */
  static String typed(ParticipantNode node, String input) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PlainConsole console = new PlainConsole(
        new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8));
    new ChatLoop(node, console, console).run();
    return out.toString(StandardCharsets.UTF_8);
  }
}

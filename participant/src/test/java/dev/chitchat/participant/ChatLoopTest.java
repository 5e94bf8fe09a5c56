package dev.chitchat.participant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveRequest;
import dev.chitchat.proto.LeaveResponse;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.proto.PublishResponse;
import dev.chitchat.rpc.CallAuthenticator;
import dev.chitchat.rpc.ClockServerInterceptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The participant's input loop against a scripted chat server (a stand-in for the real one). */
class ChatLoopTest {

  private final List<String> published = new CopyOnWriteArrayList<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private Server server;
  private ParticipantNode node;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    ChatServerGrpc.ChatServerImplBase scripted = new ChatServerGrpc.ChatServerImplBase() {
      @Override
      public void join(JoinRequest request, StreamObserver<JoinResponse> responses) {
        calls.add("join " + request.getName());
        TestChats.joined(responses);
      }

      @Override
      public void publish(PublishRequest request, StreamObserver<PublishResponse> responses) {
        if (request.getText().length() > 5) {
          responses.onError(Status.INVALID_ARGUMENT.withDescription("Too long for this test.").asRuntimeException());
          return;
        }
        published.add(request.getText());
        responses.onNext(PublishResponse.getDefaultInstance());
        responses.onCompleted();
      }

      @Override
      public void leave(LeaveRequest request, StreamObserver<LeaveResponse> responses) {
        calls.add("leave");
        responses.onNext(LeaveResponse.newBuilder()
            .setLeft(ChatEvent.newBuilder().setSequence(1).setLamportTime(9)).build());
        responses.onCompleted();
      }
    };
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(scripted,
            new ClockServerInterceptor(new LamportClock("server", e -> {}), CallAuthenticator.ANYONE)))
        .build().start();
    LamportClock clock = new LamportClock("Alex", e -> {});
    node = new ParticipantNode(
        ParticipantSettings.builder("Alex").declaredPort(1).drainTimeout(Duration.ofMillis(1)).build(),
        clock, InProcessChannelBuilder.forName(name).directExecutor(),
        InProcessServerBuilder.forName(name + "-alex"), line -> {});
    node.start();
    node.join();
  }

  @AfterEach
  void stop() throws Exception {
    node.stop();
    server.shutdownNow();
  }

  private String run(String input) throws Exception {
    return TestChats.typed(node, input);
  }

  @Test
  void publishesEachLineIgnoresBlankOnesAndLeavesOnQuit() throws Exception {
    String shown = run("hi\n\n   \nyo\n/quit\nnever\n");

    assertThat(published).containsExactly("hi", "yo");
    assertThat(calls).containsExactly("join Alex", "leave");
    assertThat(shown).contains("You left Chitty-Chat (event #1 at Lamport time 9).");
    assertThat(node.joined()).isFalse();
  }

  @Test
  void exitLeavesAsInTheCourseProjects() throws Exception {
    run("exit\nnever\n");

    assertThat(published).isEmpty();
    assertThat(calls).containsExactly("join Alex", "leave");
  }

  @Test
  void theEndOfInputLeavesToo() throws Exception {
    run("last words");

    assertThat(published).isEmpty(); // "last words" is longer than this test server accepts
    assertThat(calls).containsExactly("join Alex", "leave");
  }

  @Test
  void aRefusedMessageIsReportedAsNotSent() throws Exception {
    String shown = run("far too long\n/quit\n");

    assertThat(shown).containsPattern("\\[L=\\d+] Not sent: Too long for this test\\.");
  }

  @Test
  void helpListsTheCommands() throws Exception {
    assertThat(run("/help\n/quit\n")).contains("/quit or exit leaves");
  }

  @Test
  void helpNamesCtrlDAndTheLengthLimit() throws Exception {
    assertThat(run("/help\n/quit\n")).contains("Ctrl-D", "128 characters");
  }

  @Test
  void anUnknownCommandIsRefusedHereWithAHintAndNotPublished() throws Exception {
    String shown = run("/nick bobby\n/quit\n");

    assertThat(published).isEmpty();
    assertThat(shown).contains("Unknown command /nick; nothing was sent. Type /help for the commands.");
  }

  @Test
  void aDoubleSlashPublishesALineThatStartsWithASlash() throws Exception {
    run("//hi\n" + ChatLoop.typed(" /j") + "\n" + ChatLoop.typed("/quit") + "\n/quit\n");

    assertThat(published).containsExactly("/hi", " /j", "/quit");
    assertThat(ChatLoop.typed("a/b")).isEqualTo("a/b");
  }

  @Test
  void aPastedBlockIsPublishedLineByLineInOrder() throws Exception {
    java.util.Iterator<String> lines = List.of("a\nb\r\nc", "d", "/quit").iterator();
    new ChatLoop(node, new LineSource() {
      @Override
      public String readLine() {
        return lines.hasNext() ? lines.next() : null;
      }

      @Override
      public void close() {}
    }, line -> {}).run();

    assertThat(published).containsExactly("a", "b", "c", "d");
  }
}

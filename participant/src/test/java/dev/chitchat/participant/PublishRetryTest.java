package dev.chitchat.participant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveRequest;
import dev.chitchat.proto.LeaveResponse;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.proto.PublishResponse;
import dev.chitchat.rpc.CallAuthenticator;
import dev.chitchat.rpc.GrpcClocks;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Publish whose outcome is in doubt is sent again under the same message id, each attempt a
 * call of its own for the Lamport clock; an answer of the server itself is never retried.
 */
class PublishRetryTest {

  /** How the scripted server ends one attempt of Publish, after ordering the message. */
  private enum Ending { OK, LOST, SILENT, SHUTTING_DOWN, INVALID }

  private final Queue<Ending> endings = new ArrayDeque<>();
  /** Every attempt's message id, in arrival order. */
  private final List<String> attempts = new CopyOnWriteArrayList<>();
  /** The chat's order: message id to text, each id once (the server's idempotence). */
  private final Map<String, String> ordered = new LinkedHashMap<>();
  /** Attempts left unanswered; the server's shutdown cancels them. */
  private final List<StreamObserver<PublishResponse>> unanswered = new CopyOnWriteArrayList<>();
  private final List<ClockEvent> log = new CopyOnWriteArrayList<>();
  private Server server;
  private ParticipantNode node;

  private final ChatServerGrpc.ChatServerImplBase scripted = new ChatServerGrpc.ChatServerImplBase() {
    @Override
    public void join(JoinRequest request, StreamObserver<JoinResponse> responses) {
      TestChats.joined(responses);
    }

    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> responses) {
      attempts.add(request.getMessageId());
      Ending ending;
      synchronized (PublishRetryTest.this) {
        ordered.putIfAbsent(request.getMessageId(), request.getText());
        ending = endings.isEmpty() ? Ending.OK : endings.remove();
      }
      switch (ending) {
        case OK -> {
          responses.onNext(PublishResponse.getDefaultInstance());
          responses.onCompleted();
        }
        // The message is ordered, but the answer is lost with the connection: no trailers.
        case LOST -> responses.onError(
            Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException());
        case SILENT -> unanswered.add(responses);
        case SHUTTING_DOWN -> responses.onError(
            Status.UNAVAILABLE.withDescription("The chat server is shutting down.").asRuntimeException());
        case INVALID -> responses.onError(
            Status.INVALID_ARGUMENT.withDescription("Message is empty.").asRuntimeException());
      }
    }

    @Override
    public void leave(LeaveRequest request, StreamObserver<LeaveResponse> responses) {
      responses.onNext(LeaveResponse.getDefaultInstance());
      responses.onCompleted();
    }
  };

  /**
   * Starts the scripted server, with the clock stack when {@code clocked} (then every answer carries
   * the server's Lamport time, as the real server's do), and a joined participant.
   */
  private void start(boolean clocked, Duration deadline) throws Exception {
    String name = InProcessServerBuilder.generateName();
    ServerBuilder<?> builder = InProcessServerBuilder.forName(name).directExecutor();
    if (clocked) {
      GrpcClocks clocks =
          GrpcClocks.create(new LamportClock("server", e -> {}), CallAuthenticator.ANYONE);
      builder = clocks.configureServerBuilder(builder).addService(clocks.guard(scripted));
    } else {
      builder.addService(scripted);
    }
    server = builder.build().start();
    node = new ParticipantNode(
        ParticipantSettings.builder("Alex").declaredPort(1).rpcDeadline(deadline)
            .drainTimeout(Duration.ofMillis(1)).build(),
        new LamportClock("Alex", log::add),
        InProcessChannelBuilder.forName(name),
        InProcessServerBuilder.forName(name + "-alex"), line -> {});
    node.start();
    node.join();
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.stop();
    }
    server.shutdownNow();
  }

  private String chat(String input) throws Exception {
    return TestChats.typed(node, input);
  }

  private List<ClockEvent> publishCalls(String kind) {
    return log.stream().filter(e -> "Publish".equals(e.details().rpc()))
        .filter(e -> kind.equals(e.details().kind().name().toLowerCase(java.util.Locale.ROOT)))
        .toList();
  }

  @Test
  void aLostAnswerIsRetriedUnderTheSameIdAndTheMessageIsOrderedOnceAndConfirmed() throws Exception {
    start(false, Duration.ofSeconds(5));
    endings.add(Ending.LOST);

    String shown = chat("hello\n/quit\n");

    assertThat(shown).doesNotContain("Not sent", "Not confirmed");
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(1)).isEqualTo(attempts.get(0));
    assertThat(ordered.values()).containsExactly("hello");
    // Two calls for the clock: each attempt's send and receive, under call ids of their own.
    assertThat(publishCalls("send")).hasSize(2)
        .extracting(e -> e.details().callId()).doesNotHaveDuplicates();
    assertThat(publishCalls("receive")).extracting(e -> e.details().status())
        .containsExactly("UNAVAILABLE", "OK");
  }

  @Test
  void anAnswerThatDoesNotComeInTimeIsAskedForAgainRatherThanShownAsNotConfirmed() throws Exception {
    start(false, Duration.ofMillis(300));
    endings.add(Ending.SILENT);

    String shown = chat("hello\n/quit\n");

    assertThat(shown).doesNotContain("Not sent", "Not confirmed");
    assertThat(attempts).hasSize(2).containsOnly(attempts.get(0));
    assertThat(ordered.values()).containsExactly("hello");
  }

  @Test
  void whenNoAttemptIsAnsweredTheUserIsToldItMayHaveBeenOrdered() throws Exception {
    start(false, Duration.ofMillis(200));
    endings.add(Ending.SILENT);
    endings.add(Ending.SILENT);
    endings.add(Ending.SILENT);

    String shown = chat("hello\n/quit\n");

    assertThat(attempts).hasSize(3).containsOnly(attempts.get(0));
    assertThat(shown).containsPattern("\\[L=\\d+] Not confirmed: the chat server did not answer in time"
        + " \\(it may still have ordered the message\\)");
  }

  @Test
  void theServersOwnAnswersAreNotRetried() throws Exception {
    start(true, Duration.ofSeconds(5));
    endings.add(Ending.SHUTTING_DOWN);
    endings.add(Ending.INVALID);

    String shown = chat("one\ntwo\n/quit\n");

    assertThat(attempts).hasSize(2).doesNotHaveDuplicates();
    assertThat(shown).contains("Not sent: the chat server is shutting down", "Not sent: Message is empty.");
  }
}

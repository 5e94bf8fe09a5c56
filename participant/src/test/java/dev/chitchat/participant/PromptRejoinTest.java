package dev.chitchat.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.JoinResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server that comes back is joined by the next attempt, although gRPC's channel is still waiting
 * out its reconnect backoff (1 s and more) from the failed attempts before.
 */
class PromptRejoinTest {

  private final String name = InProcessServerBuilder.generateName();
  private Server server;
  private ParticipantNode node;

  @AfterEach
  void stop() throws Exception {
    node.stop();
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Test
  void theFirstJoinAfterTheServerIsBackSucceeds() throws Exception {
    node = new ParticipantNode(ParticipantSettings.builder("Alex").declaredPort(1).build(),
        new LamportClock("Alex", e -> {}), InProcessChannelBuilder.forName(name),
        InProcessServerBuilder.forName(name + "-alex"), line -> {});
    node.start();
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(node::join).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new ChatServerGrpc.ChatServerImplBase() {
          @Override
          public void join(JoinRequest request, StreamObserver<JoinResponse> responses) {
            TestChats.joined(responses);
          }
        }).build().start();

    long before = System.nanoTime();
    assertThat(node.join().getSequence()).isEqualTo(1);
    assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(1));
    assertThat(node.joined()).isTrue();
  }
}

package dev.chitchat.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ParticipantGrpc;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.ClockClientInterceptor;
import dev.chitchat.rpc.CallAuthenticator;
import dev.chitchat.rpc.ClockServerInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BroadcastServiceTest {

  private static final String SECRET = "0123456789abcdef0123";
  private final List<ClockEvent> log = new CopyOnWriteArrayList<>();
  private final List<String> screen = new CopyOnWriteArrayList<>();
  private final LamportClock clock = new LamportClock("Alex", log::add);
  private final Deliveries deliveries = new Deliveries(clock, screen::add, event -> {});
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(new BroadcastService(SECRET, deliveries, clock, serverId -> {}),
            new ClockServerInterceptor(clock, CallAuthenticator.ANYONE)))
        .build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private ParticipantGrpc.ParticipantBlockingStub as(String secret) {
    return ParticipantGrpc.newBlockingStub(ClientInterceptors.intercept(channel,
        MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(secret)),
        new ClockClientInterceptor(new LamportClock("server", e -> {}), "Alex")));
  }

  private static ChatEvent message(long seq) {
    return ChatEvent.newBuilder().setSequence(seq).setKind(ChatEvent.Kind.MESSAGE)
        .setParticipant("Bob").setText("m" + seq).build();
  }

  @Test
  void deliversWithTheRightSecretAndSkipsWhatItAlreadyDelivered() {
    assertThat(as(SECRET).broadcast(BroadcastRequest.newBuilder().setServerId("s")
        .addEvents(message(1)).addEvents(message(2)).build()).getDeliveredThrough()).isEqualTo(2);
    assertThat(as(SECRET).broadcast(BroadcastRequest.newBuilder().setServerId("s")
        .addEvents(message(2)).addEvents(message(3)).build()).getDeliveredThrough()).isEqualTo(3);

    assertThat(deliveries.delivered()).extracting(d -> d.event().getSequence()).containsExactly(1L, 2L, 3L);
  }

  @Test
  void refusesAWrongSecretAndLogsTheRefusal() {
    assertThatThrownBy(() -> as("not-the-secret-at-all").broadcast(
        BroadcastRequest.newBuilder().addEvents(message(1)).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

    assertThat(deliveries.delivered()).isEmpty();
    assertThat(log).anyMatch(e -> "refuse".equals(e.details().action()));
  }

  @Test
  void refusesEventsOutOfSequenceOrder() {
    assertThatThrownBy(() -> as(SECRET).broadcast(BroadcastRequest.newBuilder()
        .addEvents(message(2)).addEvents(message(1)).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("Broadcast events must be in increasing sequence order.");
        });
    assertThat(deliveries.delivered()).isEmpty();
  }

  @Test
  void aNewServerRunStartsCountingAfresh() {
    as(SECRET).broadcast(BroadcastRequest.newBuilder().setServerId("first")
        .addEvents(message(1)).addEvents(message(2)).build());
    as(SECRET).broadcast(BroadcastRequest.newBuilder().setServerId("second")
        .addEvents(message(1)).build());

    assertThat(deliveries.delivered()).extracting(d -> d.event().getSequence()).containsExactly(1L, 2L, 1L);
  }
}

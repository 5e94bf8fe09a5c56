package dev.chitchat.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventKind;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.BroadcastResponse;
import dev.chitchat.proto.ParticipantGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClockInterceptorsTest {

  private final List<ClockEvent> clientLog = Collections.synchronizedList(new ArrayList<>());
  private final List<ClockEvent> serverLog = Collections.synchronizedList(new ArrayList<>());
  private final LamportClock client = new LamportClock("Alex", clientLog::add);
  private final LamportClock server = new LamportClock("server", serverLog::add);
  private final List<String> seenCallIds = Collections.synchronizedList(new ArrayList<>());
  private volatile Status refuseWith;
  private Server grpcServer;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    ParticipantGrpc.ParticipantImplBase service = new ParticipantGrpc.ParticipantImplBase() {
      @Override
      public void broadcast(BroadcastRequest request, StreamObserver<BroadcastResponse> responses) {
        seenCallIds.add(CallMetadata.CALL_ID_CONTEXT.get());
        if (refuseWith != null) {
          responses.onError(refuseWith.asRuntimeException());
          return;
        }
        responses.onNext(BroadcastResponse.newBuilder().setDeliveredThrough(7).build());
        responses.onCompleted();
      }
    };
    grpcServer = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service, new ClockServerInterceptor(server, CallMetadata.SERVER_ACCEPTED_TIME)))
        .build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    grpcServer.shutdownNow();
  }

  private ParticipantGrpc.ParticipantBlockingStub stub() {
    return ParticipantGrpc.newBlockingStub(
        ClientInterceptors.intercept(channel, new ClockClientInterceptor(client, "server", CallMetadata.PARTICIPANT_ACCEPTED_TIME)));
  }

  @Test
  void aCallTicksFourTimesAndCarriesTheClockBothWays() {
    for (int i = 0; i < 3; i++) {
      server.tick(dev.chitchat.clock.EventDetails.action("busy", null)); // server is ahead: L=3
    }

    assertThat(stub().broadcast(BroadcastRequest.getDefaultInstance()).getDeliveredThrough()).isEqualTo(7);

    // client sends at 1; server receives at max(3, 1) + 1 = 4 and responds at 5; client receives at max(1, 5) + 1 = 6
    assertThat(clientLog).extracting(ClockEvent::lamport).containsExactly(1L, 6L);
    assertThat(serverLog).extracting(ClockEvent::lamport).containsExactly(1L, 2L, 3L, 4L, 5L);
    ClockEvent send = clientLog.get(0);
    ClockEvent receive = serverLog.get(3);
    ClockEvent respond = serverLog.get(4);
    ClockEvent back = clientLog.get(1);
    assertThat(send.details().kind()).isEqualTo(EventKind.SEND);
    assertThat(receive.details().kind()).isEqualTo(EventKind.RECEIVE);
    assertThat(receive.messageLamport()).isEqualTo(1L);
    assertThat(receive.details().peer()).isEqualTo("Alex");
    assertThat(respond.details().status()).isEqualTo("OK");
    assertThat(back.messageLamport()).isEqualTo(5L);
    assertThat(back.details().peer()).isEqualTo("server");
    assertThat(List.of(send, receive, respond, back))
        .extracting(e -> e.details().callId())
        .containsOnly(send.details().callId());
    assertThat(seenCallIds).containsExactly(send.details().callId());
    assertThat(send.details().rpc()).isEqualTo("Broadcast");
  }

  @Test
  void anErrorStatusTicksAndCarriesTheClockToo() {
    refuseWith = Status.UNAUTHENTICATED.withDescription("no");

    assertThatThrownBy(() -> stub().broadcast(BroadcastRequest.getDefaultInstance()))
        .isInstanceOf(StatusRuntimeException.class);

    assertThat(serverLog).extracting(ClockEvent::lamport).containsExactly(2L, 3L);
    assertThat(serverLog.get(1).details().status()).isEqualTo("UNAUTHENTICATED");
    assertThat(serverLog.get(1).details().text()).isEqualTo("no");
    assertThat(clientLog).extracting(ClockEvent::lamport).containsExactly(1L, 4L);
    assertThat(clientLog.get(1).messageLamport()).isEqualTo(3L);
  }

  @Test
  void aCallWithoutAClockIsReceivedThenRefused() {
    ParticipantGrpc.ParticipantBlockingStub noClock = ParticipantGrpc.newBlockingStub(channel);

    assertThatThrownBy(() -> noClock.broadcast(BroadcastRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).startsWith("Missing lamport-time header");
        });
    assertThat(serverLog).extracting(e -> e.details().kind())
        .containsExactly(EventKind.RECEIVE, EventKind.SEND);
    assertThat(seenCallIds).isEmpty();
  }

  @Test
  void aHugeOrMalformedClockIsRefusedWithoutMovingTheClock() {
    for (String bad : List.of("9007199254740990", "1125899906842625", "-5", "+7", "12abc", "99999999999999999999")) {
      Metadata headers = new Metadata();
      headers.put(CallMetadata.LAMPORT_TIME, bad);
      ParticipantGrpc.ParticipantBlockingStub forged = ParticipantGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));

      assertThatThrownBy(() -> forged.broadcast(BroadcastRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThat(server.time()).isEqualTo(12);
    assertThat(CallMetadata.parseLamport("1125899906842624", CallMetadata.SERVER_ACCEPTED_TIME))
        .contains(CallMetadata.SERVER_ACCEPTED_TIME);
    assertThat(CallMetadata.parseLamport("1125899906842625", CallMetadata.PARTICIPANT_ACCEPTED_TIME))
        .contains(CallMetadata.SERVER_ACCEPTED_TIME + 1);
  }

  @Test
  void aCallThatNeverReachesAServerStillTicksItsReceive() {
    ManagedChannel nowhere = InProcessChannelBuilder.forName("nobody-listens").directExecutor().build();
    try {
      ParticipantGrpc.ParticipantBlockingStub stub = ParticipantGrpc.newBlockingStub(
          ClientInterceptors.intercept(nowhere, new ClockClientInterceptor(client, null, CallMetadata.PARTICIPANT_ACCEPTED_TIME)));

      assertThatThrownBy(() -> stub.broadcast(BroadcastRequest.getDefaultInstance()))
          .isInstanceOf(StatusRuntimeException.class);

      assertThat(clientLog).extracting(ClockEvent::lamport).containsExactly(1L, 2L);
      assertThat(clientLog.get(1).details().status()).isEqualTo("UNAVAILABLE");
      assertThat(clientLog.get(1).messageLamport()).isNull();
    } finally {
      nowhere.shutdownNow();
    }
  }

  @Test
  void bearerCredentialsAreParsedStrictly() {
    assertThat(CallMetadata.bearerOf(CallMetadata.bearer("abc"))).contains("abc");
    Metadata basic = new Metadata();
    basic.put(CallMetadata.AUTHORIZATION, "Basic abc");
    assertThat(CallMetadata.bearerOf(basic)).isEmpty();
    Metadata empty = new Metadata();
    empty.put(CallMetadata.AUTHORIZATION, "Bearer ");
    assertThat(CallMetadata.bearerOf(empty)).isEmpty();
    assertThat(CallMetadata.bearerOf(new Metadata())).isEmpty();
  }
}

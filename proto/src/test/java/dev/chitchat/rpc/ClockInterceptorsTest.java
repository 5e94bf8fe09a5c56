package dev.chitchat.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventKind;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.clock.MergeBound;
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
  private final LamportClock server = new LamportClock("server", serverLog::add, MergeBound.SERVER);
  private volatile CallAuthenticator authenticator = CallAuthenticator.ANYONE;
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
        .addService(ServerInterceptors.intercept(service, new ClockServerInterceptor(server, (rpc, headers, remote) -> authenticator.authenticate(rpc, headers, remote))))
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
        ClientInterceptors.intercept(channel, new ClockClientInterceptor(client, "server")));
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
  void aMalformedClockIsRefusedWithoutMovingTheClock() {
    for (String bad : List.of("9007199254740991", "-5", "+7", "12abc", "99999999999999999999")) {
      assertThatThrownBy(() -> forged(bad, null).broadcast(BroadcastRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThat(server.time()).isEqualTo(10);
    assertThat(CallMetadata.parseLamport("9007199254740990")).contains(LamportClock.MAX_TIME - 1);
    assertThat(CallMetadata.parseLamport("9007199254740991")).isEmpty();
  }

  @Test
  void aTimeBeyondTheServersBoundIsNotMergedAndTheCallIsRefused() {
    assertThatThrownBy(() -> forged("9007199254740990", null).broadcast(BroadcastRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(e.getStatus().getDescription())
              .startsWith("Lamport time 9007199254740990 is too far ahead of server's clock");
        });
    // receive (not merged), refuse, response: three ticks of one.
    assertThat(serverLog).extracting(ClockEvent::lamport).containsExactly(1L, 2L, 3L);
    assertThat(serverLog.get(0).refusedLamport()).isEqualTo(9007199254740990L);
    assertThat(serverLog.get(0).messageLamport()).isNull();
    assertThat(serverLog.get(1).details().action()).isEqualTo("refuse");
    assertThat(seenCallIds).isEmpty();

    // Below the ceiling a large jump is merged: a restarted server catches up with its peers.
    stub(forged("1125899906842624", null));
    assertThat(server.time()).isEqualTo(1125899906842624L + 2);
  }

  @Test
  void aCallTheAuthenticatorRefusesNeverMovesTheClockNorReachesTheService() {
    authenticator = (rpc, headers, remote) ->
        CallMetadata.bearerOf(headers).filter("s3cret"::equals).isPresent()
            ? CallAuthenticator.Verdict.authenticated("server")
            : CallAuthenticator.Verdict.refused(Status.UNAUTHENTICATED.withDescription("Wrong secret."));

    assertThatThrownBy(() -> forged("2251799813685248", "guess").broadcast(BroadcastRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.getStatus().getDescription()).isEqualTo("Wrong secret.");
        });
    assertThat(server.time()).isEqualTo(3);
    assertThat(serverLog.get(0).refusedLamport()).isEqualTo(2251799813685248L);
    assertThat(serverLog.get(1).details().text()).isEqualTo("Wrong secret.");
    assertThat(seenCallIds).isEmpty();

    // The right secret: merged, and the log names who the caller is by authentication.
    forged("40", "s3cret").broadcast(BroadcastRequest.getDefaultInstance());
    ClockEvent received = serverLog.get(3);
    assertThat(received.messageLamport()).isEqualTo(40);
    assertThat(received.details().auth()).isEqualTo("server");
    assertThat(received.details().peer()).isEqualTo("Mallory");
  }

  /** A stub whose calls carry {@code lamport-time: time}, declare Mallory, and present {@code bearer}. */
  private ParticipantGrpc.ParticipantBlockingStub forged(String time, String bearer) {
    Metadata headers = bearer == null ? new Metadata() : CallMetadata.bearer(bearer);
    headers.put(CallMetadata.LAMPORT_TIME, time);
    headers.put(CallMetadata.PROCESS, "Mallory");
    return ParticipantGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static void stub(ParticipantGrpc.ParticipantBlockingStub stub) {
    stub.broadcast(BroadcastRequest.getDefaultInstance());
  }

  @Test
  void aCallThatNeverReachesAServerStillTicksItsReceive() {
    ManagedChannel nowhere = InProcessChannelBuilder.forName("nobody-listens").directExecutor().build();
    try {
      ParticipantGrpc.ParticipantBlockingStub stub = ParticipantGrpc.newBlockingStub(
          ClientInterceptors.intercept(nowhere, new ClockClientInterceptor(client, null)));

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

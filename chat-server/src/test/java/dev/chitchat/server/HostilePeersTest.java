package dev.chitchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.ParticipantGrpc;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.rpc.CallMetadata;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The four attacks of a client written from {@code chitchat.proto} alone (docs/hostile-input.md,
 * "Hostile peers"): each request is forged by hand, with whatever metadata an attacker chooses, and
 * each test ends with the honest participants still chatting.
 */
class HostilePeersTest {

  private static final long TWO_TO_THE_50 = 1L << 50;
  private static final long TWO_TO_THE_51 = 1L << 51;

  private InProcessChat chat;
  private InProcessChat.Member alex;
  private InProcessChat.Member bob;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private void start(ServerConfig config) throws Exception {
    chat = new InProcessChat(config);
    alex = chat.joined("Alex");
    bob = chat.joined("Bob");
  }

  private void start() throws Exception {
    start(ServerConfig.builder().port(0).rateLimit(0).build());
  }

  @AfterEach
  void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    if (chat != null) {
      chat.close();
    }
  }

  @Test
  void anUnauthenticatedPublishWithAHugeClockDoesNotMoveTheServersClock() throws Exception {
    start();
    long before = chat.server.clock().time();

    assertRefused(() -> server("1125899906842624", "Mallory", null)
            .publish(PublishRequest.newBuilder().setMessageId("m").setText("hi").build()),
        Status.Code.UNAUTHENTICATED);

    // Received without merging: the server's clock moved by its own ticks only.
    assertThat(chat.server.clock().time()).isLessThan(before + 1000);
    assertThat(received("Publish")).singleElement().satisfies(e -> {
      assertThat(e.refusedLamport()).isEqualTo(TWO_TO_THE_50);
      assertThat(e.messageLamport()).isNull();
    });
    assertEveryoneStillChats();
  }

  @Test
  void aJoinBeyondTheServersBoundIsRefusedAndOneBelowItLeavesEveryoneTalking() throws Exception {
    start();
    long before = chat.server.clock().time();

    assertRefused(() -> server("9007199254740990", "Mallory", null).join(join("Mallory")),
        Status.Code.OUT_OF_RANGE);
    assertThat(chat.server.clock().time()).isLessThan(before + 1000);

    // A large jump below the ceiling is what a restarted server needs to catch up; accepted, the
    // pushed server still talks with everyone, and they with it.
    server(Long.toString(TWO_TO_THE_51), "Mallory", null).join(join("Mallory"));
    assertThat(chat.server.clock().time()).isGreaterThan(TWO_TO_THE_51);
    assertEveryoneStillChats();
    assertThat(alex.node().clock().time()).isGreaterThan(TWO_TO_THE_51);
  }

  @Test
  void aBroadcastWithoutTheSecretDoesNotMoveTheParticipantsClock() throws Exception {
    start();
    long before = alex.node().clock().time();
    ManagedChannel toAlex =
        track(InProcessChannelBuilder.forName(chat.prefix + "-participant-" + alex.node().port()).build());
    Metadata headers = forgedHeaders(Long.toString(2 * TWO_TO_THE_51), "server", "not-the-secret");
    ParticipantGrpc.ParticipantBlockingStub forged = ParticipantGrpc.newBlockingStub(toAlex)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));

    assertRefused(() -> forged.broadcast(BroadcastRequest.newBuilder()
            .addEvents(ChatEvent.newBuilder().setSequence(99).setKind(ChatEvent.Kind.MESSAGE)
                .setParticipant("server").setText("fake"))
            .build()),
        Status.Code.UNAUTHENTICATED);

    assertThat(alex.node().clock().time()).isLessThan(before + 1000); // its own ticks only
    assertThat(alex.log().snapshot()).filteredOn(e -> e.refusedLamport() != null)
        .singleElement()
        .satisfies(e -> assertThat(e.details().peer()).isEqualTo("server"));
    assertEveryoneStillChats();
  }

  @Test
  void joinsAndFailedAuthenticationsAreLimitedPerAddress() throws Exception {
    start(ServerConfig.builder().port(0).rateLimit(0).joinsPerMinute(5).authFailuresPerMinute(3).build());
    // Alex and Bob used two of the five joins of this (in-process) address.
    for (int i = 0; i < 3; i++) {
      server("1", "Mallory", null).join(join("Mallory" + i));
    }
    assertRefused(() -> server("1", "Mallory", null).join(join("Mallory9")),
        Status.Code.RESOURCE_EXHAUSTED,
        "Too many joins from ");

    PublishRequest hello = PublishRequest.newBuilder().setMessageId("m").setText("hi").build();
    for (int i = 0; i < 3; i++) {
      assertRefused(() -> server("1", "Mallory", "made-up").publish(hello), Status.Code.UNAUTHENTICATED);
    }
    assertRefused(() -> server("1", "Mallory", "made-up").publish(hello),
        Status.Code.RESOURCE_EXHAUSTED, "Too many failed authentications from ");
    // A valid token from the same address still passes.
    assertEveryoneStillChats();
  }

  @Test
  void aCallerThatDeclaresAnotherNameIsLoggedAsWhoItIsByAuthentication() throws Exception {
    start();
    String token = server("1", "Mallory", null).join(join("Mallory")).getSessionToken();

    server(Long.toString(chat.server.clock().time()), "Alex", token)
        .publish(PublishRequest.newBuilder().setMessageId("m").setText("I am Alex").build());

    assertThat(received("Publish")).singleElement().satisfies(e -> {
      assertThat(e.details().peer()).isEqualTo("Alex");
      assertThat(e.details().auth()).isEqualTo("Mallory");
    });
    // Everything else the server logs for the call names the authenticated caller.
    assertThat(chat.serverLog.snapshot())
        .filteredOn(e -> "publish".equals(e.details().action()))
        .singleElement()
        .satisfies(e -> assertThat(e.details().peer()).isEqualTo("Mallory"));
    assertEveryoneStillChats();
  }

  @Test
  void aJoinThatDeclaresTheServersOwnPortFromItsOwnHostIsRefused() throws Exception {
    dev.chitchat.rpc.NettyTransport transport =
        dev.chitchat.rpc.NettyTransport.create(1, "hostile-peers-test");
    ChatServer server = new ChatServer(ServerConfig.builder().port(0).build(),
        new dev.chitchat.clock.LamportClock("server", e -> {}, dev.chitchat.clock.MergeBound.SERVER),
        transport.serverBuilder(0),
        executor -> new NetworkDialer(transport, executor, 64 * 1024)).start();
    ManagedChannel channel = track(transport.channelBuilder("127.0.0.1:" + server.port()).build());
    try {
      JoinRequest ownPort = JoinRequest.newBuilder().setName("Mallory").setPort(server.port())
          .setCallbackSecret(CallMetadata.newSecret()).build();
      assertRefused(() -> ChatServerGrpc.newBlockingStub(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(forgedHeaders("1", "Mallory", null)))
              .join(ownPort),
          Status.Code.INVALID_ARGUMENT,
          "Port " + server.port() + " is the chat server's own port.");
      assertThat(server.participants()).isEmpty();
    } finally {
      channel.shutdownNow();
      server.stop();
      transport.close();
    }
  }

  /** Alex and Bob publish, and each delivers both messages. */
  private void assertEveryoneStillChats() {
    String fromAlex = "alex " + System.nanoTime();
    String fromBob = "bob " + System.nanoTime();
    assertThat(alex.node().publish(fromAlex).sent()).isTrue();
    assertThat(bob.node().publish(fromBob).sent()).isTrue();
    for (InProcessChat.Member m : List.of(alex, bob)) {
      await().untilAsserted(() -> assertThat(m.node().deliveries().delivered())
          .extracting(d -> d.event().getText()).contains(fromAlex, fromBob));
    }
  }

  private List<ClockEvent> received(String rpc) {
    return chat.serverLog.snapshot().stream()
        .filter(e -> rpc.equals(e.details().rpc()) && e.details().kind() == dev.chitchat.clock.EventKind.RECEIVE)
        .filter(e -> !"Alex".equals(e.details().auth()) && !"Bob".equals(e.details().auth()))
        .toList();
  }

  private static JoinRequest join(String name) {
    return JoinRequest.newBuilder().setName(name).setPort(4000)
        .setCallbackSecret(CallMetadata.newSecret()).build();
  }

  /** A stub on a channel without our interceptors: every header is the attacker's choice. */
  private ChatServerGrpc.ChatServerBlockingStub server(String lamport, String process, String token) {
    ManagedChannel channel = track(InProcessChannelBuilder.forName(chat.prefix).build());
    return ChatServerGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(forgedHeaders(lamport, process, token)));
  }

  private static Metadata forgedHeaders(String lamport, String process, String bearer) {
    Metadata headers = bearer == null ? new Metadata() : CallMetadata.bearer(bearer);
    headers.put(CallMetadata.LAMPORT_TIME, lamport);
    headers.put(CallMetadata.PROCESS, process);
    headers.put(CallMetadata.CALL_ID, CallMetadata.newCallId());
    return headers;
  }

  private ManagedChannel track(ManagedChannel channel) {
    channels.add(channel);
    return channel;
  }

  private static void assertRefused(Runnable call, Status.Code code) {
    assertRefused(call, code, "");
  }

  private static void assertRefused(Runnable call, Status.Code code, String descriptionStart) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).startsWith(descriptionStart);
    });
  }
}

package dev.chitchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chitchat.clock.LamportClock;
import dev.chitchat.clock.MergeBound;
import dev.chitchat.participant.ParticipantNode;
import dev.chitchat.participant.ParticipantSettings;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.ClockClientInterceptor;
import dev.chitchat.rpc.NettyTransport;
import dev.chitchat.rpc.MalformedRequests;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rows of the table of bad inputs in docs/hostile-input.md. Every test ends by checking that
 * the chat still works and that the witness has delivered every event, in order, once.
 */
class HostileInputTest {

  private InProcessChat chat;
  private InProcessChat.Member witness;
  private ChatServerGrpc.ChatServerBlockingStub raw;

  private void start(ServerConfig config) throws Exception {
    chat = new InProcessChat(config);
    witness = chat.joined("Witness");
    raw = ChatServerGrpc.newBlockingStub(chat.channel(new LamportClock("raw", e -> {})));
  }

  private void start() throws Exception {
    start(ServerConfig.builder().port(0).rateLimit(0).build());
  }

  @AfterEach
  void stop() throws Exception {
    if (chat != null) {
      chat.close();
    }
  }

  /** The witness still publishes, and has delivered every event once, in sequence order. */
  private void assertTheChatGoesOn() {
    String text = "still here " + System.nanoTime();
    assertThat(witness.node().publish(text).sent()).isTrue();
    await().untilAsserted(() -> assertThat(witness.node().deliveries().delivered())
        .extracting(d -> d.event().getText()).contains(text));
    List<Long> seqs = witness.node().deliveries().delivered().stream()
        .map(d -> d.event().getSequence()).toList();
    assertThat(seqs).isSorted().doesNotHaveDuplicates();
    assertThat(seqs.get(seqs.size() - 1) - seqs.get(0) + 1).isEqualTo(seqs.size());
  }

  private static void assertRefused(Runnable call, Status.Code code, String description) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      if (description != null) {
        assertThat(e.getStatus().getDescription()).isEqualTo(description);
      }
    });
  }

  private ChatServerGrpc.ChatServerBlockingStub as(String token) {
    return raw.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(token)));
  }

  private String joinRaw(String name) {
    return raw.join(JoinRequest.newBuilder().setName(name).setPort(4000)
        .setCallbackSecret(CallMetadata.newSecret()).build()).getSessionToken();
  }

  @Test
  void tooLongCountedInCharactersWithFourByteEmoji() throws Exception {
    start();
    String emoji = "\uD83D\uDE00";

    ParticipantNode.PublishResult refused = witness.node().publish(emoji.repeat(129));

    assertThat(refused.refusal().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.refusal().getDescription()).isEqualTo("Message too long (129 characters). Limit is 128.");
    assertThat(witness.node().publish(emoji.repeat(128)).sent()).isTrue();
    assertTheChatGoesOn();
  }

  @Test
  void emptyBlankControlAndAnsiEscapes() throws Exception {
    start();

    assertThat(witness.node().publish("").refusal().getDescription()).isEqualTo("Message is empty.");
    assertThat(witness.node().publish(" \t ").refusal().getDescription())
        .isEqualTo("Message contains a control character (U+0009) at character 2.");
    assertThat(witness.node().publish("\u001B[2J\u001B[H").refusal().getDescription())
        .isEqualTo("Message contains a control character (U+001B) at character 1.");
    assertThat(witness.node().publish("bell\u0007").refusal().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertTheChatGoesOn();
  }

  @Test
  void invalidUtf8InATextField() throws Exception {
    start();
    String token = joinRaw("Mallory");
    // Field 1 (message_id) "m", field 2 (text) with the bytes C3 28: not UTF-8.
    byte[] request = {0x0a, 0x01, 'm', 0x12, 0x02, (byte) 0xc3, 0x28};
    MethodDescriptor<byte[], byte[]> publish =
        ChatServerGrpc.getPublishMethod().toBuilder(new Bytes(), new Bytes()).build();
    ManagedChannel channel = chat.channel(new LamportClock("Mallory", e -> {}));

    assertRefused(
        () -> ClientCalls.blockingUnaryCall(
            io.grpc.ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(token))),
            publish, CallOptions.DEFAULT, request),
        Status.Code.INVALID_ARGUMENT, MalformedRequests.DESCRIPTION);
    assertThat(chat.serverLog.snapshot()).anyMatch(e -> "refuse".equals(e.details().action())
        && MalformedRequests.DESCRIPTION.equals(e.details().text()));
    assertTheChatGoesOn();
  }

  @Test
  void unknownStaleAndRemovedTokens() throws Exception {
    start();
    PublishRequest hello = PublishRequest.newBuilder().setMessageId("m1").setText("hi").build();
    String token = joinRaw("Mallory");
    as(token).leave(dev.chitchat.proto.LeaveRequest.getDefaultInstance());

    assertRefused(() -> as("made-up").publish(hello), Status.Code.UNAUTHENTICATED,
        "Unknown session token: not a current participant (never joined, or already left).");
    assertRefused(() -> as(token).publish(hello), Status.Code.UNAUTHENTICATED, null);
    assertRefused(() -> as(witness.node().name()).publish(hello), Status.Code.UNAUTHENTICATED, null);
    assertTheChatGoesOn();
  }

  @Test
  void aWrongCallbackSecretOnBroadcast() throws Exception {
    start();
    ParticipantNode node = witness.node();
    ManagedChannel toWitness = io.grpc.inprocess.InProcessChannelBuilder
        .forName(chat.prefix + "-participant-" + node.port()).build();
    try {
      var forged = dev.chitchat.proto.ParticipantGrpc.newBlockingStub(
          io.grpc.ClientInterceptors.intercept(toWitness,
              MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer("not-the-secret")),
              new ClockClientInterceptor(new LamportClock("Mallory", e -> {}), null)));

      assertRefused(() -> forged.broadcast(dev.chitchat.proto.BroadcastRequest.newBuilder()
              .addEvents(ChatEvent.newBuilder().setSequence(99).setKind(ChatEvent.Kind.MESSAGE)
                  .setParticipant("Server").setText("fake")).build()),
          Status.Code.UNAUTHENTICATED,
          "Broadcast refused: only the chat server this participant joined may call it.");
    } finally {
      toWitness.shutdownNow();
    }
    assertThat(witness.node().deliveries().delivered()).extracting(d -> d.event().getText())
        .doesNotContain("fake");
    assertTheChatGoesOn();
  }

  @Test
  void aDuplicateNameAndInvalidPorts() throws Exception {
    start();
    assertRefused(() -> raw.join(JoinRequest.newBuilder().setName("Witness").setPort(4000)
        .setCallbackSecret(CallMetadata.newSecret()).build()), Status.Code.ALREADY_EXISTS,
        "Name Witness is already taken. Choose another name.");
    for (int port : new int[] {0, 65536, -1}) {
      assertRefused(() -> raw.join(JoinRequest.newBuilder().setName("P").setPort(port)
          .setCallbackSecret(CallMetadata.newSecret()).build()), Status.Code.INVALID_ARGUMENT,
          "Port " + Integer.toUnsignedLong(port) + " is out of range. Use 1 to 65535.");
    }
    assertTheChatGoesOn();
  }

  @Test
  void aRequestOverTheSizeCap() throws Exception {
    start();
    String token = joinRaw("Mallory");
    PublishRequest huge = PublishRequest.newBuilder().setMessageId("x".repeat(20_000)).setText("hi").build();

    assertRefused(() -> as(token).publish(huge), Status.Code.RESOURCE_EXHAUSTED,
        "Request too large (" + huge.getSerializedSize() + " bytes). Limit is 16384.");
    assertThat(chat.serverLog.snapshot()).anyMatch(e -> "refuse".equals(e.details().action())
        && e.details().text().startsWith("Request too large"));
    assertTheChatGoesOn();
  }

  @Test
  void aFloodFromOneParticipantIsRateLimited() throws Exception {
    start(ServerConfig.builder().port(0).rateLimit(5).build());
    InProcessChat.Member flooder = chat.joined("Flooder");
    int sent = 0;
    Status limited = null;
    for (int i = 0; i < 30; i++) {
      ParticipantNode.PublishResult result = flooder.node().publish("spam " + i);
      if (result.sent()) {
        sent++;
      } else {
        limited = result.refusal();
      }
    }

    assertThat(limited).isNotNull();
    assertThat(limited.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(limited.getDescription())
        .isEqualTo("Too many messages: the limit is 5 per second. Wait a moment and send again.");
    assertThat(sent).isBetween(5, 29);
    int accepted = sent;
    await().untilAsserted(() -> assertThat(witness.node().deliveries().delivered())
        .extracting(d -> d.event().getText()).filteredOn(t -> t.startsWith("spam ")).hasSize(accepted));
    assertTheChatGoesOn();
  }

  @Test
  void theParticipantLimit() throws Exception {
    start(ServerConfig.builder().port(0).rateLimit(0).maxParticipants(2).build());
    joinRaw("Second");

    assertRefused(() -> joinRaw("Third"), Status.Code.RESOURCE_EXHAUSTED,
        "Chitty-Chat is full (2 participants). Try again later.");
    assertThat(chat.server.participants()).containsExactly("Witness", "Second");
    assertTheChatGoesOn();
  }

  @Test
  void garbageBytesOnTheServersAndAParticipantsPort() throws Exception {
    // Real TCP here, through the processes' own transport: the bytes go to the listening sockets.
    NettyTransport transport = NettyTransport.create(2, "hostile-input-test");
    InProcessChat.Recorder serverLog = new InProcessChat.Recorder();
    ChatServer server = new ChatServer(ServerConfig.builder().port(0).rateLimit(0).build(),
        new LamportClock("server", serverLog, MergeBound.SERVER),
        transport.serverBuilder(0),
        executor -> new NetworkDialer(transport, executor, 64 * 1024)).start();
    LamportClock clock = new LamportClock("Alex", e -> {});
    ParticipantNode alex = new ParticipantNode(ParticipantSettings.builder("Alex").build(), clock,
        transport.channelBuilder("127.0.0.1:" + server.port()), transport.serverBuilder(0),
        line -> {});
    try {
      alex.start();
      alex.join();
      byte[] garbage = new byte[4096];
      new java.util.Random(1).nextBytes(garbage);
      for (int port : new int[] {server.port(), alex.port()}) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
          OutputStream out = socket.getOutputStream();
          out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.write(garbage);
          out.flush();
          InputStream in = socket.getInputStream();
          socket.setSoTimeout(5000);
          in.read(new byte[256]); // the server answers with an error or closes; either is fine
        } catch (java.io.IOException closed) {
          // The peer reset the connection: also fine.
        }
      }

      assertThat(alex.publish("after the garbage").sent()).isTrue();
      await().untilAsserted(() -> assertThat(alex.deliveries().delivered())
          .extracting(d -> d.event().getText()).containsExactly(
              "Participant Alex joined Chitty-Chat at Lamport time "
                  + alex.deliveries().delivered().get(0).event().getLamportTime(),
              "after the garbage"));
    } finally {
      alex.stop();
      server.stop();
      transport.close();
    }
  }

  /** Passes bytes through untouched, to send requests that are not valid protobuf. */
  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}

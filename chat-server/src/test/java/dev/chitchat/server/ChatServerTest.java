package dev.chitchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventKind;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.participant.ParticipantNode;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveRequest;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.proto.PublishResponse;
import dev.chitchat.rpc.CallMetadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChatServerTest {

  private InProcessChat chat;
  private ChatServerGrpc.ChatServerBlockingStub raw;

  @BeforeEach
  void start() throws Exception {
    chat = new InProcessChat();
    raw = ChatServerGrpc.newBlockingStub(chat.channel(new LamportClock("raw", event -> {})));
  }

  @AfterEach
  void stop() throws Exception {
    chat.close();
  }

  private static List<Long> sequences(InProcessChat.Member member) {
    return member.node().deliveries().delivered().stream()
        .map(d -> d.event().getSequence())
        .toList();
  }

  private static List<String> texts(InProcessChat.Member member) {
    return member.node().deliveries().delivered().stream().map(d -> d.event().getText()).toList();
  }

  @Test
  void joinAnnouncesTheNewParticipantToEveryoneItselfIncluded() throws Exception {
    InProcessChat.Member alex = chat.joined("Alex");
    InProcessChat.Member aske = chat.joined("Aske");

    await().untilAsserted(() -> assertThat(sequences(alex)).containsExactly(1L, 2L));
    await().untilAsserted(() -> assertThat(sequences(aske)).containsExactly(2L));
    ChatEvent joined = aske.node().deliveries().delivered().get(0).event();
    assertThat(joined.getKind()).isEqualTo(ChatEvent.Kind.JOINED);
    assertThat(joined.getText())
        .isEqualTo("Participant Aske joined Chitty-Chat at Lamport time " + joined.getLamportTime());
    assertThat(chat.server.participants()).containsExactly("Alex", "Aske");
  }

  @Test
  void theEventsLamportTimeIsTheServersTickOfTheActionThatCreatedIt() throws Exception {
    InProcessChat.Member alex = chat.joined("Alex");
    ParticipantNode.PublishResult result = alex.node().publish("Hello World!");

    assertThat(result.sent()).isTrue();
    ClockEvent action =
        chat.serverLog.snapshot().stream()
            .filter(e -> "publish".equals(e.details().action()))
            .findFirst()
            .orElseThrow();
    assertThat(result.event().getLamportTime()).isEqualTo(action.lamport());
    assertThat(action.details().seq()).isEqualTo(result.event().getSequence());
    await().untilAsserted(() -> assertThat(alex.screen())
        .anyMatch(line -> line.matches("\\[L=\\d+] Alex: Hello World! \\(sent at L="
            + action.lamport() + "\\)")));
  }

  @Test
  void leaveAnnouncesToTheOthersButNotTheLeaverAndEndsTheSession() throws Exception {
    InProcessChat.Member alex = chat.joined("Alex");
    InProcessChat.Member aske = chat.joined("Aske");
    aske.node().publish("Hello Alex");

    ChatEvent left = aske.node().leave();

    assertThat(left.getText())
        .isEqualTo("Participant Aske left Chitty-Chat at Lamport time " + left.getLamportTime());
    await().untilAsserted(() -> assertThat(sequences(alex)).containsExactly(1L, 2L, 3L, 4L));
    assertThat(sequences(aske)).containsExactly(2L, 3L);
    assertThat(chat.server.participants()).containsExactly("Alex");
    assertThat(aske.node().publish("still here?").refusal().getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void aLeaverStillReceivesWhatWasPublishedBeforeItLeft() throws Exception {
    InProcessChat.Member alex = chat.joined("Alex");
    InProcessChat.Member bob = chat.joined("Bob");
    alex.node().publish("goodbye");

    alex.node().leave();

    assertThat(texts(alex)).contains("goodbye");
    await().untilAsserted(() -> assertThat(sequences(bob)).containsExactly(2L, 3L, 4L));
  }

  @Test
  void refusesATooLongMessageCountingCodePointsAndKeepsServing() throws Exception {
    InProcessChat.Member alex = chat.joined("Alex");
    String tooLong = "x".repeat(350) + "\uD83D\uDE00".repeat(4);

    ParticipantNode.PublishResult refused = alex.node().publish(tooLong);
    ParticipantNode.PublishResult emoji = alex.node().publish("\uD83D\uDE00".repeat(128));

    assertThat(refused.refusal().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.refusal().getDescription())
        .isEqualTo("Message too long (354 characters). Limit is 128.");
    assertThat(emoji.sent()).isTrue();
    await().untilAsserted(() -> assertThat(sequences(alex)).containsExactly(1L, 2L));
    assertThat(chat.serverLog.snapshot())
        .anyMatch(e -> "refuse".equals(e.details().action())
            && e.details().text().startsWith("Message too long"));
  }

  @Test
  void refusesEmptyAndControlCharacterMessages() throws Exception {
    InProcessChat.Member alex = chat.joined("Alex");

    assertThat(alex.node().publish("").refusal().getDescription()).isEqualTo("Message is empty.");
    assertThat(alex.node().publish("red \u001B[31malert").refusal().getDescription())
        .isEqualTo("Message contains a control character (U+001B) at character 5.");
    assertThat(alex.node().publish("ok").sent()).isTrue();
  }

  @Test
  void refusesBadNamesPortsAndSecretsWithInvalidArgument() {
    assertRefused(join("no spaces", 4000, secret()), Status.Code.INVALID_ARGUMENT,
        "Name \"no spaces\" is not allowed. Use 1 to 32 letters, digits, '-', '_' or '.'.");
    assertRefused(join("", 4000, secret()), Status.Code.INVALID_ARGUMENT,
        "Name is empty. Use 1 to 32 letters, digits, '-', '_' or '.'.");
    assertRefused(join("x".repeat(33), 4000, secret()), Status.Code.INVALID_ARGUMENT, null);
    assertRefused(join("Alex", 0, secret()), Status.Code.INVALID_ARGUMENT,
        "Port 0 is out of range. Use 1 to 65535.");
    assertRefused(join("Alex", 65536, secret()), Status.Code.INVALID_ARGUMENT,
        "Port 65536 is out of range. Use 1 to 65535.");
    assertRefused(join("Alex", 4000, "short"), Status.Code.INVALID_ARGUMENT,
        "Callback secret must be 16 to 256 printable ASCII characters.");
    assertThat(chat.server.participants()).isEmpty();
  }

  @Test
  void refusesADuplicateNameWithAlreadyExists() throws Exception {
    chat.joined("Alex");

    assertRefused(join("Alex", 4000, secret()), Status.Code.ALREADY_EXISTS,
        "Name Alex is already taken. Choose another name.");
  }

  @Test
  void publishAndLeaveNeedTheCallersOwnSessionToken() throws Exception {
    chat.joined("Alex");
    PublishRequest hello = PublishRequest.newBuilder().setMessageId("m1").setText("hi").build();

    assertRefused(() -> raw.publish(hello), Status.Code.UNAUTHENTICATED,
        "Missing session token. Join first, then send it as 'authorization: Bearer <token>'.");
    assertRefused(() -> withToken("not-a-token").publish(hello), Status.Code.UNAUTHENTICATED,
        "Unknown session token: not a current participant (never joined, or already left).");
    assertRefused(() -> withToken("forged").leave(LeaveRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, null);
    assertThat(chat.server.participants()).containsExactly("Alex");
  }

  @Test
  void aRetriedPublishWithTheSameIdIsBroadcastOnce() throws Exception {
    InProcessChat.Member alex = chat.participant("Alex");
    JoinResponse joined =
        raw.join(JoinRequest.newBuilder().setName("Alex").setPort(alex.node().port())
            .setCallbackSecret(secret()).build());
    InProcessChat.Member bob = chat.joined("Bob");
    ChatServerGrpc.ChatServerBlockingStub asAlex = withToken(joined.getSessionToken());
    PublishRequest request = PublishRequest.newBuilder().setMessageId("id-1").setText("once").build();

    PublishResponse first = asAlex.publish(request);
    PublishResponse retry = asAlex.publish(request);

    assertThat(retry.getEvent()).isEqualTo(first.getEvent());
    assertRefused(
        () -> asAlex.publish(request.toBuilder().setText("other").build()),
        Status.Code.INVALID_ARGUMENT, "Message id id-1 was already used for a different message.");
    asAlex.publish(PublishRequest.newBuilder().setMessageId("id-2").setText("next").build());
    await().untilAsserted(() -> assertThat(texts(bob)).endsWith("once", "next"));
    assertThat(texts(bob)).filteredOn("once"::equals).hasSize(1);
  }

  @Test
  void aBroadcastWithoutTheCallbackSecretIsNotDelivered() throws Exception {
    // Alex joins presenting a secret that is not the one its Broadcast service expects,
    // so every Broadcast the server makes to it is refused and nothing is delivered.
    InProcessChat.Member alex = chat.participant("Alex");
    raw.join(JoinRequest.newBuilder().setName("Alex").setPort(alex.node().port())
        .setCallbackSecret(secret()).build());

    await().untilAsserted(() -> assertThat(alex.log().snapshot())
        .anyMatch(e -> e.details().kind() == EventKind.SEND
            && "UNAUTHENTICATED".equals(e.details().status())));
    assertThat(alex.node().deliveries().delivered()).isEmpty();
  }

  @Test
  void concurrentPublishersAreDeliveredInTheSameOrderEverywhereWithoutGapsOrDuplicates()
      throws Exception {
    List<InProcessChat.Member> members =
        List.of(chat.joined("Alex"), chat.joined("Aske"), chat.joined("Bob"));
    int perPublisher = 60;
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> publishing =
          members.stream()
              .map(m -> pool.submit(() -> {
                for (int i = 0; i < perPublisher; i++) {
                  assertThat(m.node().publish(m.node().name() + " " + i).sent()).isTrue();
                }
              }))
              .<Future<?>>map(f -> f)
              .toList();
      for (Future<?> f : publishing) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    long last = 3 + 3L * perPublisher;

    for (InProcessChat.Member m : members) {
      await().untilAsserted(() -> assertThat(m.node().deliveries().lastSequence()).isEqualTo(last));
    }
    List<Long> alexOrder = sequences(members.get(0));
    assertThat(alexOrder).isSorted().doesNotHaveDuplicates().hasSize((int) last);
    for (InProcessChat.Member m : members) {
      List<Long> order = sequences(m);
      assertThat(order).isEqualTo(alexOrder.subList(alexOrder.indexOf(order.get(0)), alexOrder.size()));
      List<String> fromAlex = texts(m).stream().filter(t -> t.startsWith("Alex ")).toList();
      assertThat(fromAlex).hasSize(perPublisher).isEqualTo(
          java.util.stream.IntStream.range(0, perPublisher).mapToObj(i -> "Alex " + i).toList());
    }
  }

  @Test
  void aParticipantThatDoesNotAnswerDelaysNobodyElse() throws Exception {
    InProcessChat.Member alex = chat.joined("Alex");
    // Bob joins from a port where nothing listens: every Broadcast to him fails and is retried.
    raw.join(JoinRequest.newBuilder().setName("Bob").setPort(1).setCallbackSecret(secret()).build());

    for (int i = 0; i < 20; i++) {
      assertThat(alex.node().publish("message " + i).sent()).isTrue();
    }

    await().untilAsserted(() -> assertThat(alex.node().deliveries().lastSequence()).isEqualTo(22));
  }

  @Test
  void aParticipantThatStopsReadingDelaysNobodyElse() throws Exception {
    CountDownLatch resume = new CountDownLatch(1);
    InProcessChat.Member alex = chat.joined("Alex");
    InProcessChat.Member slow = chat.participant("Slow", InProcessChat.blockingUntil(resume));
    slow.node().join();

    for (int i = 0; i < 20; i++) {
      assertThat(alex.node().publish("message " + i).sent()).isTrue();
    }
    await().untilAsserted(() -> assertThat(alex.node().deliveries().lastSequence()).isEqualTo(22));
    assertThat(slow.node().deliveries().lastSequence()).isLessThan(22);

    resume.countDown();
    await().untilAsserted(() -> assertThat(sequences(slow))
        .isEqualTo(java.util.stream.LongStream.rangeClosed(2, 22).boxed().toList()));
  }

  @Test
  void everyCallTicksTheServerClockInLogOrder() throws Exception {
    InProcessChat.Member alex = chat.joined("Alex");
    alex.node().publish("one");
    alex.node().publish("x".repeat(200));
    alex.node().leave();

    List<ClockEvent> events = chat.serverLog.snapshot();
    assertThat(events).extracting(ClockEvent::lamport).isSorted().doesNotHaveDuplicates();
    long receives = events.stream()
        .filter(e -> e.details().kind() == EventKind.RECEIVE && "request".equals(e.details().leg().wireName()))
        .count();
    long responses = events.stream()
        .filter(e -> e.details().kind() == EventKind.SEND && "response".equals(e.details().leg().wireName()))
        .count();
    assertThat(receives).isEqualTo(4).isEqualTo(responses);
    assertThat(events).filteredOn(e -> e.details().kind() == EventKind.ACTION)
        .extracting(e -> e.details().action())
        .containsExactly("join", "publish", "refuse", "leave");
  }

  private Runnable join(String name, int port, String secret) {
    return () -> raw.join(JoinRequest.newBuilder().setName(name).setPort(port)
        .setCallbackSecret(secret).build());
  }

  private static String secret() {
    return CallMetadata.newSecret();
  }

  private ChatServerGrpc.ChatServerBlockingStub withToken(String token) {
    return raw.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(token)));
  }

  private static void assertRefused(Runnable call, Status.Code code, String description) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          if (description != null) {
            assertThat(e.getStatus().getDescription()).isEqualTo(description);
          }
        });
  }

}

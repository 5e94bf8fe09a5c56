package dev.chitchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.clock.MergeBound;
import dev.chitchat.participant.Deliveries;
import dev.chitchat.participant.ParticipantNode;
import dev.chitchat.participant.ParticipantSettings;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.rpc.CallMetadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Participants and the server fail; the chat goes on. */
class FailureTest {

  private InProcessChat chat;

  @AfterEach
  void stop() throws Exception {
    chat.close();
  }

  private static List<ChatEvent> events(InProcessChat.Member member) {
    return member.node().deliveries().delivered().stream().map(Deliveries.Delivered::event).toList();
  }

  private static ChatServerGrpc.ChatServerBlockingStub raw(InProcessChat chat) {
    return ChatServerGrpc.newBlockingStub(chat.channel(new LamportClock("raw", e -> {})));
  }

  @Test
  void aParticipantThatStopsAnsweringIsRemovedAndAnnouncedEvenWhenNobodyChats() throws Exception {
    chat = new InProcessChat(ServerConfig.builder().port(0).rateLimit(0)
        .failureTimeout(Duration.ofSeconds(1))
        .build());
    InProcessChat.Member alex = chat.joined("Alex");
    ChatServerGrpc.ChatServerBlockingStub raw = raw(chat);
    // Bob declares a port where nothing listens, as if he had crashed right after joining.
    String bobsToken = raw.join(JoinRequest.newBuilder().setName("Bob").setPort(1)
        .setCallbackSecret(CallMetadata.newSecret()).build()).getSessionToken();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events(alex))
        .anySatisfy(e -> {
          assertThat(e.getKind()).isEqualTo(ChatEvent.Kind.LEFT);
          assertThat(e.getText()).isEqualTo(
              "Participant Bob left Chitty-Chat at Lamport time " + e.getLamportTime());
          assertThat(e.getReason()).isEqualTo("connection lost");
        }));
    await().untilAsserted(() -> assertThat(alex.screen())
        .anyMatch(line -> line.endsWith("(connection lost)")));
    assertThat(chat.server.participants()).containsExactly("Alex");
    assertThat(chat.serverLog.snapshot()).anyMatch(e -> "remove".equals(e.details().action())
        && e.details().text().startsWith("Participant Bob left"));

    StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class,
        () -> raw.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(bobsToken)))
            .publish(PublishRequest.newBuilder().setMessageId("m").setText("am I here?").build()));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(refused.getStatus().getDescription())
        .isEqualTo("You were removed from Chitty-Chat (connection lost). Join again to continue.");
    assertThat(alex.node().publish("the chat goes on").sent()).isTrue();
  }

  @Test
  void aParticipantThatFallsBehindIsRemovedAsTooSlowAndCanJoinAgain() throws Exception {
    chat = new InProcessChat(ServerConfig.builder().port(0).rateLimit(0).maxQueue(5)
        .failureTimeout(Duration.ofSeconds(60)).broadcastDeadline(Duration.ofSeconds(60)).build());
    InProcessChat.Member alex = chat.joined("Alex");
    CountDownLatch resume = new CountDownLatch(1);
    InProcessChat.Member slow = chat.participant("Slow", InProcessChat.blockingUntil(resume));
    slow.node().join();

    // Alex keeps up (each message delivered to Alex before the next); Slow's queue overflows.
    for (int i = 0; i < 10; i++) {
      String text = "message " + i;
      assertThat(alex.node().publish(text).sent()).isTrue();
      await().until(() -> events(alex).stream().anyMatch(e -> e.getText().equals(text)));
    }

    await().untilAsserted(() -> assertThat(events(alex))
        .anyMatch(e -> e.getKind() == ChatEvent.Kind.LEFT && e.getReason().equals("too slow")));
    assertThat(chat.server.participants()).containsExactly("Alex");
    resume.countDown();

    ParticipantNode.PublishResult refused = slow.node().publish("did I miss anything?");
    assertThat(refused.refusal().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(refused.refusal().getDescription())
        .isEqualTo("You were removed from Chitty-Chat (too slow). Join again to continue.");
    assertThat(slow.node().joined()).isFalse();

    ChatEvent again = slow.node().join();
    assertThat(alex.node().publish("welcome back").sent()).isTrue();
    await().untilAsserted(() -> assertThat(events(slow)).extracting(ChatEvent::getText)
        .contains(again.getText(), "welcome back"));
    assertThat(slow.log().snapshot()).noneMatch(e -> "gap".equals(e.details().action()));
    List<Long> alexSeqs = events(alex).stream().map(ChatEvent::getSequence).toList();
    assertThat(alexSeqs).isSorted().doesNotHaveDuplicates();
    assertThat(alexSeqs.get(alexSeqs.size() - 1) - alexSeqs.get(0) + 1).isEqualTo(alexSeqs.size());
  }

  @Test
  void aStuckParticipantHoldsItsBroadcastWindowPermitOnlyUntilTheDeadline() throws Exception {
    // One Broadcast in flight for everyone: Slow's blocked call holds the only permit.
    chat = new InProcessChat(ServerConfig.builder().port(0).rateLimit(0).maxInFlight(1)
        .failureTimeout(Duration.ofSeconds(60)).broadcastDeadline(Duration.ofMillis(300)).build());
    InProcessChat.Member alex = chat.joined("Alex");
    CountDownLatch resume = new CountDownLatch(1);
    InProcessChat.Member slow = chat.participant("Slow", InProcessChat.blockingUntil(resume));
    slow.node().join();

    for (int i = 0; i < 3; i++) {
      assertThat(alex.node().publish("message " + i).sent()).isTrue();
    }

    // Each of Slow's calls times out after 300 ms and gives the permit back; Alex gets everything.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(events(alex))
        .extracting(ChatEvent::getText).contains("message 0", "message 1", "message 2"));
    resume.countDown();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(events(slow))
        .extracting(ChatEvent::getText).contains("message 0", "message 1", "message 2"));
    assertThat(chat.server.participants()).containsExactly("Alex", "Slow");
  }

  @Test
  void participantsRejoinARestartedServerWhoseClockStartsFromWhatTheyBring() throws Exception {
    chat = new InProcessChat(ServerConfig.builder().port(0).rateLimit(0)
        .failureTimeout(Duration.ofMillis(500))
        .build());
    java.util.function.Consumer<ParticipantSettings.Builder> watch =
        settings -> settings.serverTimeout(Duration.ofMillis(600)).rejoin(true);
    InProcessChat.Member alex = chat.participant("Alex", null, watch);
    alex.node().join();
    InProcessChat.Member bob = chat.participant("Bob", null, watch);
    bob.node().join();
    assertThat(alex.node().publish("before the crash").sent()).isTrue();
    await().untilAsserted(() -> assertThat(events(bob)).extracting(ChatEvent::getText)
        .contains("before the crash"));

    String oldToken = raw(chat).join(JoinRequest.newBuilder().setName("Carol").setPort(4000)
        .setCallbackSecret(CallMetadata.newSecret()).build()).getSessionToken();
    InProcessChat.Recorder newLog = new InProcessChat.Recorder();
    long alexBefore = alex.node().clock().time();
    chat.restart(new LamportClock("server-2", newLog, MergeBound.SERVER));

    await().atMost(Duration.ofSeconds(20)).until(() -> alex.node().joined() && bob.node().joined()
        && chat.server.participants().size() == 2);
    assertThat(alex.screen()).anyMatch(line -> line.contains("Out of the chat"));
    await().untilAsserted(() -> assertThat(alex.screen())
        .anyMatch(line -> line.contains("Rejoined Chitty-Chat as Alex.")));
    assertThat(alex.screen()).noneMatch(line -> line.contains("Back in touch"));
    ClockEvent firstJoin = newLog.snapshot().stream()
        .filter(e -> "join".equals(e.details().action())).findFirst().orElseThrow();
    assertThat(firstJoin.lamport()).isGreaterThan(alexBefore);

    assertThat(alex.node().publish("after the restart").sent()).isTrue();
    await().untilAsserted(() -> assertThat(events(bob)).extracting(ChatEvent::getText)
        .contains("after the restart"));
    assertThat(alex.log().snapshot()).anyMatch(e -> "server-lost".equals(e.details().action()));
    StatusRuntimeException stale = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class,
        () -> raw(chat).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(oldToken)))
            .publish(PublishRequest.newBuilder().setMessageId("m").setText("old token").build()));
    assertThat(stale.getStatus().getDescription())
        .isEqualTo("Unknown session token: not a current participant (never joined, or already left).");
  }

  @Test
  void aParticipantThatLostTouchComesBackWhenTheServerStillCountsItIn() throws Exception {
    // The participant gives up on the server after 300 ms of silence; the server only probes idle
    // participants every second: as if the server had been paused for a moment.
    chat = new InProcessChat(ServerConfig.builder().port(0).rateLimit(0)
        .failureTimeout(Duration.ofSeconds(5))
        .build());
    InProcessChat.Member alex =
        chat.participant("Alex", null,
            settings -> settings.serverTimeout(Duration.ofMillis(300)).rejoin(true));
    alex.node().join();

    // Back either way: a probe arrives ("Back in touch"), or its automatic rejoin, with the same
    // name and callback secret, is the same Join again and gets its session back ("Rejoined").
    await().atMost(Duration.ofSeconds(10)).until(() ->
        alex.screen().stream().anyMatch(line -> line.contains("Out of the chat"))
            && alex.screen().stream().anyMatch(line -> line.contains("Back in touch")
                || line.contains("Rejoined Chitty-Chat as Alex.")));
    await().until(() -> alex.node().joined());
    assertThat(alex.node().publish("still here").sent()).isTrue();
    assertThat(chat.server.participants()).containsExactly("Alex");
    // One membership: the server announced Alex once.
    assertThat(chat.serverLog.snapshot()).filteredOn(e -> "join".equals(e.details().action()))
        .hasSize(1);
  }

  @Test
  void whileTheServerStopsItRefusesNewMessagesAndJoins() throws Exception {
    chat = new InProcessChat();
    InProcessChat.Member alex = chat.joined("Alex");
    CountDownLatch resume = new CountDownLatch(1);
    InProcessChat.Member slow = chat.participant("Slow", InProcessChat.blockingUntil(resume));
    slow.node().join();
    Thread stopping = new Thread(() -> {
      try {
        chat.server.stopAnnounced(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    stopping.start();
    await().until(() -> chat.serverLog.snapshot().stream()
        .anyMatch(e -> "stop".equals(e.details().action())));

    ParticipantNode.PublishResult late = alex.node().publish("too late");
    assertThat(late.refusal().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(late.refusal().getDescription()).isEqualTo("The chat server is shutting down.");
    StatusRuntimeException join = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class, () -> raw(chat).join(JoinRequest.newBuilder().setName("Late")
            .setPort(4000).setCallbackSecret(CallMetadata.newSecret()).build()));
    assertThat(join.getStatus().getDescription()).isEqualTo("The chat server is shutting down.");
    resume.countDown();
    stopping.join(30_000);
  }

  @Test
  void aServerThatStopsTellsEveryParticipantFirst() throws Exception {
    chat = new InProcessChat();
    InProcessChat.Member alex = chat.joined("Alex");
    InProcessChat.Member bob = chat.joined("Bob");

    chat.server.stopAnnounced(Duration.ofSeconds(5));

    for (InProcessChat.Member m : List.of(alex, bob)) {
      ChatEvent last = events(m).get(events(m).size() - 1);
      assertThat(last.getKind()).isEqualTo(ChatEvent.Kind.SERVER_STOPPING);
      assertThat(last.getText()).isEqualTo(
          "The Chitty-Chat server is shutting down at Lamport time " + last.getLamportTime());
      assertThat(m.node().joined()).isFalse();
      assertThat(m.screen()).anyMatch(line -> line.contains("Type /join to join again"));
    }
    ParticipantNode.PublishResult notSent = alex.node().publish("anyone?");
    assertThat(notSent.refusal().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }
}

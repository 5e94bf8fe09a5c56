package dev.chitchat.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.rpc.NettyTransport;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A participant given the replicas of a cluster joins through the first that answers, and when its
 * replica dies moves to the next by itself: same session, nothing missed, nothing twice, nothing
 * typed lost.
 */
class FailoverTest {

  private static final AtomicInteger PORTS = new AtomicInteger(20_000);

  private final List<String> shown = new CopyOnWriteArrayList<>();
  private final List<ClockEvent> log = new CopyOnWriteArrayList<>();
  private FakeReplicas chat;
  private ParticipantNode node;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.stop();
    }
    if (chat != null) {
      chat.close();
    }
  }

  /** A started participant Alex for the replicas' addresses; not joined. */
  private ParticipantNode alex(boolean rejoin) throws Exception {
    int port = PORTS.incrementAndGet();
    node = new ParticipantNode(
        ParticipantSettings.builder("Alex").declaredPort(port).servers(chat.addresses())
            .rpcDeadline(Duration.ofSeconds(2)).drainTimeout(Duration.ofMillis(1))
            .serverTimeout(Duration.ofSeconds(30)).rejoin(rejoin)
            .rejoinDelays(Duration.ofMillis(50), Duration.ofMillis(200)).build(),
        new LamportClock("Alex", log::add),
        InProcessChannelBuilder::forName,
        InProcessServerBuilder.forName("participant-Alex-" + port), shown::add);
    node.start();
    return node;
  }

  private List<Long> deliveredSequences() {
    return node.deliveries().delivered().stream().map(d -> d.event().getSequence()).toList();
  }

  private List<String> actions(String action) {
    return log.stream().filter(e -> action.equals(e.details().action()))
        .map(e -> e.details().text()).toList();
  }

  @Test
  void joinsThroughTheSecondAddressWhenTheFirstIsDown() throws Exception {
    chat = new FakeReplicas(3);
    chat.replica(2).start();
    chat.replica(3).start();
    alex(false);

    ChatEvent joined = node.join();

    assertThat(joined.getKind()).isEqualTo(ChatEvent.Kind.JOINED);
    assertThat(node.joined()).isTrue();
    assertThat(chat.received("s2", JoinRequest.class)).hasSize(1);
    assertThat(chat.received("s3", JoinRequest.class)).isEmpty();
    assertThat(node.replica()).isEqualTo("s2 (" + chat.replica(2).address + ")");
    await().until(() -> deliveredSequences().equals(List.of(1L)));
  }

  @Test
  void waitingForTheServerWaitsForAnyReplicaAndJoinsThatOneFirst() throws Exception {
    chat = new FakeReplicas(3);
    chat.replica(3).start();
    alex(false);

    assertThat(node.awaitServer(Duration.ofSeconds(10))).isTrue();
    assertThat(node.replica()).isEqualTo(chat.replica(3).address);
    node.join();

    assertThat(chat.received).extracting(FakeReplicas.Received::replica).containsExactly("s3");
  }

  @Test
  void whenItsReplicaDiesItResumesTheSameSessionOnTheNextAndMissesNothing() throws Exception {
    chat = new FakeReplicas(3);
    chat.replica(1).start();
    chat.replica(2).start();
    alex(false);
    node.join();
    assertThat(node.publish("one").sent()).isTrue();
    await().until(() -> deliveredSequences().equals(List.of(1L, 2L)));
    JoinRequest first = chat.received("s1", JoinRequest.class).get(0);

    chat.replica(1).kill();

    await().until(() -> shown.stream().anyMatch(line -> line.contains(
        "Server s1 lost: moved to s2 (" + chat.replica(2).address + "), nothing missed.")));
    JoinRequest resume = chat.received("s2", JoinRequest.class).get(0);
    assertThat(resume.getResumeSession()).isEqualTo("token-1");
    assertThat(resume.getDeliveredThrough()).isEqualTo(2);
    assertThat(resume.getName()).isEqualTo("Alex");
    assertThat(resume.getPort()).isEqualTo(first.getPort());
    assertThat(resume.getCallbackSecret()).isEqualTo(first.getCallbackSecret());
    assertThat(actions("failover")).first().asString()
        .startsWith("moved from s1 to " + chat.replica(2).address);
    assertThat(node.joined()).isTrue();

    assertThat(node.publish("two").sent()).isTrue();
    assertThat(chat.received("s2", PublishRequest.class)).extracting(PublishRequest::getText)
        .containsExactly("two");
    await().until(() -> deliveredSequences().equals(List.of(1L, 2L, 3L)));
    assertThat(actions("gap")).isEmpty();
  }

  @Test
  void overTcpAKilledReplicasDroppedConnectionIsNoticedAtOnce() throws Exception {
    try (NettyTransport tcp = NettyTransport.create(0, "failover-test-netty")) {
      chat = new FakeReplicas(2, tcp);
      chat.replica(1).start();
      chat.replica(2).start();
      int port = PORTS.incrementAndGet();
      node = new ParticipantNode(
          ParticipantSettings.builder("Alex").declaredPort(port).servers(chat.addresses())
              .serverTimeout(Duration.ofSeconds(60)).build(),
          new LamportClock("Alex", log::add), tcp::channelBuilder,
          InProcessServerBuilder.forName("participant-Alex-" + port), shown::add);
      node.start();
      node.join();

      chat.replica(1).kill();

      // Far sooner than the 60 s of silence: the connection's loss told it.
      await().atMost(Duration.ofSeconds(20)).until(() -> shown.stream()
          .anyMatch(line -> line.contains("Server s1 lost: moved to s2")));
      assertThat(node.publish("after").sent()).isTrue();
      await().until(() -> deliveredSequences().equals(List.of(1L, 2L)));
      node.stop();
      node = null;
      chat.close();
    }
  }

  @Test
  void aPublishInFlightWhenTheReplicaDiesIsSentAgainToTheNextUnderTheSameId() throws Exception {
    chat = new FakeReplicas(2);
    chat.replica(1).start();
    chat.replica(2).start();
    alex(false);
    node.join();
    chat.replica(1).dieOnPublish = true;

    ParticipantNode.PublishResult result = node.publish("hello");

    assertThat(result.sent()).as(String.valueOf(result.refusal())).isTrue();
    String id = chat.received("s1", PublishRequest.class).get(0).getMessageId();
    assertThat(chat.received("s2", PublishRequest.class)).extracting(PublishRequest::getMessageId)
        .containsExactly(id);
    // The resume came before the retry on s2.
    assertThat(chat.received.stream().filter(r -> r.replica().equals("s2")).map(r -> r.request()
        .getClass().getSimpleName()).toList()).startsWith("JoinRequest", "PublishRequest");
    assertThat(chat.events()).filteredOn(e -> e.getKind() == ChatEvent.Kind.MESSAGE).hasSize(1);
    assertThat(result.event().getSequence()).isEqualTo(2);
    await().until(() -> deliveredSequences().equals(List.of(1L, 2L)));
  }

  @Test
  void aRefusedResumeIsToldInOneLineAndWithRejoinAFreshJoinFollows() throws Exception {
    chat = new FakeReplicas(2);
    chat.replica(1).start();
    chat.replica(2).start();
    alex(true);
    node.join();
    await().until(() -> deliveredSequences().equals(List.of(1L)));
    chat.refuseResume = Status.FAILED_PRECONDITION.withDescription("Events after #1 are gone.");

    chat.replica(1).kill();

    await().until(() -> chat.received("s2", JoinRequest.class).stream()
        .anyMatch(j -> j.getResumeSession().isEmpty()));
    await().until(node::joined);
    assertThat(shown).anyMatch(line -> line.matches("\\[L=\\d+] Out of the chat: Server s1 lost, and"
        + " the chat no longer holds the messages since you last heard from it\\. Rejoining\\.\\.\\."));
    assertThat(shown).noneMatch(line -> line.contains("FAILED_PRECONDITION"));
    assertThat(chat.received("s2", JoinRequest.class)).extracting(JoinRequest::getResumeSession)
        .containsExactly("token-1", "");
    await().until(() -> deliveredSequences().equals(List.of(1L, 2L)));
  }

  @Test
  void anUnknownSessionWithoutRejoinLeavesTheParticipantOutWithAHint() throws Exception {
    chat = new FakeReplicas(2);
    chat.replica(1).start();
    chat.replica(2).start();
    alex(false);
    node.join();
    chat.refuseResume = Status.UNAUTHENTICATED.withDescription(
        "You were removed from Chitty-Chat (too slow). Join again.");

    chat.replica(1).kill();

    await().until(node::canJoin);
    assertThat(shown).anyMatch(line -> line.endsWith("Out of the chat: Server s1 lost, and you were"
        + " removed from Chitty-Chat (too slow). Type /join to join again, or /quit."));
  }

  @Test
  void eventsTheNewReplicaReplaysThatWereDeliveredAreSkippedAndNoneIsDeliveredTwice()
      throws Exception {
    chat = new FakeReplicas(3);
    chat.replica(1).start();
    chat.replica(3).start();
    chat.replica(3).replayAll = true;
    alex(false);
    node.join();
    node.publish("one");
    node.publish("two");
    await().until(() -> deliveredSequences().equals(List.of(1L, 2L, 3L)));

    chat.replica(1).kill();

    // s2 is down too: the participant goes on to s3, which replays the chat from #1.
    await().until(() -> shown.stream().anyMatch(line -> line.contains("moved to s3")));
    assertThat(chat.received("s3", JoinRequest.class).get(0).getDeliveredThrough()).isEqualTo(3);
    assertThat(node.publish("three").sent()).isTrue();
    await().until(() -> deliveredSequences().size() == 4);
    assertThat(deliveredSequences()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(actions("failover")).hasSize(2);
    assertThat(actions("gap")).isEmpty();
  }
}

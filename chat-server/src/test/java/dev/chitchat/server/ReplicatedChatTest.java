package dev.chitchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.clock.MergeBound;
import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.BroadcastResponse;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.ParticipantGrpc;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.rpc.CallAuthenticator;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.ClockClientInterceptor;
import dev.chitchat.rpc.GrpcClocks;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas of one chat on Apache Ratis (real Raft over loopback), their participants in-process:
 * order, failover of a participant to another replica, a lost replica, restarts from the data
 * directory.
 */
class ReplicatedChatTest {

  private static final AtomicInteger NEXT = new AtomicInteger();
  private final String prefix = "cluster-" + NEXT.incrementAndGet();
  private final Map<String, ChatServer> replicas = new LinkedHashMap<>();
  private final Map<String, InProcessChat.Recorder> replicaLogs = new LinkedHashMap<>();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private Map<String, String> peers;
  /** Members of a lost replica are removed after three of these unless they move. */
  private Duration failureTimeout = Duration.ofSeconds(5);
  private long snapshotEvery = ServerConfig.Replication.SNAPSHOT_EVERY;

  @TempDir Path data;

  /** A participant's Broadcast service that delivers like a real one: in order, each seq once. */
  final class Participant extends ParticipantGrpc.ParticipantImplBase {
    final String name;
    final int port = 41000 + NEXT.incrementAndGet();
    final LamportClock clock;
    final List<ChatEvent> delivered = new CopyOnWriteArrayList<>();
    final String secret = CallMetadata.newSecret();
    volatile String session;

    Participant(String name) throws Exception {
      this.name = name;
      this.clock = new LamportClock(name, new InProcessChat.Recorder());
      GrpcClocks clocks = GrpcClocks.create(clock, CallAuthenticator.ANYONE);
      Server server = clocks.configureServerBuilder(
              InProcessServerBuilder.forName(prefix + "-participant-" + port).directExecutor())
          .addService(clocks.guard(this)).build().start();
      closing.add(() -> server.shutdownNow());
    }

    @Override
    public synchronized void broadcast(BroadcastRequest request,
        StreamObserver<BroadcastResponse> responses) {
      for (ChatEvent event : request.getEventsList()) {
        if (event.getSequence() > last()) {
          delivered.add(event);
        }
      }
      responses.onNext(BroadcastResponse.newBuilder().setDeliveredThrough(last()).build());
      responses.onCompleted();
    }

    synchronized long last() {
      return delivered.isEmpty() ? 0 : delivered.get(delivered.size() - 1).getSequence();
    }

    ChatServerGrpc.ChatServerBlockingStub stub(String replica) {
      ManagedChannel channel = InProcessChannelBuilder.forName(prefix + "-" + replica)
          .intercept(new ClockClientInterceptor(clock, replica)).build();
      closing.add(channel::shutdownNow);
      ChatServerGrpc.ChatServerBlockingStub stub = ChatServerGrpc.newBlockingStub(channel)
          .withDeadline(null);
      return session == null ? stub
          : stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(
              CallMetadata.bearer(session)));
    }

    JoinResponse join(String replica) {
      JoinResponse response = stub(replica).join(JoinRequest.newBuilder().setName(name)
          .setPort(port).setCallbackSecret(secret).build());
      session = response.getSessionToken();
      return response;
    }

    JoinResponse resume(String replica) {
      return stub(replica).join(JoinRequest.newBuilder().setName(name).setPort(port)
          .setCallbackSecret(secret).setResumeSession(session).setDeliveredThrough(last()).build());
    }

    ChatEvent publish(String replica, String id, String text) {
      return stub(replica).publish(PublishRequest.newBuilder().setMessageId(id).setText(text)
          .build()).getEvent();
    }

    List<Long> sequences() {
      return delivered.stream().map(ChatEvent::getSequence).toList();
    }
  }

  private ServerConfig config(String id) {
    return ServerConfig.builder().port(0).processName(id).rateLimit(0)
        .failureTimeout(failureTimeout)
        .replication(new ServerConfig.Replication(id, peers, data.resolve(id), Duration.ofSeconds(10),
            snapshotEvery))
        .build();
  }

  private ChatServer start(String id, String process) throws Exception {
    InProcessChat.Recorder log = new InProcessChat.Recorder();
    replicaLogs.put(process, log);
    ChatServer server = new ChatServer(config(id),
        new LamportClock(process, log, MergeBound.SERVER),
        InProcessServerBuilder.forName(prefix + "-" + id),
        executor -> (from, port) -> InProcessChannelBuilder.forName(prefix + "-participant-" + port)
            .executor(executor).build()).start();
    replicas.put(id, server);
    return server;
  }

  private void cluster(String... ids) throws Exception {
    peers = new LinkedHashMap<>();
    int[] ports = dev.chitchat.rpc.FreePorts.onLoopback(ids.length);
    for (int i = 0; i < ids.length; i++) {
      peers.put(ids[i], "127.0.0.1:" + ports[i]);
    }
    for (String id : ids) {
      start(id, id);
    }
  }

  /** The replica that logged the newest {@code leader} action (highest term). */
  private String leader() {
    String leader = null;
    long best = -1;
    for (InProcessChat.Recorder log : replicaLogs.values()) {
      for (ClockEvent e : log.snapshot()) {
        if ("leader".equals(e.details().action())) {
          String[] words = e.details().text().split(" ");
          long term = Long.parseLong(words[words.length - 1]);
          if (term > best) {
            best = term;
            leader = words[0];
          }
        }
      }
    }
    return leader;
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    for (ChatServer server : replicas.values()) {
      server.stop();
    }
  }

  @Test
  void everyReplicaOrdersTheSameEventsAndEachDeliversToItsOwnParticipants() throws Exception {
    cluster("s1", "s2", "s3");
    Participant ann = new Participant("Ann");
    Participant bob = new Participant("Bob");
    JoinResponse annJoined = ann.join("s1");
    assertThat(annJoined.getReplica()).isEqualTo("s1");
    JoinResponse bobJoined = bob.join("s2");
    assertThat(bobJoined.getServerId()).isEqualTo(annJoined.getServerId()).isNotEmpty();
    ann.publish("s1", "a1", "hello from Ann");
    bob.publish("s3", "b1", "hello from Bob"); // through a replica Bob is not attached to

    await().atMost(Duration.ofSeconds(20)).until(() -> ann.delivered.size() == 4
        && bob.delivered.size() == 3);
    assertThat(ann.sequences()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(bob.delivered).isEqualTo(ann.delivered.subList(1, 4));
    await().atMost(Duration.ofSeconds(20)).until(() ->
        replicas.values().stream().allMatch(r -> r.lastSequence() == 4));
  }

  @Test
  void aParticipantMovesToAnotherReplicaAndMissesNothingNorGetsAnythingTwice() throws Exception {
    cluster("s1", "s2", "s3");
    Participant ann = new Participant("Ann");
    Participant bob = new Participant("Bob");
    ann.join("s1");
    bob.join("s2");
    ChatEvent first = bob.publish("s2", "b1", "one");
    await().atMost(Duration.ofSeconds(20)).until(() -> ann.last() == 3);

    replicas.remove("s1").stop(); // Ann's replica is gone
    bob.publish("s2", "b2", "two, while Ann is away");
    bob.publish("s2", "b3", "three, while Ann is away");
    JoinResponse resumed = ann.resume("s3");

    assertThat(resumed.getReplica()).isEqualTo("s3");
    assertThat(resumed.getSessionToken()).isEqualTo(ann.session);
    await().atMost(Duration.ofSeconds(20)).until(() -> ann.last() == 5);
    assertThat(ann.sequences()).containsExactly(1L, 2L, 3L, 4L, 5L);
    // A publish retried through another replica with the same message id is not broadcast again.
    assertThat(bob.publish("s3", "b1", "one")).isEqualTo(first);
    ann.publish("s3", "a1", "back");
    await().atMost(Duration.ofSeconds(20)).until(() -> bob.last() == 6);
    assertThat(bob.sequences()).containsExactly(2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void theChatGoesOnWhenTheLeaderStopsAndTheRestartedReplicaCatchesUp() throws Exception {
    cluster("s1", "s2", "s3");
    await().atMost(Duration.ofSeconds(20)).until(() -> leader() != null);
    String leader = leader();
    String other = peers.keySet().stream().filter(id -> !id.equals(leader)).findFirst().get();
    Participant ann = new Participant("Ann");
    ann.join(other);
    ann.publish(other, "a1", "before");
    replicas.remove(leader).stop();

    ann.publish(other, "a2", "after the leader stopped");
    await().atMost(Duration.ofSeconds(20)).until(() -> ann.last() == 3);
    ChatServer restarted = start(leader, leader + "-2");
    await().atMost(Duration.ofSeconds(30)).until(() -> restarted.lastSequence() == 3);
    assertThat(restarted.participants()).containsExactly("Ann");
  }

  @Test
  void aRestartedReplicaLoadsItsSnapshotAndAppliesWhatCameAfter() throws Exception {
    snapshotEvery = 4;
    cluster("s1", "s2", "s3");
    await().atMost(Duration.ofSeconds(20)).until(() -> leader() != null);
    String leader = leader();
    List<String> others = peers.keySet().stream().filter(id -> !id.equals(leader)).toList();
    Participant ann = new Participant("Ann");
    ann.join(others.get(0));
    for (int i = 1; i <= 12; i++) {
      ann.publish(others.get(0), "m" + i, "message " + i);
    }
    String restarting = others.get(1);
    await().atMost(Duration.ofSeconds(20)).until(() -> replicas.get(restarting).lastSequence() == 13);
    replicas.remove(restarting).stop();
    try (var files = java.nio.file.Files.walk(data.resolve(restarting))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("snapshots in the stopped replica's data directory")
          .anyMatch(name -> name.startsWith("snapshot.") && !name.endsWith(".md5"));
    }
    ann.publish(others.get(0), "m13", "while it is down");

    ChatServer restarted = start(restarting, restarting + "-2");
    await().atMost(Duration.ofSeconds(30)).until(() -> restarted.lastSequence() == 14);
    assertThat(restarted.participants()).containsExactly("Ann");
    // The restored message ids: a retry through the restarted replica is not broadcast again.
    assertThat(ann.publish(restarting, "m1", "message 1").getSequence()).isEqualTo(2);
  }

  @Test
  void membersOfALostReplicaThatDoNotMoveAreRemovedOnceByTheCluster() throws Exception {
    failureTimeout = Duration.ofMillis(400);
    cluster("s1", "s2", "s3");
    await().atMost(Duration.ofSeconds(20)).until(() -> leader() != null);
    String leader = leader();
    List<String> others = peers.keySet().stream().filter(id -> !id.equals(leader)).toList();
    Participant ann = new Participant("Ann");
    Participant bob = new Participant("Bob");
    ann.join(others.get(0));
    bob.join(others.get(1));
    replicas.remove(others.get(0)).stop();

    await().atMost(Duration.ofSeconds(30)).until(() -> bob.delivered.stream()
        .anyMatch(e -> e.getKind() == ChatEvent.Kind.LEFT));
    List<ChatEvent> left = bob.delivered.stream()
        .filter(e -> e.getKind() == ChatEvent.Kind.LEFT).toList();
    assertThat(left).singleElement().satisfies(e -> {
      assertThat(e.getParticipant()).isEqualTo("Ann");
      assertThat(e.getReason()).isEqualTo("connection lost");
    });
    assertThatThrownBy(() -> ann.resume(others.get(1)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.getStatus().getDescription()).contains("connection lost");
        });
  }

  @Test
  void aForgedTimestampWithoutASessionMovesNoReplicasClockAndTokensWorkOnEveryReplica()
      throws Exception {
    cluster("s1", "s2", "s3");
    Participant ann = new Participant("Ann");
    ann.join("s1");
    Participant mallory = new Participant("Mallory");
    mallory.clock.receive(1L << 50, dev.chitchat.clock.EventDetails.action("forge", "jump"));

    for (String replica : List.of("s1", "s2", "s3")) {
      assertThatThrownBy(() -> mallory.publish(replica, "x", "forged"))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      // Ann's token, issued by s1, works on every replica.
      ann.publish(replica, "a-" + replica, "through " + replica);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> ann.last() == 4);
    assertThat(replicas.values()).allSatisfy(r -> assertThat(r.clock().time()).isLessThan(1_000_000));
  }

  @Test
  void aSingleServerWithADataDirectoryContinuesItsChatAfterARestart() throws Exception {
    cluster("server");
    Participant ann = new Participant("Ann");
    JoinResponse joined = ann.join("server");
    ann.publish("server", "a1", "before the restart");
    await().atMost(Duration.ofSeconds(20)).until(() -> ann.last() == 2);
    replicas.remove("server").stop();

    ChatServer again = start("server", "server-2");
    JoinResponse resumed = ann.resume("server");
    assertThat(resumed.getServerId()).isEqualTo(joined.getServerId());
    ann.publish("server", "a2", "after it");
    await().atMost(Duration.ofSeconds(20)).until(() -> ann.last() == 3);
    assertThat(ann.sequences()).containsExactly(1L, 2L, 3L);
    assertThat(again.lastSequence()).isEqualTo(3);
  }
}

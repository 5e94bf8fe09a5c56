package dev.chitchat.server;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.EventKind;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.clock.Leg;
import dev.chitchat.proto.replication.Command;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;

/**
 * The order of a replicated chat: the order in which an Apache Ratis group commits (Raft: Ongaro and
 * Ousterhout 2014). This replica embeds a Ratis server (its own Raft port and data directory) and
 * proposes commands through a Ratis client, which finds the leader; {@link ChatStateMachine}
 * applies committed commands. A call is answered once its command is committed on a majority and
 * applied on this replica.
 *
 * <p>Proposing is a send of this replica's Lamport clock ({@code rpc: Replicate}, the entry id as
 * call id, {@code peer: replicas}); its timestamp is the chat event's Lamport time.
 *
 * <p>Raft traffic is served on its own port and refused (gRPC {@code PERMISSION_DENIED}) from any
 * address that is not a peer's.
 *
 * <p>Lifecycle: {@link #start}, {@link #close}. Thread-safe.
 */
final class RaftOrdering implements Ordering, AutoCloseable {

  private static final Logger LOG = LogManager.getLogger(RaftOrdering.class);

  /** The most entries this replica has sent to Ratis and not yet seen committed. */
  static final int MAX_IN_FLIGHT = 64;

  /** The most entries waiting for their turn; beyond, calls are refused RESOURCE_EXHAUSTED. */
  static final int MAX_BACKLOG = 10_000;

  private final ChatRoom room;
  private final LamportClock clock;
  private final ServerConfig.Replication replication;
  private final ScheduledExecutorService scheduler;
  private final ChatStateMachine machine;
  private final RaftGroup group;
  private final RaftServer server;
  private final RaftClient client;
  private final RaftPeerId self;
  private final long moveGraceMillis;
  /** Entries sent to Ratis and not yet committed: below Ratis's own limit of 100. */
  private final java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(MAX_IN_FLIGHT);
  private final java.util.Queue<Proposal> backlog = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicInteger backlogSize =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * @param moveGrace how long members of a replica that stopped answering may take to move to
   *     another replica before they are removed ("connection lost")
   * @throws IOException if the data directory cannot be used
   */
  RaftOrdering(ChatRoom room, LamportClock clock, ServerConfig.Replication replication,
      ScheduledExecutorService scheduler, java.time.Duration moveGrace) throws IOException {
    this.moveGraceMillis = moveGrace.toMillis();
    this.room = room;
    this.clock = clock;
    this.replication = replication;
    this.scheduler = scheduler;
    this.machine = new ChatStateMachine(room, clock);
    this.self = RaftPeerId.valueOf(replication.id());
    // Ratis ends the JVM (System.exit) when its gRPC server cannot start; a failed start must be
    // an exception we can report in one line instead.
    org.apache.ratis.util.ExitUtils.disableSystemExit();
    List<RaftPeer> peers = new ArrayList<>();
    replication.peers().forEach((id, address) ->
        peers.add(RaftPeer.newBuilder().setId(id).setAddress(address).build()));
    // One group per set of peers: the same --peers on every replica gives the same group id.
    this.group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.nameUUIDFromBytes(
        ("chitchat:" + String.join(",", new java.util.TreeSet<>(replication.peers().keySet())))
            .getBytes(StandardCharsets.UTF_8))), peers);

    RaftProperties properties = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(properties, List.of(replication.dataDir().toFile()));
    GrpcConfigKeys.Server.setPort(properties, port(replication.peers().get(replication.id())));
    // Elections: a 2-core machine that pauses for milliseconds must not depose a healthy leader.
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(2000, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, replication.snapshotEvery());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
    // The log is purged up to the last snapshot only as far as every replica has committed: a
    // replica that comes back catches up from the log. (Purging further forces Ratis to install
    // the leader's snapshot on it; with Ratis 3.2.0 that install wrote an empty snapshot file here.)
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, false);
    RaftServerConfigKeys.Log.setPurgeGap(properties,
        (int) Math.min(RaftServerConfigKeys.Log.PURGE_GAP_DEFAULT, replication.snapshotEvery()));

    Parameters parameters = new Parameters();
    Set<InetAddress> peerAddresses = peerAddresses(replication.peers());
    GrpcConfigKeys.Server.setServicesCustomizer(parameters,
        (builder, types) -> builder.intercept(new RaftPeersOnly(peerAddresses)));
    this.server = RaftServer.newBuilder()
        .setServerId(self)
        .setGroup(group)
        .setProperties(properties)
        .setParameters(parameters)
        .setStateMachine(machine)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    RaftProperties clientProperties = new RaftProperties();
    this.client = RaftClient.newBuilder()
        .setProperties(clientProperties)
        .setRaftGroup(group)
        .setClientRpc(new GrpcFactory(new Parameters())
            .newRaftClientRpc(ClientId.randomId(), clientProperties))
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            Integer.MAX_VALUE, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build();
  }

  /**
   * Starts the Raft server; it joins its group and catches up from its data directory.
   *
   * @throws IOException if the Raft port is in use or the data directory unusable
   */
  void start() throws IOException {
    int port = port(replication.peers().get(replication.id()));
    try (java.net.ServerSocket probe = new java.net.ServerSocket(port)) {
      probe.setReuseAddress(true);
    } catch (IOException e) {
      throw new IOException("Raft port " + port + " is in use (another replica or program?)", e);
    }
    server.start();
    long period = Math.max(50, moveGraceMillis / 10);
    scheduler.scheduleWithFixedDelay(this::checkReplicas, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public CompletableFuture<ChatState.Applied> submit(Command.Builder command, CallInfo call,
      String text) {
    command.setProposer(clock.process()).setReplica(replication.id());
    long at = clock.tick(l -> new EventDetails(EventKind.SEND, "Replicate", Leg.REQUEST,
        command.getEntryId(), "replicas", action(command), null, null, text));
    command.setLamportTime(at);
    Command entry = command.build();
    CompletableFuture<ChatState.Applied> applied = machine.awaitApplied(entry.getEntryId());
    if (backlogSize.incrementAndGet() > MAX_BACKLOG) {
      backlogSize.decrementAndGet();
      machine.forget(entry.getEntryId());
      return CompletableFuture.failedFuture(Status.RESOURCE_EXHAUSTED.withDescription(
          "This replica has " + MAX_BACKLOG + " requests waiting to be committed. Try again shortly.")
          .asException());
    }
    backlog.add(new Proposal(entry, applied));
    pump();
    long timeout = replication.commitTimeout().toMillis();
    return applied.orTimeout(timeout, TimeUnit.MILLISECONDS).exceptionallyCompose(error -> {
      machine.forget(entry.getEntryId());
      Throwable cause = error instanceof java.util.concurrent.CompletionException
          && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof java.util.concurrent.TimeoutException) {
        return CompletableFuture.failedFuture(Status.UNAVAILABLE.withDescription(
            "The chat cluster did not commit this request within " + timeout
                + " ms (no leader, or no majority of replicas reachable). Try another replica.")
            .asException());
      }
      return CompletableFuture.failedFuture(cause);
    });
  }

  /** An entry waiting for its turn to go to Ratis, and the caller's future. */
  private record Proposal(Command entry, CompletableFuture<ChatState.Applied> applied) {}

  /**
   * Hands waiting entries to Ratis while fewer than {@link #MAX_IN_FLIGHT} are uncommitted. Ratis's
   * async client blocks the calling thread once its own limit (100) is reached, and the caller is a
   * gRPC transport thread that also carries Broadcasts: so the entries wait here instead, and no
   * thread ever blocks.
   */
  private void pump() {
    while (!backlog.isEmpty() && inFlight.tryAcquire()) {
      Proposal next = backlog.poll();
      if (next == null) {
        inFlight.release();
        return;
      }
      backlogSize.decrementAndGet();
      send(next);
    }
  }

  private void send(Proposal proposal) {
    Command entry = proposal.entry();
    client.async().send(Message.valueOf(
        org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(entry.toByteArray())))
        .whenComplete((reply, error) -> {
          inFlight.release();
          if (error != null || !reply.isSuccess()) {
            String why = error != null ? error.getMessage() : String.valueOf(reply.getException());
            LOG.debug("Entry {} not committed: {}", entry.getEntryId(), why);
            machine.forget(entry.getEntryId());
            proposal.applied().completeExceptionally(Status.UNAVAILABLE
                .withDescription("The chat cluster could not commit this request. Try another replica.")
                .asException());
          }
          pump();
        });
  }

  private static String action(Command.Builder command) {
    return switch (command.getActionCase()) {
      case JOIN -> "join";
      case PUBLISH -> "publish";
      case LEAVE -> "leave";
      case REMOVE -> "remove";
      case ATTACH -> "attach";
      case STOP -> "stop";
      case ACTION_NOT_SET -> "none";
    };
  }

  @Override
  public boolean endsChatOnStop() {
    return false;
  }

  /**
   * As leader, orders the removal of the members attached to replicas it has not heard from for
   * longer than the failure timeout; on every replica, of members attached here that have no link
   * (they were attached before a restart and did not move on).
   */
  private void checkReplicas() {
    try {
      room.removeOrphans();
      RoleInfoProto role = server.getDivision(group.getGroupId()).getInfo().getRoleInfoProto();
      if (!role.hasLeaderInfo()) {
        return;
      }
      for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
        if (follower.getLastRpcElapsedTimeMs() > moveGraceMillis) {
          room.removeMembersOf(follower.getId().getId().toStringUtf8());
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("Replica check failed: {}", e.getMessage());
    }
  }

  /** Stops the Raft server and client. */
  @Override
  public void close() {
    try {
      client.close();
    } catch (IOException e) {
      LOG.debug("Closing the Raft client: {}", e.getMessage());
    }
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("Closing the Raft server: {}", e.getMessage());
    }
  }

  private static int port(String address) {
    int colon = address.lastIndexOf(':');
    return Integer.parseInt(address.substring(colon + 1));
  }

  private static Set<InetAddress> peerAddresses(Map<String, String> peers) {
    Set<InetAddress> addresses = new HashSet<>();
    for (String address : peers.values()) {
      String host = address.substring(0, address.lastIndexOf(':'));
      try {
        for (InetAddress ip : InetAddress.getAllByName(host)) {
          addresses.add(ip);
        }
      } catch (UnknownHostException e) {
        LOG.warn("Peer host {} does not resolve (yet): its Raft calls are refused", host);
      }
    }
    return addresses;
  }
}

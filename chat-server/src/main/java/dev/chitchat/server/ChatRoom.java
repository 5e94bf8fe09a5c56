package dev.chitchat.server;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.replication.AttachCommand;
import dev.chitchat.proto.replication.ChatSnapshot;
import dev.chitchat.proto.replication.Command;
import dev.chitchat.proto.replication.JoinCommand;
import dev.chitchat.proto.replication.LeaveCommand;
import dev.chitchat.proto.replication.PublishCommand;
import dev.chitchat.proto.replication.RemoveCommand;
import dev.chitchat.proto.replication.StopCommand;
import dev.chitchat.rules.ChatRules;
import io.github.bucket4j.Bucket;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * One process's part of the chat: checks each attempted action, hands the accepted ones to the
 * {@link Ordering} (this process alone, or Raft), and delivers every applied event to the
 * participants attached to this process, through one {@link ParticipantLink} each (one slow
 * participant delays nobody). The chat's state itself is a {@link ChatState}, changed only by
 * applying ordered commands.
 *
 * <p>Every attempted action ticks the process's Lamport clock: a refusal here ticks once ({@code
 * refuse}); an accepted action ticks when it is ordered and once more per process that applies it
 * (see {@link Ordering}).
 *
 * <p>The process removes a participant attached to it that stops answering ("connection lost") or
 * whose queue overflows ("too slow"), by ordering a removal, announced like a leave with the reason.
 *
 * <p>Thread-safe. Applying a command and queueing its event happen under one lock, so every link's
 * queue holds the events in sequence order; the Broadcast calls start after the lock is released.
 */
final class ChatRoom {

  private static final org.apache.logging.log4j.Logger LOG =
      org.apache.logging.log4j.LogManager.getLogger(ChatRoom.class);

  /** Why a participant whose queue overflowed was removed. */
  static final String TOO_SLOW = "too slow";

  /** A dialled participant whose Join or move is being ordered. */
  private record Pending(ManagedChannel channel, String secret, String process) {}

  private final LamportClock clock;
  private final Function<String, ClientInterceptor> clockInterceptors;
  private final ParticipantDialer dialer;
  private final ScheduledExecutorService scheduler;
  private final ServerConfig config;
  private final BroadcastWindow window;
  private final IntSupplier ownPort;
  private final ChatState state = new ChatState();
  private final long startedNanos = System.nanoTime();
  private Ordering ordering;

  /** Links of the members attached to this process, by session token. */
  private final Map<String, ParticipantLink> links = new LinkedHashMap<>();
  /** Dialled participants waiting for their Join or attach to be applied, by entry id. */
  private final Map<String, Pending> pending = new HashMap<>();
  /** Removals this process ordered, by session and attachment, so each is ordered once. */
  private final Set<String> removalsOrdered = new HashSet<>();
  private final Map<String, Bucket> rates = new ConcurrentHashMap<>();
  private boolean stopping;

  ChatRoom(
      LamportClock clock,
      Function<String, ClientInterceptor> clockInterceptors,
      ParticipantDialer dialer,
      ScheduledExecutorService scheduler,
      ServerConfig config,
      IntSupplier ownPort) {
    this.ownPort = ownPort;
    this.clockInterceptors = clockInterceptors;
    this.clock = clock;
    this.dialer = dialer;
    this.scheduler = scheduler;
    this.config = config;
    this.window = new BroadcastWindow(config.maxInFlight());
  }

  /**
   * How long a member whose replica was lost may take to move to another before it is removed:
   * three failure timeouts, as its participant needs one server timeout to notice and then tries
   * the other replicas in turn.
   */
  Duration moveGrace() {
    return config.failureTimeout().multipliedBy(3);
  }

  /** Sets the ordering; called once, before the first call. */
  void orderWith(Ordering ordering) {
    this.ordering = ordering;
  }

  /** The chat's id, carried by every Broadcast; empty before the first event. */
  synchronized String serverId() {
    return state.chatId();
  }

  /** This process's name in the logs (a restarted replica s2 is s2-2, ...). */
  String process() {
    return clock.process();
  }

  /** This replica's id: members attached here carry it; the process name without replication. */
  String replicaId() {
    return config.replication() != null ? config.replication().id() : clock.process();
  }

  /**
   * Adds a participant and announces it to everyone, itself included; or, with {@code resume}, moves
   * a current member's delivery to this process and replays what it missed.
   *
   * @return the JOINED event and the session token, or a refusal: {@code INVALID_ARGUMENT} for a bad
   *     name, port or secret, or the server's own port declared from its own host, {@code
   *     ALREADY_EXISTS} for a name in use, {@code UNAUTHENTICATED} or {@code FAILED_PRECONDITION}
   *     for a resume that cannot be served, {@code UNAVAILABLE} when the order cannot be reached
   */
  CompletableFuture<Outcome> join(String name, long port, String secret, String resume,
      long deliveredThrough, CallInfo call) {
    Optional<String> invalid =
        ChatRules.checkName(name)
            .or(() -> ChatRules.checkPort(port))
            .or(() -> ChatRules.checkSecret(secret));
    if (invalid.isPresent()) {
      return refuse(call, Status.INVALID_ARGUMENT, invalid.get());
    }
    ManagedChannel channel;
    synchronized (this) {
      if (stopping) {
        return refuse(call, Status.UNAVAILABLE, "The chat server is shutting down.");
      }
      if (resume.isEmpty() && state.byName(name).isPresent()
          && !state.byName(name).get().clientKey.equals(clientKey(secret))) {
        return refuse(
            call, Status.ALREADY_EXISTS, "Name " + name + " is already taken. Choose another name.");
      }
      if (port == ownPort.getAsInt() && isLocal(call.remoteAddress())) {
        return refuse(call, Status.INVALID_ARGUMENT, "Port " + port
            + " is the chat server's own port. Declare the port your participant listens on.");
      }
      if (resume.isEmpty() && state.members().size() >= config.maxParticipants()) {
        return refuse(call, Status.RESOURCE_EXHAUSTED,
            "Chitty-Chat is full (" + config.maxParticipants() + " participants). Try again later.");
      }
      try {
        channel = dialer.dial(call.remoteAddress(), (int) port);
      } catch (IllegalArgumentException e) {
        return refuse(call, Status.INVALID_ARGUMENT, e.getMessage());
      }
    }
    Command.Builder command = Command.newBuilder().setEntryId(dev.chitchat.rpc.CallMetadata.newCallId());
    String text;
    if (resume.isEmpty()) {
      command.setJoin(JoinCommand.newBuilder().setName(name).setProcess(call.peer())
          .setSession(dev.chitchat.rpc.CallMetadata.newSecret())
          .setMaxParticipants(config.maxParticipants()).setClientKey(clientKey(secret)));
      text = name + " joins";
    } else {
      command.setAttach(AttachCommand.newBuilder().setSession(resume).setName(name)
          .setDeliveredThrough(deliveredThrough));
      text = name + " moves here after event " + deliveredThrough;
    }
    synchronized (this) {
      pending.put(command.getEntryId(), new Pending(channel, secret, call.peer()));
    }
    return ordering.submit(command, call, text).handle((applied, error) -> {
      Pending dialled;
      synchronized (this) {
        dialled = pending.remove(command.getEntryId());
      }
      if (error != null || applied.isRefused()) {
        if (dialled != null) {
          dialled.channel().shutdownNow();
        }
        return error != null ? unavailable(error) : Outcome.refused(applied.refusal());
      }
      ChatEvent joined = applied.event() != null ? applied.event() : applied.member().joined;
      return Outcome.joined(joined, applied.session());
    });
  }

  /**
   * Publishes a message to everyone, the publisher included. A repeated message id (through any
   * replica) returns the event of its first publication and broadcasts nothing.
   *
   * @return the MESSAGE event, or a refusal: {@code UNAUTHENTICATED} for a missing or unknown
   *     session, {@code INVALID_ARGUMENT} for a bad message or message id, {@code
   *     RESOURCE_EXHAUSTED} over the rate limit, {@code UNAVAILABLE} when the order cannot be reached
   */
  CompletableFuture<Outcome> publish(String messageId, String text, CallInfo call) {
    synchronized (this) {
      if (state.bySession(call.bearer()).isEmpty()) {
        return refuse(call, Status.UNAUTHENTICATED, state.unauthenticated(call.bearer()));
      }
      if (stopping) {
        return refuse(call, Status.UNAVAILABLE, "The chat server is shutting down.");
      }
    }
    if (config.rateLimit() > 0 && !rate(call.bearer()).tryConsume(1)) {
      return refuse(call, Status.RESOURCE_EXHAUSTED,
          "Too many messages: the limit is " + config.rateLimit()
              + " per second. Wait a moment and send again.");
    }
    Optional<String> invalid =
        ChatRules.checkMessageId(messageId).or(() -> ChatRules.checkMessage(text));
    if (invalid.isPresent()) {
      return refuse(call, Status.INVALID_ARGUMENT, invalid.get());
    }
    Command.Builder command = Command.newBuilder()
        .setEntryId(dev.chitchat.rpc.CallMetadata.newCallId())
        .setPublish(PublishCommand.newBuilder().setSession(call.bearer())
            .setMessageId(messageId).setText(text));
    return ordering.submit(command, call, text).handle(ChatRoom::outcome);
  }

  /**
   * Removes the caller and announces it to the remaining participants. The leaver still receives
   * the events created before it left; then its link closes.
   *
   * @return the LEFT event, or a refusal: {@code UNAUTHENTICATED} for a missing or unknown session
   */
  CompletableFuture<Outcome> leave(CallInfo call) {
    synchronized (this) {
      if (state.bySession(call.bearer()).isEmpty()) {
        return refuse(call, Status.UNAUTHENTICATED, state.unauthenticated(call.bearer()));
      }
    }
    Command.Builder command = Command.newBuilder()
        .setEntryId(dev.chitchat.rpc.CallMetadata.newCallId())
        .setLeave(LeaveCommand.newBuilder().setSession(call.bearer()));
    return ordering.submit(command, call, "leave").handle(ChatRoom::outcome);
  }

  private static Outcome outcome(ChatState.Applied applied, Throwable error) {
    if (error != null) {
      return unavailable(error);
    }
    return applied.isRefused() ? Outcome.refused(applied.refusal()) : Outcome.of(applied.event());
  }

  private static Outcome unavailable(Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    Status status = Status.fromThrowable(cause);
    if (status.getCode() == Status.Code.UNKNOWN) {
      status = Status.UNAVAILABLE.withDescription(
          "The chat could not order this request: " + cause.getMessage());
    }
    return Outcome.refused(status);
  }

  /**
   * Refuses a request over the size cap with {@code RESOURCE_EXHAUSTED} (one tick).
   *
   * @param bytes the request's size in bytes
   */
  Outcome refuseOversize(int bytes, CallInfo call) {
    return refuse(call, Status.RESOURCE_EXHAUSTED,
        "Request too large (" + bytes + " bytes). Limit is " + config.maxRequestBytes() + ".")
        .join();
  }

  /**
   * Applies one ordered command to the chat's state and queues its event for the participants
   * attached here. Called by the {@link Ordering}, once per command, in the chat's order.
   *
   * @param stamp ticks this process's clock for it
   */
  ChatState.Applied apply(Command command, ChatState.Stamp stamp) {
    List<ParticipantLink> toFlush = new ArrayList<>();
    ChatState.Applied applied;
    synchronized (this) {
      applied = state.apply(command, stamp);
      // Only this process's own proposals are pending here; a restarted replica re-applying its
      // earlier incarnation's entries finds none.
      Pending dialled = pending.remove(command.getEntryId());
      if (applied.isRefused()) {
        if (dialled != null) {
          dialled.channel().shutdownNow();
        }
      } else {
        afterApply(command, applied, dialled, toFlush);
      }
    }
    toFlush.forEach(ParticipantLink::flush);
    return applied;
  }

  private void afterApply(Command command, ChatState.Applied applied, Pending dialled,
      List<ParticipantLink> toFlush) {
    ChatState.MemberState member = applied.member();
    switch (command.getActionCase()) {
      case JOIN, ATTACH -> {
        ParticipantLink old = links.remove(member.session);
        if (old != null) {
          old.closeNow();
        }
        if (dialled != null) {
          ParticipantLink link = newLink(dialled);
          links.put(member.session, link);
          applied.replay().forEach(link::enqueue);
          toFlush.add(link);
        }
      }
      case LEAVE -> {
        ParticipantLink link = links.remove(member.session);
        if (link != null) {
          if (applied.fresh()) {
            link.closeAfterDrain();
          } else {
            link.closeNow();
          }
          toFlush.add(link);
        }
        rates.remove(member.session);
      }
      case REMOVE -> {
        if (applied.fresh()) {
          ParticipantLink link = links.remove(member.session);
          if (link != null) {
            link.closeNow();
          }
          rates.remove(member.session);
        }
      }
      default -> { }
    }
    if (applied.fresh()) {
      enqueueForAll(applied.event(), toFlush);
    }
    if (command.getActionCase() == Command.ActionCase.STOP) {
      for (ParticipantLink link : links.values()) {
        link.closeAfterDrain();
      }
    }
  }

  private ParticipantLink newLink(Pending dialled) {
    return new ParticipantLink(dialled.process(), state.chatId(), dialled.channel(),
        dialled.secret(), clockInterceptors.apply(dialled.process()), scheduler, window,
        config.linkSettings(), this::dead, System::nanoTime);
  }

  /** Probes idle participants and removes those that stopped answering; called periodically. */
  void checkParticipants() {
    List<ParticipantLink> attached;
    synchronized (this) {
      attached = new ArrayList<>(links.values());
    }
    attached.forEach(ParticipantLink::check);
  }

  /**
   * Orders the removal ("connection lost") of members attached to this process that have no link
   * here: those attached before this process (re)started, who did not move to another replica
   * within {@link #moveGrace}. Called periodically.
   */
  void removeOrphans() {
    if (System.nanoTime() - startedNanos < moveGrace().toNanos()) {
      return;
    }
    List<ChatState.MemberState> orphans = new ArrayList<>();
    synchronized (this) {
      for (ChatState.MemberState m : state.members()) {
        if (m.replica.equals(replicaId()) && !links.containsKey(m.session)) {
          orphans.add(m);
        }
      }
    }
    orphans.forEach(m -> orderRemoval(m, ParticipantLink.CONNECTION_LOST));
  }

  /**
   * Orders the removal ("connection lost") of members attached to {@code replica}, which this
   * process (the leader) has not heard from for longer than {@link #moveGrace}.
   */
  void removeMembersOf(String replica) {
    List<ChatState.MemberState> lost = new ArrayList<>();
    synchronized (this) {
      for (ChatState.MemberState m : state.members()) {
        if (m.replica.equals(replica)) {
          lost.add(m);
        }
      }
    }
    lost.forEach(m -> orderRemoval(m, ParticipantLink.CONNECTION_LOST));
  }

  /** Called by a link that gave up on its participant. */
  private void dead(ParticipantLink link, String reason) {
    ChatState.MemberState member = null;
    synchronized (this) {
      for (Map.Entry<String, ParticipantLink> e : links.entrySet()) {
        if (e.getValue() == link) {
          member = state.bySession(e.getKey()).orElse(null);
        }
      }
    }
    if (member != null) {
      orderRemoval(member, reason);
    }
  }

  private static String removalKey(ChatState.MemberState member) {
    return member.session + "/" + member.attachment;
  }

  private void orderRemoval(ChatState.MemberState member, String reason) {
    synchronized (this) {
      if (stopping || !removalsOrdered.add(removalKey(member))) {
        return;
      }
    }
    if (TOO_SLOW.equals(reason)) {
      LOG.warn("{} has more than {} events queued: removing it as too slow", member.process,
          config.maxQueue());
    }
    Command.Builder command = Command.newBuilder()
        .setEntryId(dev.chitchat.rpc.CallMetadata.newCallId())
        .setRemove(RemoveCommand.newBuilder().setSession(member.session).setReason(reason)
            .setAttachment(member.attachment));
    ordering.submit(command, new CallInfo(null, null, member.process, null, null),
        member.name + " removed (" + reason + ")")
        .whenComplete((applied, error) -> {
          if (error != null) {
            synchronized (this) {
              removalsOrdered.remove(removalKey(member));
            }
          }
        });
  }

  /**
   * Announces that the server is stopping: without peers, a SERVER_STOPPING event to everyone, after
   * which the links close once they have delivered it. A replica of a cluster just stops taking
   * calls: the chat goes on, and its participants move to other replicas.
   */
  void stop() {
    synchronized (this) {
      if (stopping) {
        return;
      }
    }
    if (ordering.endsChatOnStop()) {
      ordering.submit(Command.newBuilder().setEntryId(dev.chitchat.rpc.CallMetadata.newCallId())
          .setStop(StopCommand.getDefaultInstance()), null, "stop").join();
    }
    synchronized (this) {
      stopping = true;
    }
  }

  /** Whether every link has delivered what it had queued and closed. */
  synchronized boolean drained() {
    return links.values().stream().allMatch(link -> link.backlog() == 0);
  }

  /** Names of the current participants, in joining order. */
  synchronized List<String> participants() {
    return state.members().stream().map(m -> m.name).toList();
  }

  /** Current members and the replica each is attached to. */
  synchronized List<ChatState.MemberState> members() {
    return state.members();
  }

  /** The sequence number of the last event, 0 before any. */
  synchronized long lastSequence() {
    return state.lastSequence();
  }

  /** The chat's state, for a snapshot. */
  synchronized ChatSnapshot snapshot() {
    return state.snapshot();
  }

  /** Replaces the chat's state (a snapshot loaded at start or installed from the leader). */
  synchronized void restore(ChatSnapshot snapshot) {
    state.restore(snapshot);
  }

  /** Closes every participant's link at once (server shutdown). */
  void closeAll() {
    List<ParticipantLink> attached;
    synchronized (this) {
      stopping = true;
      attached = new ArrayList<>(links.values());
    }
    attached.forEach(ParticipantLink::closeNow);
  }

  /** Whether {@code address} is one of this host's own (loopback included). */
  private static boolean isLocal(java.net.SocketAddress address) {
    if (!(address instanceof java.net.InetSocketAddress inet) || inet.getAddress() == null) {
      return true; // in-process: the same process
    }
    java.net.InetAddress ip = inet.getAddress();
    try {
      return ip.isLoopbackAddress() || ip.isAnyLocalAddress()
          || java.net.NetworkInterface.getByInetAddress(ip) != null;
    } catch (java.net.SocketException e) {
      return false;
    }
  }

  /** A participant's identity across a retried Join: a hash of its callback secret. */
  private static String clientKey(String secret) {
    return com.google.common.hash.Hashing.sha256()
        .hashString(secret, StandardCharsets.UTF_8).toString();
  }

  static String joinedText(String name, long lamport) {
    return "Participant " + name + " joined Chitty-Chat at Lamport time " + lamport;
  }

  static String leftText(String name, long lamport) {
    return "Participant " + name + " left Chitty-Chat at Lamport time " + lamport;
  }

  static String stoppingText(long lamport) {
    return "The Chitty-Chat server is shutting down at Lamport time " + lamport;
  }

  /**
   * Queues the event for every participant attached here; orders the removal, as too slow, of
   * those whose queue overflows.
   */
  private void enqueueForAll(ChatEvent event, List<ParticipantLink> toFlush) {
    for (Map.Entry<String, ParticipantLink> e : links.entrySet()) {
      ParticipantLink link = e.getValue();
      link.enqueue(event);
      toFlush.add(link);
      if (link.backlog() > config.maxQueue()) {
        state.bySession(e.getKey())
            .filter(m -> !removalsOrdered.contains(removalKey(m)))
            .ifPresent(m -> scheduler.execute(() -> orderRemoval(m, TOO_SLOW)));
      }
    }
  }

  private Bucket rate(String session) {
    return rates.computeIfAbsent(session, s -> Bucket.builder()
        .addLimit(limit -> limit.capacity(config.rateLimit())
            .refillGreedy(config.rateLimit(), java.time.Duration.ofSeconds(1)))
        .build());
  }

  private CompletableFuture<Outcome> refuse(CallInfo call, Status status, String reason) {
    clock.tick(EventDetails.action("refuse", reason).inCall(call.rpc(), call.callId(), call.peer()));
    return CompletableFuture.completedFuture(Outcome.refused(status.withDescription(reason)));
  }

  /**
   * The current participant's process name that holds session token {@code token}, if any. Lock
   * free: the authenticator calls it for every Publish and Leave.
   */
  Optional<String> sessionHolder(String token) {
    return state.bySession(token).map(m -> m.process);
  }

  /** Why {@code bearer} (may be {@code null}) is not a current session token, for its holder. */
  synchronized String unauthenticated(String bearer) {
    return state.unauthenticated(bearer);
  }
}

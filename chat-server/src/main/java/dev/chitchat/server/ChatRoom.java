package dev.chitchat.server;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.rpc.CallMetadata;
import io.grpc.ClientInterceptor;
import java.util.function.Function;
import dev.chitchat.rules.ChatRules;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.IntSupplier;
import java.util.function.LongFunction;

/**
 * The chat's membership and its total order of events. Every attempted action (join, publish,
 * leave, the removal of a participant, or the refusal of one) ticks the server's Lamport clock
 * exactly once; an accepted one gets the next sequence number and is queued, in that order, for
 * every current participant. The event's Lamport timestamp is the timestamp of that tick.
 *
 * <p>The server removes a participant that stops answering ("connection lost") or whose queue
 * overflows ("too slow"), and announces it like a leave, with the reason. Its session token then
 * gets {@code UNAUTHENTICATED} with the reason.
 *
 * <p>Thread-safe. Ordering, ticking and queueing happen under one lock, so all participants'
 * queues hold the events in sequence order; the Broadcast calls start after the lock is released.
 */
final class ChatRoom {

  private static final org.apache.logging.log4j.Logger LOG =
      org.apache.logging.log4j.LogManager.getLogger(ChatRoom.class);

  /** Why a participant whose queue overflowed was removed. */
  static final String TOO_SLOW = "too slow";

  /** How many removed sessions are remembered, to tell their holders why. */
  private static final int REMEMBERED_REMOVALS = 4096;

  private final LamportClock clock;
  private final Function<String, ClientInterceptor> clockInterceptors;
  private final ParticipantDialer dialer;
  private final ScheduledExecutorService scheduler;
  private final ServerConfig config;
  private final BroadcastWindow window;
  private final String serverId = CallMetadata.newCallId();
  private final IntSupplier ownPort;

  /** Read without the lock by {@link #sessionHolder}; written under it. */
  private final Map<String, Member> bySession = new ConcurrentHashMap<>();
  private final Map<String, Member> byName = new LinkedHashMap<>();
  private final Map<String, String> removedSessions =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > REMEMBERED_REMOVALS;
        }
      };
  private long lastSeq;
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

  /** This server run's id, carried by every Broadcast. */
  String serverId() {
    return serverId;
  }

  /**
   * Adds a participant and announces it to everyone, itself included.
   *
   * @return the JOINED event and the session token, or a refusal: {@code INVALID_ARGUMENT} for a bad
   *     name, port or secret, or the server's own port declared from its own host, {@code
   *     ALREADY_EXISTS} for a name in use
   */
  Outcome join(String name, long port, String secret, CallInfo call) {
    Optional<String> invalid =
        ChatRules.checkName(name)
            .or(() -> ChatRules.checkPort(port))
            .or(() -> ChatRules.checkSecret(secret));
    if (invalid.isPresent()) {
      return refuse(call, Status.INVALID_ARGUMENT, invalid.get());
    }
    List<ParticipantLink> toFlush;
    ChatEvent event;
    String session;
    synchronized (this) {
      if (stopping) {
        return refuse(call, Status.UNAVAILABLE, "The chat server is shutting down.");
      }
      if (byName.containsKey(name)) {
        return refuse(
            call, Status.ALREADY_EXISTS, "Name " + name + " is already taken. Choose another name.");
      }
      if (port == ownPort.getAsInt() && isLocal(call.remoteAddress())) {
        return refuse(call, Status.INVALID_ARGUMENT, "Port " + port
            + " is the chat server's own port. Declare the port your participant listens on.");
      }
      if (byName.size() >= config.maxParticipants()) {
        return refuse(call, Status.RESOURCE_EXHAUSTED,
            "Chitty-Chat is full (" + config.maxParticipants() + " participants). Try again later.");
      }
      ManagedChannel channel;
      try {
        channel = dialer.dial(call.remoteAddress(), (int) port);
      } catch (IllegalArgumentException e) {
        return refuse(call, Status.INVALID_ARGUMENT, e.getMessage());
      }
      session = CallMetadata.newSecret();
      ParticipantLink link =
          new ParticipantLink(call.peer(), serverId, channel, secret,
              clockInterceptors.apply(call.peer()), scheduler, window,
              config.linkSettings(), this::dead, System::nanoTime);
      event = create("join", ChatEvent.Kind.JOINED, name, l -> joinedText(name, l), "", call);
      Member member =
          new Member(name, call.peer(), session, link, event.getSequence(), config.rateLimit());
      bySession.put(session, member);
      byName.put(name, member);
      toFlush = enqueueForAll(event);
    }
    toFlush.forEach(ParticipantLink::flush);
    return Outcome.joined(event, session);
  }

  /**
   * Publishes a message to everyone, the publisher included. A repeated message id returns the
   * event of its first publication and broadcasts nothing.
   *
   * @return the MESSAGE event, or a refusal: {@code UNAUTHENTICATED} for a missing or unknown
   *     session, {@code INVALID_ARGUMENT} for a bad message or message id
   */
  Outcome publish(String messageId, String text, CallInfo call) {
    List<ParticipantLink> toFlush;
    ChatEvent event;
    synchronized (this) {
      Member member = bySession.get(call.bearer());
      if (member == null) {
        return refuse(call, Status.UNAUTHENTICATED, unauthenticated(call.bearer()));
      }
      if (stopping) {
        return refuse(call, Status.UNAVAILABLE, "The chat server is shutting down.");
      }
      if (member.rate != null && !member.rate.tryConsume(1)) {
        return refuse(call, Status.RESOURCE_EXHAUSTED,
            "Too many messages: the limit is " + config.rateLimit()
                + " per second. Wait a moment and send again.");
      }
      Optional<String> invalid =
          ChatRules.checkMessageId(messageId).or(() -> ChatRules.checkMessage(text));
      if (invalid.isPresent()) {
        return refuse(call, Status.INVALID_ARGUMENT, invalid.get());
      }
      ChatEvent earlier = member.published.get(messageId);
      if (earlier != null) {
        if (!earlier.getText().equals(text)) {
          return refuse(
              call,
              Status.INVALID_ARGUMENT,
              "Message id " + messageId + " was already used for a different message.");
        }
        clock.tick(
            EventDetails.action("duplicate", "retry of message id " + messageId + ", not broadcast again")
                .withSeq(earlier.getSequence())
                .inCall(call.rpc(), call.callId(), call.peer()));
        return Outcome.of(earlier);
      }
      event = create("publish", ChatEvent.Kind.MESSAGE, member.name, l -> text, "", call);
      member.published.put(messageId, event);
      toFlush = enqueueForAll(event);
    }
    toFlush.forEach(ParticipantLink::flush);
    return Outcome.of(event);
  }

  /**
   * Removes the caller and announces it to the remaining participants. The leaver still receives
   * the events created before it left; then its link closes.
   *
   * @return the LEFT event, or a refusal: {@code UNAUTHENTICATED} for a missing or unknown session
   */
  Outcome leave(CallInfo call) {
    List<ParticipantLink> toFlush;
    ChatEvent event;
    Member member;
    synchronized (this) {
      member = bySession.get(call.bearer());
      if (member == null) {
        return refuse(call, Status.UNAUTHENTICATED, unauthenticated(call.bearer()));
      }
      bySession.remove(member.session);
      byName.remove(member.name);
      String name = member.name;
      if (stopping) {
        // Nobody is left to tell: the other links are closing. The leave creates no chat event.
        clock.tick(EventDetails.action("leave", name + " leaves while the server stops")
            .inCall(call.rpc(), call.callId(), call.peer()));
        member.link.closeNow();
        return Outcome.of(ChatEvent.newBuilder().setKind(ChatEvent.Kind.LEFT)
            .setParticipant(name).setText(name + " left while the server stopped").build());
      }
      event = create("leave", ChatEvent.Kind.LEFT, name, l -> leftText(name, l), "", call);
      toFlush = enqueueForAll(event);
    }
    member.link.closeAfterDrain();
    toFlush.forEach(ParticipantLink::flush);
    return Outcome.of(event);
  }

  /**
   * Refuses a request over the size cap with {@code RESOURCE_EXHAUSTED} (one tick).
   *
   * @param bytes the request's size in bytes
   */
  Outcome refuseOversize(int bytes, CallInfo call) {
    return refuse(call, Status.RESOURCE_EXHAUSTED,
        "Request too large (" + bytes + " bytes). Limit is " + config.maxRequestBytes() + ".");
  }

  /** Probes idle participants and removes those that stopped answering; called periodically. */
  void checkParticipants() {
    List<Member> members;
    synchronized (this) {
      members = new ArrayList<>(byName.values());
    }
    members.forEach(m -> m.link.check());
  }

  /** Called by a link that gave up on its participant. */
  private void dead(ParticipantLink link, String reason) {
    List<ParticipantLink> toFlush = new ArrayList<>();
    synchronized (this) {
      Member member = null;
      for (Member m : byName.values()) {
        if (m.link == link) {
          member = m;
        }
      }
      if (member != null) {
        removeLocked(member, reason, toFlush);
      }
    }
    toFlush.forEach(ParticipantLink::flush);
  }

  /**
   * Announces that the server is stopping: a SERVER_STOPPING event to everyone, after which the
   * links close once they have delivered it.
   */
  void stop() {
    List<ParticipantLink> links;
    synchronized (this) {
      if (stopping) {
        return;
      }
      stopping = true;
      ChatEvent event =
          create("stop", ChatEvent.Kind.SERVER_STOPPING, "", ChatRoom::stoppingText, "", null);
      links = enqueueForAll(event);
      for (ParticipantLink link : links) {
        link.closeAfterDrain();
      }
    }
    links.forEach(ParticipantLink::flush);
  }

  /** Whether every link has delivered what it had queued and closed. */
  synchronized boolean drained() {
    return byName.values().stream().allMatch(m -> m.link.backlog() == 0);
  }

  private void removeLocked(Member member, String reason, List<ParticipantLink> toFlush) {
    bySession.remove(member.session);
    byName.remove(member.name);
    removedSessions.put(member.session, reason);
    member.link.closeNow();
    String name = member.name;
    ChatEvent event =
        create("remove", ChatEvent.Kind.LEFT, name, l -> leftText(name, l), reason,
            new CallInfo(null, null, member.process, null, null));
    toFlush.addAll(enqueueForAll(event));
  }

  /** Names of the current participants, in joining order. */
  synchronized List<String> participants() {
    return List.copyOf(byName.keySet());
  }

  /** The sequence number of the last event, 0 before any. */
  synchronized long lastSequence() {
    return lastSeq;
  }

  /** Closes every participant's link at once (server shutdown). */
  void closeAll() {
    List<Member> members;
    synchronized (this) {
      members = new ArrayList<>(byName.values());
    }
    members.forEach(m -> m.link.closeNow());
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

  static String joinedText(String name, long lamport) {
    return "Participant " + name + " joined Chitty-Chat at Lamport time " + lamport;
  }

  static String leftText(String name, long lamport) {
    return "Participant " + name + " left Chitty-Chat at Lamport time " + lamport;
  }

  /**
   * Queues the event for every current participant; removes, as too slow, those whose queue
   * overflows (which queues their LEFT events in turn).
   */
  private List<ParticipantLink> enqueueForAll(ChatEvent event) {
    List<ParticipantLink> links = new ArrayList<>(byName.size());
    List<Member> overflowing = new ArrayList<>();
    for (Member member : byName.values()) {
      member.link.enqueue(event);
      links.add(member.link);
      if (member.link.backlog() > config.maxQueue()) {
        LOG.warn("{} has more than {} events queued: removing it as too slow",
            member.process, config.maxQueue());
        overflowing.add(member);
      }
    }
    for (Member member : overflowing) {
      if (byName.get(member.name) == member) {
        removeLocked(member, TOO_SLOW, links);
      }
    }
    return links;
  }

  static String stoppingText(long lamport) {
    return "The Chitty-Chat server is shutting down at Lamport time " + lamport;
  }


  private Outcome refuse(CallInfo call, Status status, String reason) {
    clock.tick(EventDetails.action("refuse", reason).inCall(call.rpc(), call.callId(), call.peer()));
    return Outcome.refused(status.withDescription(reason));
  }

  /**
   * The current participant's process name that holds session token {@code token}, if any. Lock
   * free: the authenticator calls it for every Publish and Leave.
   */
  Optional<String> sessionHolder(String token) {
    return Optional.ofNullable(bySession.get(token)).map(m -> m.process);
  }

  /** Why {@code bearer} (may be {@code null}) is not a current session token, for its holder. */
  synchronized String unauthenticated(String bearer) {
    if (bearer == null) {
      return "Missing session token. Join first, then send it as 'authorization: Bearer <token>'.";
    }
    String reason = removedSessions.get(bearer);
    return reason != null
        ? "You were removed from Chitty-Chat (" + reason + "). Join again to continue."
        : "Unknown session token: not a current participant (never joined, or already left).";
  }

  /**
   * Creates the next chat event: gives it the next sequence number and ticks the server's clock
   * for the action that creates it, logging the action with the event's text (which may name its
   * own Lamport time) and reason. Call under the lock.
   *
   * @param call the call the action serves, or {@code null}
   */
  private ChatEvent create(String action, ChatEvent.Kind kind, String participant,
      LongFunction<String> textAt, String reason, CallInfo call) {
    long seq = ++lastSeq;
    String suffix = reason.isEmpty() ? "" : " (" + reason + ")";
    long at =
        clock.tick(
            l -> {
              EventDetails details = EventDetails.action(action, textAt.apply(l) + suffix).withSeq(seq);
              return call == null ? details : details.inCall(call.rpc(), call.callId(), call.peer());
            });
    return ChatEvent.newBuilder()
        .setSequence(seq)
        .setLamportTime(at)
        .setKind(kind)
        .setParticipant(participant)
        .setText(textAt.apply(at))
        .setReason(reason)
        .build();
  }
}

package dev.chitchat.server;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rules.ChatRules;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

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

  /** Why a participant whose queue overflowed was removed. */
  static final String TOO_SLOW = "too slow";

  /** How many removed sessions are remembered, to tell their holders why. */
  private static final int REMEMBERED_REMOVALS = 4096;

  private final LamportClock clock;
  private final ParticipantDialer dialer;
  private final ScheduledExecutorService scheduler;
  private final ServerConfig config;
  private final String serverId = CallMetadata.newCallId();

  private final Map<String, Member> bySession = new HashMap<>();
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
      ParticipantDialer dialer,
      ScheduledExecutorService scheduler,
      ServerConfig config) {
    this.clock = clock;
    this.dialer = dialer;
    this.scheduler = scheduler;
    this.config = config;
  }

  /** This server run's id, carried by every Broadcast. */
  String serverId() {
    return serverId;
  }

  /**
   * Adds a participant and announces it to everyone, itself included.
   *
   * @return the JOINED event and the session token, or a refusal: {@code INVALID_ARGUMENT} for a bad
   *     name, port or secret, {@code ALREADY_EXISTS} for a name in use
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
          new ParticipantLink(call.peer(), serverId, channel, secret, clock, scheduler,
              config.linkSettings(), this::dead, System::nanoTime);
      long seq = ++lastSeq;
      long[] at = new long[1];
      clock.tick(
          l -> {
            at[0] = l;
            return EventDetails.action("join", joinedText(name, l))
                .withSeq(seq)
                .inCall(call.rpc(), call.callId(), call.peer());
          });
      event = event(seq, at[0], ChatEvent.Kind.JOINED, name, joinedText(name, at[0]));
      Member member = new Member(name, call.peer(), session, link, seq, config.rateLimit());
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
        return refuse(call, Status.UNAUTHENTICATED, unauthenticated(call));
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
      long seq = ++lastSeq;
      long at =
          clock.tick(
              EventDetails.action("publish", text)
                  .withSeq(seq)
                  .inCall(call.rpc(), call.callId(), call.peer()));
      event = event(seq, at, ChatEvent.Kind.MESSAGE, member.name, text);
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
        return refuse(call, Status.UNAUTHENTICATED, unauthenticated(call));
      }
      bySession.remove(member.session);
      byName.remove(member.name);
      long seq = ++lastSeq;
      long[] at = new long[1];
      String name = member.name;
      clock.tick(
          l -> {
            at[0] = l;
            return EventDetails.action("leave", leftText(name, l))
                .withSeq(seq)
                .inCall(call.rpc(), call.callId(), call.peer());
          });
      event = event(seq, at[0], ChatEvent.Kind.LEFT, name, leftText(name, at[0]));
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
      long seq = ++lastSeq;
      long[] at = new long[1];
      clock.tick(l -> {
        at[0] = l;
        return EventDetails.action("stop", stoppingText(l)).withSeq(seq);
      });
      ChatEvent event = event(seq, at[0], ChatEvent.Kind.SERVER_STOPPING, "", stoppingText(at[0]));
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
    long seq = ++lastSeq;
    long[] at = new long[1];
    String name = member.name;
    clock.tick(l -> {
      at[0] = l;
      return EventDetails.action("remove", leftText(name, l) + " (" + reason + ")")
          .withSeq(seq)
          .inCall(null, null, member.process);
    });
    ChatEvent event =
        event(seq, at[0], ChatEvent.Kind.LEFT, name, leftText(name, at[0])).toBuilder()
            .setReason(reason)
            .build();
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

  private String unauthenticated(CallInfo call) {
    if (call.bearer() == null) {
      return "Missing session token. Join first, then send it as 'authorization: Bearer <token>'.";
    }
    String reason = removedSessions.get(call.bearer());
    return reason != null
        ? "You were removed from Chitty-Chat (" + reason + "). Join again to continue."
        : "Unknown session token: not a current participant (never joined, or already left).";
  }

  private static ChatEvent event(
      long seq, long lamport, ChatEvent.Kind kind, String participant, String text) {
    return ChatEvent.newBuilder()
        .setSequence(seq)
        .setLamportTime(lamport)
        .setKind(kind)
        .setParticipant(participant)
        .setText(text)
        .build();
  }
}

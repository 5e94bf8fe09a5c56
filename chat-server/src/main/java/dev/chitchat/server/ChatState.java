package dev.chitchat.server;

import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.replication.AttachCommand;
import dev.chitchat.proto.replication.ChatSnapshot;
import dev.chitchat.proto.replication.Command;
import dev.chitchat.proto.replication.JoinCommand;
import dev.chitchat.proto.replication.MemberSnapshot;
import dev.chitchat.proto.replication.PublishedMessage;
import dev.chitchat.proto.replication.RemoveCommand;
import dev.chitchat.proto.replication.RemovedSession;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * The chat as a deterministic state machine: the members and their sessions, each member's message
 * ids (idempotent Publish), the last sequence number and the most recent events (the replay window
 * a member that moves to another replica is served from). Applying the same commands in the same
 * order gives every replica the same state and the same events; in a cluster that order is Raft's
 * commit order (Ongaro and Ousterhout 2014), on a single server without a data directory it is the
 * order of the chat room's lock.
 *
 * <p>Every applied command ticks the applying process's Lamport clock exactly once, through the
 * {@link Stamp} it is applied with (Lamport 1978: every event ticks).
 *
 * <p>Not thread-safe for writing: one thread applies at a time (the room's lock). {@link
 * #sessionHolder} may be read from any thread.
 */
final class ChatState {

  /** How many of the most recent events a replica can replay to a member that moves to it. */
  static final int REPLAY_WINDOW = 16_384;

  /** How many removed sessions are remembered, to tell their holders why. */
  static final int REMEMBERED_REMOVALS = 4096;

  /** How many of each member's message ids are remembered, to answer a retried Publish. */
  static final int REMEMBERED_MESSAGE_IDS = 1024;

  /**
   * Ticks the applying process's clock once for an applied command and returns the Lamport time of
   * the chat event it creates.
   */
  @FunctionalInterface
  interface Stamp {
    /**
     * @param action what the command did: join, publish, leave, remove, attach, stop, duplicate,
     *     refuse or ignore
     * @param seq the event's sequence number, or {@code null} when the command created none
     * @param textAt the action's text given its Lamport time (announcements name their own)
     * @return the Lamport time of the event (in Lamport ticks)
     */
    long at(String action, Long seq, LongFunction<String> textAt);
  }

  /**
   * What applying a command did.
   *
   * @param event the event it created, or re-used for a retried message id; {@code null} if none
   * @param fresh whether {@code event} is new (to be delivered) rather than an earlier one
   * @param session for a join: the member's session token
   * @param refusal why it was refused, or {@code null}
   * @param replay for an attach: the events to deliver to the member, in order
   * @param member the member the command concerned, or {@code null}
   */
  record Applied(ChatEvent event, boolean fresh, String session, Status refusal,
      List<ChatEvent> replay, MemberState member) {

    static Applied refused(Status status) {
      return new Applied(null, false, null, status, List.of(), null);
    }

    static Applied nothing(MemberState member) {
      return new Applied(null, false, null, null, List.of(), member);
    }

    boolean isRefused() {
      return refusal != null;
    }
  }

  /** One member, as every replica knows it. */
  static final class MemberState {
    final String name;
    final String process;
    final String session;
    final String clientKey;
    final ChatEvent joined;
    String replica;
    long attachment;
    final Map<String, ChatEvent> published =
        new LinkedHashMap<>() {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, ChatEvent> eldest) {
            return size() > REMEMBERED_MESSAGE_IDS;
          }
        };

    MemberState(String name, String process, String session, String clientKey, ChatEvent joined,
        String replica, long attachment) {
      this.name = name;
      this.process = process;
      this.session = session;
      this.clientKey = clientKey;
      this.joined = joined;
      this.replica = replica;
      this.attachment = attachment;
    }
  }

  private String chatId = "";
  private long lastSeq;
  private boolean stopped;
  private final Map<String, MemberState> byName = new LinkedHashMap<>();
  private final Map<String, MemberState> bySession = new ConcurrentHashMap<>();
  private final Map<String, String> removedSessions =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > REMEMBERED_REMOVALS;
        }
      };
  private final Deque<ChatEvent> recent = new ArrayDeque<>();
  private final int replayWindow;

  /** A new chat that replays the {@link #REPLAY_WINDOW} most recent events. */
  ChatState() {
    this(REPLAY_WINDOW);
  }

  /** @param replayWindow how many of the most recent events a moving member can be sent again */
  ChatState(int replayWindow) {
    this.replayWindow = replayWindow;
  }

  /** The chat's id (the first command's entry id); empty before the first command. */
  String chatId() {
    return chatId;
  }

  long lastSequence() {
    return lastSeq;
  }

  boolean stopped() {
    return stopped;
  }

  /** Current members, in joining order. */
  List<MemberState> members() {
    return List.copyOf(byName.values());
  }

  Optional<MemberState> byName(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The member holding session token {@code token}. Safe from any thread. */
  Optional<MemberState> bySession(String token) {
    return token == null ? Optional.empty() : Optional.ofNullable(bySession.get(token));
  }

  /** Why {@code token} was removed ("connection lost", "too slow"), if it was. */
  Optional<String> removalReason(String token) {
    return Optional.ofNullable(removedSessions.get(token));
  }

  /**
   * Applies one command.
   *
   * @param command the command (its {@code replica} names the replica a join or attach attaches to)
   * @param stamp ticks the clock once for it
   */
  Applied apply(Command command, Stamp stamp) {
    if (chatId.isEmpty()) {
      chatId = command.getEntryId();
    }
    return switch (command.getActionCase()) {
      case JOIN -> join(command.getJoin(), command.getReplica(), stamp);
      case PUBLISH -> publish(command, stamp);
      case LEAVE -> leave(command.getLeave().getSession(), stamp);
      case REMOVE -> remove(command.getRemove(), stamp);
      case ATTACH -> attach(command.getAttach(), command.getReplica(), stamp);
      case STOP -> stop(stamp);
      case ACTION_NOT_SET -> refuse(stamp, Status.INVALID_ARGUMENT, "Empty command.");
    };
  }

  private Applied join(JoinCommand join, String replica, Stamp stamp) {
    if (stopped) {
      return refuse(stamp, Status.UNAVAILABLE, "The chat server is shutting down.");
    }
    MemberState existing = byName.get(join.getName());
    if (existing != null) {
      if (!join.getClientKey().isEmpty() && join.getClientKey().equals(existing.clientKey)) {
        // The same participant's Join, retried: it joined already; attach it where it asked now.
        existing.replica = replica;
        existing.attachment++;
        stamp.at("duplicate", existing.joined.getSequence(),
            l -> "retry of " + join.getName() + "'s Join: already a member, not announced again");
        return new Applied(existing.joined, false, existing.session, null,
            since(existing.joined.getSequence()), existing);
      }
      return refuse(stamp, Status.ALREADY_EXISTS,
          "Name " + join.getName() + " is already taken. Choose another name.");
    }
    if (join.getMaxParticipants() > 0 && byName.size() >= join.getMaxParticipants()) {
      return refuse(stamp, Status.RESOURCE_EXHAUSTED, "Chitty-Chat is full ("
          + join.getMaxParticipants() + " participants). Try again later.");
    }
    String name = join.getName();
    ChatEvent event = create("join", ChatEvent.Kind.JOINED, name,
        l -> ChatRoom.joinedText(name, l), "", stamp);
    MemberState member = new MemberState(name, join.getProcess(), join.getSession(),
        join.getClientKey(), event, replica, 1);
    byName.put(name, member);
    bySession.put(member.session, member);
    return new Applied(event, true, member.session, null, List.of(), member);
  }

  private Applied publish(Command command, Stamp stamp) {
    var publish = command.getPublish();
    MemberState member = bySession.get(publish.getSession());
    if (member == null) {
      return refuse(stamp, Status.UNAUTHENTICATED, unauthenticated(publish.getSession()));
    }
    if (stopped) {
      return refuse(stamp, Status.UNAVAILABLE, "The chat server is shutting down.");
    }
    ChatEvent earlier = member.published.get(publish.getMessageId());
    if (earlier != null) {
      if (!earlier.getText().equals(publish.getText())) {
        return refuse(stamp, Status.INVALID_ARGUMENT,
            "Message id " + publish.getMessageId() + " was already used for a different message.");
      }
      stamp.at("duplicate", earlier.getSequence(),
          l -> "retry of message id " + publish.getMessageId() + ", not broadcast again");
      return new Applied(earlier, false, null, null, List.of(), member);
    }
    ChatEvent event = create("publish", ChatEvent.Kind.MESSAGE, member.name,
        l -> publish.getText(), "", stamp);
    member.published.put(publish.getMessageId(), event);
    return new Applied(event, true, null, null, List.of(), member);
  }

  private Applied leave(String session, Stamp stamp) {
    MemberState member = bySession.get(session);
    if (member == null) {
      return refuse(stamp, Status.UNAUTHENTICATED, unauthenticated(session));
    }
    forget(member);
    String name = member.name;
    if (stopped) {
      // Nobody is left to tell: the chat has ended. The leave creates no chat event.
      stamp.at("leave", null, l -> name + " leaves while the server stops");
      return new Applied(ChatEvent.newBuilder().setKind(ChatEvent.Kind.LEFT).setParticipant(name)
          .setText(name + " left while the server stopped").build(), false, null, null, List.of(),
          member);
    }
    ChatEvent event = create("leave", ChatEvent.Kind.LEFT, name,
        l -> ChatRoom.leftText(name, l), "", stamp);
    return new Applied(event, true, null, null, List.of(), member);
  }

  private Applied remove(RemoveCommand remove, Stamp stamp) {
    MemberState member = bySession.get(remove.getSession());
    if (member == null || (remove.getAttachment() != 0
        && remove.getAttachment() != member.attachment)) {
      stamp.at("ignore", null, l -> "removal of a member that left or moved meanwhile");
      return Applied.nothing(member);
    }
    forget(member);
    removedSessions.put(member.session, remove.getReason());
    String name = member.name;
    ChatEvent event = create("remove", ChatEvent.Kind.LEFT, name,
        l -> ChatRoom.leftText(name, l), remove.getReason(), stamp);
    return new Applied(event, true, null, null, List.of(), member);
  }

  private Applied attach(AttachCommand attach, String replica, Stamp stamp) {
    MemberState member = bySession.get(attach.getSession());
    if (member == null || !member.name.equals(attach.getName())) {
      return refuse(stamp, Status.UNAUTHENTICATED, member == null
          ? unauthenticated(attach.getSession())
          : "This session belongs to another participant name.");
    }
    long from = attach.getDeliveredThrough() + 1;
    long oldest = recent.isEmpty() ? lastSeq + 1 : recent.peekFirst().getSequence();
    if (from < oldest && from <= lastSeq) {
      return refuse(stamp, Status.FAILED_PRECONDITION, "You were away too long: event " + from
          + " is no longer kept (the replay window holds " + replayWindow
          + " events). Join again as a new participant.");
    }
    List<ChatEvent> replay = since(from);
    member.replica = replica;
    member.attachment++;
    stamp.at("attach", null, l -> member.name + " moved to " + replica + " after event "
        + attach.getDeliveredThrough());
    return new Applied(null, false, member.session, null, replay, member);
  }

  /** The retained events from sequence {@code from} on, in order. */
  private List<ChatEvent> since(long from) {
    List<ChatEvent> events = new ArrayList<>();
    for (ChatEvent event : recent) {
      if (event.getSequence() >= from) {
        events.add(event);
      }
    }
    return events;
  }

  private Applied stop(Stamp stamp) {
    if (stopped) {
      stamp.at("ignore", null, l -> "already stopping");
      return Applied.nothing(null);
    }
    stopped = true;
    ChatEvent event = create("stop", ChatEvent.Kind.SERVER_STOPPING, "",
        ChatRoom::stoppingText, "", stamp);
    return new Applied(event, true, null, null, List.of(), null);
  }

  private void forget(MemberState member) {
    byName.remove(member.name);
    bySession.remove(member.session);
  }

  private Applied refuse(Stamp stamp, Status status, String reason) {
    stamp.at("refuse", null, l -> reason);
    return Applied.refused(status.withDescription(reason));
  }

  /** Why {@code bearer} (may be {@code null}) is not a current session token, for its holder. */
  String unauthenticated(String bearer) {
    if (bearer == null || bearer.isEmpty()) {
      return "Missing session token. Join first, then send it as 'authorization: Bearer <token>'.";
    }
    String reason = removedSessions.get(bearer);
    return reason != null
        ? "You were removed from Chitty-Chat (" + reason + "). Join again to continue."
        : "Unknown session token: not a current participant (never joined, or already left).";
  }

  private ChatEvent create(String action, ChatEvent.Kind kind, String participant,
      LongFunction<String> textAt, String reason, Stamp stamp) {
    long seq = ++lastSeq;
    String suffix = reason.isEmpty() ? "" : " (" + reason + ")";
    long at = stamp.at(action, seq, l -> textAt.apply(l) + suffix);
    ChatEvent event = ChatEvent.newBuilder()
        .setSequence(seq)
        .setLamportTime(at)
        .setKind(kind)
        .setParticipant(participant)
        .setText(textAt.apply(at))
        .setReason(reason)
        .build();
    recent.addLast(event);
    if (recent.size() > replayWindow) {
      recent.removeFirst();
    }
    return event;
  }

  /** The state as a snapshot. */
  ChatSnapshot snapshot() {
    ChatSnapshot.Builder snapshot = ChatSnapshot.newBuilder()
        .setChatId(chatId).setLastSequence(lastSeq).setStopped(stopped).addAllRecent(recent);
    for (MemberState m : byName.values()) {
      MemberSnapshot.Builder member = MemberSnapshot.newBuilder().setName(m.name)
          .setProcess(m.process).setSession(m.session).setReplica(m.replica)
          .setAttachment(m.attachment).setJoined(m.joined).setClientKey(m.clientKey);
      m.published.forEach((id, event) ->
          member.addPublished(PublishedMessage.newBuilder().setMessageId(id).setEvent(event)));
      snapshot.addMembers(member);
    }
    removedSessions.forEach((session, reason) ->
        snapshot.addRemoved(RemovedSession.newBuilder().setSession(session).setReason(reason)));
    return snapshot.build();
  }

  /** Replaces the state with {@code snapshot}'s. */
  void restore(ChatSnapshot snapshot) {
    chatId = snapshot.getChatId();
    lastSeq = snapshot.getLastSequence();
    stopped = snapshot.getStopped();
    byName.clear();
    bySession.clear();
    removedSessions.clear();
    recent.clear();
    recent.addAll(snapshot.getRecentList());
    for (MemberSnapshot m : snapshot.getMembersList()) {
      MemberState member = new MemberState(m.getName(), m.getProcess(), m.getSession(),
          m.getClientKey(), m.getJoined(), m.getReplica(), m.getAttachment());
      m.getPublishedList().forEach(p -> member.published.put(p.getMessageId(), p.getEvent()));
      byName.put(member.name, member);
      bySession.put(member.session, member);
    }
    snapshot.getRemovedList().forEach(r -> removedSessions.put(r.getSession(), r.getReason()));
  }
}

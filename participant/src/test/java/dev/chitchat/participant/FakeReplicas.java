package dev.chitchat.participant;

import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveRequest;
import dev.chitchat.proto.LeaveResponse;
import dev.chitchat.proto.ParticipantGrpc;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.proto.PublishResponse;
import dev.chitchat.rpc.CallAuthenticator;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.GrpcClocks;
import dev.chitchat.rpc.NettyTransport;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A test double of a replicated chat: one chat (its events, sessions and message ids) shared by
 * in-process replicas that each serve {@code ChatServer} under their own in-process name and call
 * back the participants attached to them. Not Raft: every replica sees the chat's state at once.
 */
final class FakeReplicas implements AutoCloseable {

  /** What the replicas received, for the tests: Join and Publish requests, by replica. */
  record Received(String replica, Object request) {}

  private final String prefix = InProcessServerBuilder.generateName();
  final String chatId = "chat-" + prefix;
  final List<Replica> replicas = new ArrayList<>();
  final List<Received> received = new CopyOnWriteArrayList<>();
  /** The chat's events in order; index = sequence - 1. */
  private final List<ChatEvent> events = new ArrayList<>();
  private final Map<String, ChatEvent> byMessageId = new HashMap<>();
  /** Session token to participant name. */
  private final Map<String, String> sessions = new HashMap<>();
  private final Map<String, ChatEvent> joinedEvents = new HashMap<>();
  /** When set, every resume is refused with it. */
  volatile Status refuseResume;
  private long lamport = 100;
  private int tokens;

  /** Serves the replicas over TCP, or null: in-process. */
  private final NettyTransport tcp;

  /** Replicas {@code s1}, {@code s2}, ... ({@code count} of them), in-process, none started. */
  FakeReplicas(int count) {
    this(count, null);
  }

  /**
   * Replicas {@code s1}, {@code s2}, ... ({@code count} of them), none started; with {@code tcp},
   * each on a free localhost port of its own (its address), else in-process.
   */
  FakeReplicas(int count, NettyTransport tcp) {
    this.tcp = tcp;
    for (int i = 1; i <= count; i++) {
      replicas.add(new Replica("s" + i, tcp == null ? prefix + "-s" + i : "localhost:" + freePort()));
    }
  }

  private static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The replicas' addresses (in-process names), in order. */
  List<String> addresses() {
    return replicas.stream().map(r -> r.address).toList();
  }

  Replica replica(int number) {
    return replicas.get(number - 1);
  }

  /** The requests of one kind that {@code replica} received. */
  <T> List<T> received(String replica, Class<T> kind) {
    return received.stream().filter(r -> r.replica().equals(replica))
        .map(Received::request).filter(kind::isInstance).map(kind::cast).toList();
  }

  /** Every event of the chat so far. */
  synchronized List<ChatEvent> events() {
    return List.copyOf(events);
  }

  private synchronized ChatEvent append(ChatEvent.Builder event) {
    ChatEvent ordered = event.setSequence(events.size() + 1).setLamportTime(++lamport).build();
    events.add(ordered);
    return ordered;
  }

  private synchronized List<ChatEvent> after(long sequence) {
    return List.copyOf(events.subList((int) Math.min(sequence, events.size()), events.size()));
  }

  /** Has every live replica deliver the events after what it sent each of its members. */
  private void fanOut() {
    for (Replica replica : replicas) {
      replica.fanOut();
    }
  }

  @Override
  public void close() {
    for (Replica replica : replicas) {
      replica.kill();
    }
  }

  /** One replica: a ChatServer and the callbacks to the participants attached to it. */
  final class Replica extends ChatServerGrpc.ChatServerImplBase {
    final String name;
    final String address;
    private final GrpcClocks clocks;
    private Server server;
    /** Participant name to its callback and the highest sequence sent to it. */
    private final Map<String, Member> members = new HashMap<>();
    /** On a resume, replay the chat from event 1 rather than after delivered_through. */
    volatile boolean replayAll;
    /** The next Publish orders its message, then this replica dies without answering. */
    volatile boolean dieOnPublish;

    private Replica(String name, String address) {
      this.name = name;
      this.address = address;
      this.clocks = GrpcClocks.create(new LamportClock(name, e -> {}), CallAuthenticator.ANYONE);
    }

    Replica start() throws IOException {
      io.grpc.ServerBuilder<?> builder = tcp == null ? InProcessServerBuilder.forName(address)
          : tcp.serverBuilder(new java.net.InetSocketAddress("localhost",
              Integer.parseInt(address.substring(address.indexOf(':') + 1))));
      server = clocks.configureServerBuilder(builder).addService(clocks.guard(this)).build().start();
      return this;
    }

    /** Stops at once, as a killed process: calls in progress fail, connections drop. */
    synchronized void kill() {
      if (server != null) {
        server.shutdownNow();
      }
      for (Member member : members.values()) {
        member.channel.shutdownNow();
      }
      members.clear();
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinResponse> responses) {
      received.add(new Received(name, request));
      String token;
      ChatEvent joined;
      long from;
      synchronized (FakeReplicas.this) {
        if (!request.getResumeSession().isEmpty()) {
          token = request.getResumeSession();
          if (refuseResume != null) {
            responses.onError(refuseResume.asRuntimeException());
            return;
          }
          if (!request.getName().equals(sessions.get(token))) {
            responses.onError(Status.UNAUTHENTICATED.withDescription("Not a current session.")
                .asRuntimeException());
            return;
          }
          joined = joinedEvents.get(token);
          from = replayAll ? 0 : request.getDeliveredThrough();
        } else {
          token = "token-" + ++tokens;
          sessions.put(token, request.getName());
          joined = append(ChatEvent.newBuilder().setKind(ChatEvent.Kind.JOINED)
              .setParticipant(request.getName())
              .setText("Participant " + request.getName() + " joined Chitty-Chat"));
          joinedEvents.put(token, joined);
          from = joined.getSequence() - 1;
        }
      }
      attach(request, from);
      responses.onNext(JoinResponse.newBuilder().setSessionToken(token).setJoined(joined)
          .setServerId(chatId).setReplica(name).build());
      responses.onCompleted();
      fanOut();
    }

    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> responses) {
      received.add(new Received(name, request));
      ChatEvent event;
      synchronized (FakeReplicas.this) {
        String participant = sessions.get(CallMetadata.BEARER_CONTEXT.get());
        event = byMessageId.computeIfAbsent(request.getMessageId(), id -> append(
            ChatEvent.newBuilder().setKind(ChatEvent.Kind.MESSAGE).setParticipant(
                String.valueOf(participant)).setText(request.getText())));
      }
      if (dieOnPublish) {
        new Thread(this::kill).start(); // ordered, but the answer is lost with the replica
        return;
      }
      fanOut();
      responses.onNext(PublishResponse.newBuilder().setEvent(event).build());
      responses.onCompleted();
    }

    @Override
    public void leave(LeaveRequest request, StreamObserver<LeaveResponse> responses) {
      received.add(new Received(name, request));
      responses.onNext(LeaveResponse.newBuilder().setLeft(ChatEvent.newBuilder().setSequence(0)).build());
      responses.onCompleted();
    }

    private synchronized void attach(JoinRequest request, long from) {
      Member old = members.remove(request.getName());
      if (old != null) {
        old.channel.shutdownNow();
      }
      ManagedChannel channel = clocks.configureChannelBuilder(
          InProcessChannelBuilder.forName(participantAddress(request)), request.getName())
          .build();
      members.put(request.getName(), new Member(channel, ParticipantGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(
              CallMetadata.bearer(request.getCallbackSecret()))), from));
    }

    /** Sends each member what it has not been sent, in one Broadcast, one at a time. */
    private synchronized void fanOut() {
      if (server == null || server.isShutdown()) {
        return;
      }
      for (Member member : members.values()) {
        List<ChatEvent> batch = after(member.sent);
        if (batch.isEmpty()) {
          continue;
        }
        try {
          member.stub.withDeadlineAfter(5, TimeUnit.SECONDS).broadcast(BroadcastRequest.newBuilder()
              .addAllEvents(batch).setServerId(chatId).build());
          member.sent = batch.get(batch.size() - 1).getSequence();
        } catch (RuntimeException e) {
          // the participant is gone: the test will say so
        }
      }
    }
  }

  /** The in-process name of the participant's Broadcast server, which the tests name by port. */
  static String participantAddress(JoinRequest request) {
    return "participant-" + request.getName() + "-" + request.getPort();
  }

  private static final class Member {
    final ManagedChannel channel;
    final ParticipantGrpc.ParticipantBlockingStub stub;
    long sent;

    Member(ManagedChannel channel, ParticipantGrpc.ParticipantBlockingStub stub, long sent) {
      this.channel = channel;
      this.stub = stub;
      this.sent = sent;
    }
  }
}

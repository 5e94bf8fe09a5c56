package dev.chitchat.bench;

import com.google.common.util.concurrent.ListenableFuture;
import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.BroadcastResponse;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.LeaveRequest;
import dev.chitchat.proto.ParticipantGrpc;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.proto.PublishResponse;
import dev.chitchat.rpc.CallAuthenticator;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.GrpcClocks;
import dev.chitchat.rules.PrintableText;
import io.grpc.Channel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One participant of the load benchmark: what {@code chitchat participant} does on the wire and in
 * its clock, without what a load generator cannot afford or does not need (a screen, the list of
 * everything delivered, the server watch, rejoining, a thread pool per participant).
 *
 * <ul>
 *   <li>{@link #join}, {@link #publish}, {@link #leave} tick a {@code join}, {@code publish},
 *       {@code leave} action, then call the server through the channel's clock interceptor; after
 *       Join, each call presents the session token.
 *   <li>{@link #publish} does not wait: it returns the call's future (the generated future stub).
 *   <li>Its Broadcast server takes calls only with the callback secret sent in Join (refused before
 *       merging otherwise, as a participant does), ticks one {@code deliver} action per new event
 *       and tells the listener; it keeps only the highest sequence number delivered. It runs the
 *       handler on the transport thread (the server builder's executor is set to direct), so the
 *       listener must be quick and must not block.
 * </ul>
 *
 * <p>Lifecycle: {@link #start}, {@link #join}, any number of {@link #publish}, {@link #leave},
 * {@link #stop}. Thread-safe after {@link #join}.
 */
final class BenchParticipant {

  private final String name;
  private final LamportClock clock;
  private final ChatServerGrpc.ChatServerBlockingStub blocking;
  private final ChatServerGrpc.ChatServerFutureStub future;
  private final Duration deadline;
  private final String secret = CallMetadata.newSecret();
  private final Consumer<ChatEvent> listener;
  private final Server server;
  private final Object progress = new Object();
  /** The highest sequence number delivered; guarded by {@link #progress}. */
  private long lastSeq;
  private volatile String sessionToken;

  /**
   * @param name the chat name and process name
   * @param clock the participant's clock
   * @param serverChannel to the chat server, with a {@link dev.chitchat.rpc.ClockClientInterceptor}
   *     on {@code clock}
   * @param callbackServer the transport of the participant's Broadcast server (port 0 for a free
   *     one)
   * @param deadline the deadline of every call to the chat server
   * @param listener told of every delivered event, on the transport thread that delivers it
   */
  BenchParticipant(String name, LamportClock clock, Channel serverChannel,
      ServerBuilder<?> callbackServer, Duration deadline, Consumer<ChatEvent> listener) {
    this.name = name;
    this.clock = clock;
    this.blocking = ChatServerGrpc.newBlockingStub(serverChannel);
    this.future = ChatServerGrpc.newFutureStub(serverChannel);
    this.deadline = deadline;
    this.listener = listener;
    GrpcClocks clocks = GrpcClocks.create(clock, this::authenticate);
    this.server =
        clocks.configureServerBuilder(callbackServer)
            .directExecutor()
            .addService(clocks.guard(new Broadcasts()))
            .build();
  }

  /** The chat name. */
  String name() {
    return name;
  }

  /**
   * Starts the Broadcast server.
   *
   * @throws IOException if its port cannot be bound
   */
  void start() throws IOException {
    server.start();
  }

  /**
   * Joins the chat and keeps the session token for the later calls.
   *
   * @throws io.grpc.StatusRuntimeException if the server refused or could not be reached
   */
  void join() {
    clock.tick(EventDetails.action("join", "join as " + name + " with callback port "
        + server.getPort()));
    sessionToken = withDeadline(blocking)
        .join(JoinRequest.newBuilder()
            .setName(name)
            .setPort(server.getPort())
            .setCallbackSecret(secret)
            .build())
        .getSessionToken();
  }

  /**
   * Publishes one message without waiting. The future fails with a {@link
   * io.grpc.StatusRuntimeException} when the call does, and completes on the channel's executor.
   */
  ListenableFuture<PublishResponse> publish(String text) {
    clock.tick(EventDetails.action("publish", text));
    return authenticated(future)
        .publish(PublishRequest.newBuilder()
            .setMessageId(CallMetadata.newCallId())
            .setText(text)
            .build());
  }

  /**
   * Leaves, then waits up to {@code drain} until the events ordered before the leave are
   * delivered.
   *
   * @return whether they were, in time
   * @throws io.grpc.StatusRuntimeException if the server refused or could not be reached
   */
  boolean leave(Duration drain) throws InterruptedException {
    clock.tick(EventDetails.action("leave", name + " leaves"));
    long before =
        authenticated(blocking).leave(LeaveRequest.getDefaultInstance()).getLeft().getSequence()
            - 1;
    long until = System.nanoTime() + drain.toNanos();
    synchronized (progress) {
      while (lastSeq < before) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
    }
    return true;
  }

  /** Stops the Broadcast server, waiting up to 5 s for calls in progress. */
  void stop() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
  }

  /**
   * The gate in front of the clock: only the server this participant joined knows the secret;
   * it is authenticated under the process name it declares, {@code server} if none.
   */
  private CallAuthenticator.Verdict authenticate(
      String rpc, io.grpc.Metadata headers, java.net.SocketAddress remote) {
    if (!CallMetadata.bearerOf(headers).filter(secret::equals).isPresent()) {
      return CallAuthenticator.Verdict.refused(
          Status.UNAUTHENTICATED.withDescription("Broadcast refused: not the chat server."));
    }
    String declared = headers.get(CallMetadata.PROCESS);
    return CallAuthenticator.Verdict.authenticated(declared == null ? "server" : declared);
  }

  private <S extends io.grpc.stub.AbstractStub<S>> S withDeadline(S stub) {
    return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private <S extends io.grpc.stub.AbstractStub<S>> S authenticated(S stub) {
    return withDeadline(stub).withInterceptors(
        MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(sessionToken)));
  }

  /** The Broadcast service: delivers each new event once, in sequence order. */
  private final class Broadcasts extends ParticipantGrpc.ParticipantImplBase {
    @Override
    public void broadcast(BroadcastRequest request, StreamObserver<BroadcastResponse> responses) {
      String callId = CallMetadata.CALL_ID_CONTEXT.get();
      String peer = CallMetadata.PEER_CONTEXT.get();
      long through;
      // One lock per participant serialises its deliveries, as chitchat participant's do.
      synchronized (progress) {
        for (ChatEvent event : request.getEventsList()) {
          if (event.getSequence() <= lastSeq) {
            continue; // a retried Broadcast
          }
          clock.tick(EventDetails.action("deliver", line(event))
              .withSeq(event.getSequence())
              .inCall("Broadcast", callId, peer));
          lastSeq = event.getSequence();
          listener.accept(event);
        }
        through = lastSeq;
        progress.notifyAll();
      }
      responses.onNext(BroadcastResponse.newBuilder().setDeliveredThrough(through).build());
      responses.onCompleted();
    }
  }

  /** The delivered line as chitchat participant logs it: "p01: text", or the announcement. */
  private static String line(ChatEvent event) {
    return event.getKind() == ChatEvent.Kind.MESSAGE
        ? PrintableText.escape(event.getParticipant()) + ": " + PrintableText.escape(event.getText())
        : PrintableText.escape(event.getText());
  }
}

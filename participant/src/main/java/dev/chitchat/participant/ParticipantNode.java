package dev.chitchat.participant;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveResponse;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.ClockServerInterceptor;
import dev.chitchat.rules.PrintableText;
import io.grpc.Channel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One participant: its own {@code Participant} (Broadcast) server, and its calls to the chat
 * server. Each user action ticks the participant's Lamport clock once as an attempted action
 * ({@code join}, {@code publish}, {@code leave}) before its request is sent.
 *
 * <p>Lifecycle: {@link #start} (serve Broadcast), {@link #join}, any number of {@link #publish},
 * {@link #leave} (which waits until the events created before the leave are delivered), {@link
 * #stop}. Thread-safe; {@link #leave} may race with a shutdown hook and runs once.
 */
public final class ParticipantNode {

  /** The outcome of a publish: the event as ordered by the server, or why it was not sent. */
  public record PublishResult(ChatEvent event, Status refusal) {
    /** Whether the message was ordered and queued for every participant. */
    public boolean sent() {
      return refusal == null;
    }
  }

  private enum State { NEW, JOINED, LEFT }

  private final String name;
  private final int declaredPort;
  private final LamportClock clock;
  private final ChatClient client;
  private final Screen screen;
  private final Duration drainTimeout;
  private final String secret = CallMetadata.newSecret();
  private final Deliveries deliveries;
  private final ExecutorService executor;
  private final Server server;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

  /**
   * @param name the chat name
   * @param declaredPort the port to declare in Join when the server builder's own port is not
   *     known (in-process tests); ignored for TCP
   * @param clock the participant's Lamport clock
   * @param serverChannel to the chat server, with a {@link dev.chitchat.rpc.ClockClientInterceptor}
   * @param callbackServer the transport of the participant's own Broadcast server
   * @param screen where delivered lines and messages appear
   * @param rpcDeadline the deadline of every call to the chat server
   * @param drainTimeout how long {@link #leave} waits for the last deliveries
   */
  public ParticipantNode(
      String name,
      int declaredPort,
      LamportClock clock,
      Channel serverChannel,
      ServerBuilder<?> callbackServer,
      Screen screen,
      Duration rpcDeadline,
      Duration drainTimeout) {
    this.name = name;
    this.declaredPort = declaredPort;
    this.clock = clock;
    this.screen = screen;
    this.drainTimeout = drainTimeout;
    this.client = new ChatClient(serverChannel, rpcDeadline);
    this.deliveries = new Deliveries(clock, screen);
    this.executor =
        Executors.newFixedThreadPool(
            2, new ThreadFactoryBuilder().setNameFormat(name + "-broadcast-%d").setDaemon(true).build());
    this.server =
        callbackServer
            .executor(executor)
            .maxInboundMessageSize(4 * 1024 * 1024)
            .addService(
                ServerInterceptors.intercept(
                    new BroadcastService(secret, deliveries, clock), new ClockServerInterceptor(clock, CallMetadata.PARTICIPANT_ACCEPTED_TIME)))
            .build();
  }

  /**
   * Starts the Broadcast server.
   *
   * @return the port it listens on (the chosen one for port 0)
   * @throws IOException if the port cannot be bound
   */
  public int start() throws IOException {
    server.start();
    return port();
  }

  /** The port declared in Join: the Broadcast server's, or the declared one in-process. */
  public int port() {
    return server.getPort() > 0 ? server.getPort() : declaredPort;
  }

  /**
   * Joins the chat.
   *
   * @return the JOINED event that announces this participant
   * @throws StatusRuntimeException with the server's refusal (e.g. {@code ALREADY_EXISTS}) or a
   *     transport status (e.g. {@code UNAVAILABLE} when no server answers)
   */
  public ChatEvent join() {
    clock.tick(EventDetails.action("join", "join as " + name + " with callback port " + port()));
    JoinResponse response = client.join(name, port(), secret);
    state.set(State.JOINED);
    return response.getJoined();
  }

  /**
   * Publishes one line. Never throws for a refusal or a transport failure: the result says why the
   * message was not sent, so that nothing the user typed is dropped silently.
   */
  public PublishResult publish(String text) {
    clock.tick(EventDetails.action("publish", text));
    try {
      return new PublishResult(client.publish(CallMetadata.newCallId(), text).getEvent(), null);
    } catch (StatusRuntimeException e) {
      return new PublishResult(null, e.getStatus());
    }
  }

  /**
   * Leaves the chat (once; later calls do nothing), then waits up to the drain timeout until the
   * events created before the leave are delivered.
   *
   * @return the LEFT event, or {@code null} if this participant had not joined or had already left
   * @throws StatusRuntimeException if the server refused or could not be reached
   */
  public ChatEvent leave() throws InterruptedException {
    if (!state.compareAndSet(State.JOINED, State.LEFT)) {
      return null;
    }
    clock.tick(EventDetails.action("leave", name + " leaves"));
    LeaveResponse response = client.leave();
    long before = response.getLeft().getSequence() - 1;
    if (!deliveries.awaitThrough(before, drainTimeout)) {
      screen.show(
          "Left before every earlier message arrived (delivered through #"
              + deliveries.lastSequence() + " of #" + before + ").");
    }
    return response.getLeft();
  }

  /** Whether the participant has joined and not left. */
  public boolean joined() {
    return state.get() == State.JOINED;
  }

  /** The participant's deliveries, for the UI and tests. */
  public Deliveries deliveries() {
    return deliveries;
  }

  /** The participant's Lamport clock. */
  public LamportClock clock() {
    return clock;
  }

  /** The participant's chat name. */
  public String name() {
    return name;
  }

  /** Stops the Broadcast server (waiting up to 5 s for calls in progress). */
  public void stop() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
    executor.shutdown();
  }

  /** A one-line description of a status for the user, e.g. "Message too long (...)". */
  public static String describe(Status status) {
    String description = status.getDescription();
    return switch (status.getCode()) {
      case UNAVAILABLE -> "the chat server is unreachable"
          + (description == null ? "" : " (" + PrintableText.escape(description) + ")");
      case DEADLINE_EXCEEDED -> "the chat server did not answer in time";
      default -> description == null ? status.getCode().name() : PrintableText.escape(description);
    };
  }
}

package dev.chitchat.participant;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveResponse;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.ClockServerInterceptor;
import dev.chitchat.rpc.MalformedRequests;
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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One participant: its own {@code Participant} (Broadcast) server, and its calls to the chat
 * server. Each user action ticks the participant's Lamport clock once as an attempted action
 * ({@code join}, {@code publish}, {@code leave}) before its request is sent.
 *
 * <p>Lifecycle: {@link #start} (serve Broadcast), {@link #join}, any number of {@link #publish},
 * {@link #leave} (which waits until the events created before the leave are delivered), {@link
 * #stop}.
 *
 * <p>Failures. The server sends something (events or an empty probe) at least every second or so
 * while it considers this participant a member. When nothing has come for the server timeout, or
 * the server announces that it is stopping, or a call says this participant was removed, the
 * participant says so on its screen, logs it (a {@code server-lost} or {@code removed} action), and
 * counts itself out of the chat: {@link #join} may be called again, and with {@code rejoin} it is,
 * with backoff (0.5 s doubling to 5 s), until it succeeds or the user leaves. Its Lamport clock
 * carries on throughout; a restarted server catches up through the receive rule.
 *
 * <p>Thread-safe.
 */
public final class ParticipantNode {

  /** The outcome of a publish: the event as ordered by the server, or why it was not sent. */
  public record PublishResult(ChatEvent event, Status refusal) {
    /** Whether the message was ordered and queued for every participant. */
    public boolean sent() {
      return refusal == null;
    }
  }

  /**
   * How the participant watches the server.
   *
   * @param serverTimeout how long without any Broadcast (probes included) before the server is
   *     considered lost
   * @param rejoin whether to join again, with backoff, after losing the server or being removed
   */
  public record Watch(Duration serverTimeout, boolean rejoin) {
    /** The defaults: 5 s, no automatic rejoin. */
    public static Watch defaults() {
      return new Watch(Duration.ofSeconds(5), false);
    }
  }

  private enum State { NEW, JOINED, OUT, LEFT }

  private static final long FIRST_REJOIN_MILLIS = 500;
  private static final long MAX_REJOIN_MILLIS = 5000;

  private final String name;
  private final int declaredPort;
  private final LamportClock clock;
  private final Object leaving = new Object();
  private final ChatClient client;
  private final Screen screen;
  private final Duration drainTimeout;
  private final Watch watch;
  private final String secret = CallMetadata.newSecret();
  private final Deliveries deliveries;
  private final ExecutorService executor;
  private final ScheduledExecutorService timer;
  private final Server server;

  private State state = State.NEW;
  /** Why the participant is out: true when it lost the server, false when the server removed it. */
  private boolean outOfTouch;
  /** The server run of the current session (from the JoinResponse). */
  private String sessionServer;
  private long lastContact = System.nanoTime();
  private long lastWatch = System.nanoTime();
  private long rejoinDelay = FIRST_REJOIN_MILLIS;
  private boolean rejoinScheduled;
  private volatile java.util.function.Consumer<ChatEvent> deliveryListener = event -> {};

  /**
   * A participant with the default {@link Watch}.
   *
   * @see #ParticipantNode(String, int, LamportClock, Channel, ServerBuilder, Screen, Duration,
   *     Duration, Watch)
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
    this(name, declaredPort, clock, serverChannel, callbackServer, screen, rpcDeadline,
        drainTimeout, Watch.defaults());
  }

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
   * @param watch how the server is watched, and whether to rejoin
   */
  public ParticipantNode(
      String name,
      int declaredPort,
      LamportClock clock,
      Channel serverChannel,
      ServerBuilder<?> callbackServer,
      Screen screen,
      Duration rpcDeadline,
      Duration drainTimeout,
      Watch watch) {
    this.name = name;
    this.declaredPort = declaredPort;
    this.clock = clock;
    this.screen = screen;
    this.drainTimeout = drainTimeout;
    this.watch = watch;
    this.client = new ChatClient(serverChannel, rpcDeadline);
    this.deliveries = new Deliveries(clock, screen, this::delivered);
    this.executor =
        Executors.newFixedThreadPool(2, new ThreadFactoryBuilder()
            .setNameFormat(name + "-broadcast-%d").setDaemon(true).build());
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            new ThreadFactoryBuilder().setNameFormat(name + "-watch").setDaemon(true).build());
    BroadcastService broadcasts = new BroadcastService(secret, deliveries, clock, this::contact);
    this.server =
        callbackServer
            .executor(executor)
            .maxInboundMessageSize(4 * 1024 * 1024)
            .addService(
                ServerInterceptors.intercept(
                    MalformedRequests.guard(broadcasts.bindService()),
                    MalformedRequests.interceptor(clock),
                    new ClockServerInterceptor(clock, broadcasts.authenticator())))
            .build();
  }

  /**
   * Starts the Broadcast server and the watch on the chat server.
   *
   * @return the port it listens on (the chosen one for port 0)
   * @throws IOException if the port cannot be bound
   */
  public int start() throws IOException {
    server.start();
    long period = Math.max(10, watch.serverTimeout().toMillis() / 5);
    timer.scheduleWithFixedDelay(this::watchServer, period, period, TimeUnit.MILLISECONDS);
    return port();
  }

  /** The port declared in Join: the Broadcast server's, or the declared one in-process. */
  public int port() {
    return server.getPort() > 0 ? server.getPort() : declaredPort;
  }

  /**
   * Joins the chat (again, after being removed or losing the server).
   *
   * @return the JOINED event that announces this participant
   * @throws StatusRuntimeException with the server's refusal (e.g. {@code ALREADY_EXISTS}) or a
   *     transport status (e.g. {@code UNAVAILABLE} when no server answers)
   * @throws IllegalStateException if already joined, or after leaving
   */
  public ChatEvent join() {
    synchronized (this) {
      if (state == State.JOINED || state == State.LEFT) {
        throw new IllegalStateException(name + " cannot join: " + state);
      }
      if (state == State.OUT) {
        deliveries.expectGap();
      }
    }
    clock.tick(EventDetails.action("join", "join as " + name + " with callback port " + port()));
    JoinResponse response = client.join(name, port(), secret);
    synchronized (this) {
      state = State.JOINED;
      sessionServer = response.getServerId();
      lastContact = System.nanoTime();
      rejoinDelay = FIRST_REJOIN_MILLIS;
    }
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
      if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
        out("removed", "the server no longer counts " + name + " as a participant: "
            + describe(e.getStatus()));
      }
      return new PublishResult(null, e.getStatus());
    }
  }

  /**
   * Sets the listener told of every delivered chat event, after it is shown, on the thread that
   * delivers it (a Broadcast handler thread), one event at a time in sequence order. It must be
   * quick and must not block.
   */
  public void onDelivery(java.util.function.Consumer<ChatEvent> listener) {
    deliveryListener = java.util.Objects.requireNonNull(listener, "listener");
  }

  /**
   * Leaves the chat (once; later calls do nothing), then waits up to the drain timeout until the
   * events created before the leave are delivered. A call while another thread is leaving waits
   * until that leave has ended, its response's receive event included; so a shutdown hook that
   * calls it before stopping the logs never cuts off a leave the chat loop started.
   *
   * @return the LEFT event, or {@code null} if this participant was not in the chat (or another
   *     call left)
   * @throws StatusRuntimeException if the server refused or could not be reached
   */
  public ChatEvent leave() throws InterruptedException {
    synchronized (leaving) {
      synchronized (this) {
        boolean wasIn = state == State.JOINED;
        state = State.LEFT;
        if (!wasIn) {
          return null;
        }
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
  }

  /**
   * After a first {@link #join} failed: keeps trying in the background, with backoff, as {@code
   * rejoin} does (the server may not be up yet, or may still hold this name for a crashed
   * predecessor). Does nothing unless the participant rejoins automatically and has never joined.
   *
   * @return whether it will keep trying
   */
  public boolean keepTryingToJoin() {
    synchronized (this) {
      if (!watch.rejoin() || state != State.NEW) {
        return false;
      }
      state = State.OUT;
    }
    scheduleRejoin();
    return true;
  }

  /** Whether the participant is in the chat: joined, not left, not removed, server not lost. */
  public synchronized boolean joined() {
    return state == State.JOINED;
  }

  /** Whether the participant may join (again): it is not in the chat and has not left. */
  public synchronized boolean canJoin() {
    return state == State.NEW || state == State.OUT;
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

  /** Stops the watch and the Broadcast server (waiting up to 5 s for calls in progress). */
  public void stop() throws InterruptedException {
    synchronized (this) {
      if (state != State.LEFT) {
        state = State.LEFT;
      }
    }
    timer.shutdownNow();
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

  /**
   * Called on every Broadcast from the server this participant joined, probes included. If the
   * participant had counted the server as lost (it was paused, or slow), the server evidently still
   * counts it in: it is back in the chat, with the same session.
   */
  private void contact(String serverId) {
    boolean back;
    synchronized (this) {
      lastContact = System.nanoTime();
      back = state == State.OUT && outOfTouch && serverId.equals(sessionServer);
      if (back) {
        state = State.JOINED;
        rejoinDelay = FIRST_REJOIN_MILLIS;
      }
    }
    if (back) {
      long at = clock.tick(EventDetails.action("server-back", "the chat server still counts "
          + name + " in"));
      screen.show("[L=" + at + "] Back in touch with the chat server; still in the chat.");
    }
  }

  private void delivered(ChatEvent event) {
    deliveryListener.accept(event);
    if (event.getKind() == ChatEvent.Kind.SERVER_STOPPING) {
      out("server-stopping", "the chat server is shutting down");
    }
  }

  /** Runs every fifth of the server timeout: notices when the server has gone quiet. */
  private void watchServer() {
    long now = System.nanoTime();
    synchronized (this) {
      long sinceWatch = now - lastWatch;
      lastWatch = now;
      if (sinceWatch > 2 * watch.serverTimeout().toNanos() / 5 + TimeUnit.MILLISECONDS.toNanos(500)) {
        // This process was suspended (SIGSTOP, a debugger, a sleeping laptop): give the server a
        // fresh timeout to show that it still counts us in, rather than blaming it for our pause.
        lastContact = now;
        return;
      }
      if (state != State.JOINED || now - lastContact < watch.serverTimeout().toNanos()) {
        return;
      }
    }
    out("server-lost", "no broadcast or probe from the chat server for "
        + watch.serverTimeout().toMillis() / 1000.0 + " s: it is down, or removed " + name);
  }

  /** Counts this participant out of the chat, says why, and rejoins if asked to. */
  private void out(String action, String why) {
    synchronized (this) {
      if (state != State.JOINED) {
        return;
      }
      state = State.OUT;
      outOfTouch = action.equals("server-lost");
    }
    long at = clock.tick(EventDetails.action(action, why));
    String sentence = why.endsWith(".") ? why : why + ".";
    screen.show("[L=" + at + "] Out of the chat: " + sentence
        + (watch.rejoin() ? " Rejoining..." : " Type /join to join again, or /quit."));
    if (watch.rejoin()) {
      scheduleRejoin();
    }
  }

  private synchronized void scheduleRejoin() {
    if (rejoinScheduled || state != State.OUT) {
      return;
    }
    rejoinScheduled = true;
    long delay = rejoinDelay;
    rejoinDelay = Math.min(MAX_REJOIN_MILLIS, rejoinDelay * 2);
    try {
      timer.schedule(this::rejoin, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      rejoinScheduled = false; // stopping
    }
  }

  private void rejoin() {
    synchronized (this) {
      rejoinScheduled = false;
      if (state != State.OUT) {
        return;
      }
    }
    try {
      join();
      screen.show("[L=" + clock.time() + "] Rejoined Chitty-Chat as " + name + ".");
    } catch (StatusRuntimeException e) {
      scheduleRejoin();
    } catch (IllegalStateException e) {
      // Left or joined meanwhile: nothing to do.
    }
  }
}

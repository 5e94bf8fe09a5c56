package dev.chitchat.participant;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveResponse;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.GrpcClocks;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One participant: its own Broadcast server ({@link BroadcastServer}), its channel to the chat
 * server ({@link ServerChannel}), both built here through the participant's {@link GrpcClocks}, so
 * that neither exists without the Lamport clock stack; its membership ({@link Membership}) and the
 * watch on the server ({@link ServerWatch}). Each user action ticks the clock once as an attempted
 * action ({@code join}, {@code publish}, {@code leave}) before its request is sent.
 *
 * <p>Lifecycle: {@link #start} (serve Broadcast, watch the server), {@link #join}, any number of
 * {@link #publish}, {@link #leave} (which waits until the events created before the leave are
 * delivered), {@link #stop} (which also closes the channel).
 *
 * <p>Failures. The server sends something (events or an empty probe) at least every second or so
 * while it counts this participant in. When nothing has come for the server timeout, or the server
 * announces that it is stopping, or a call says this participant was removed, the participant says
 * so on its screen, logs it (a {@code server-lost}, {@code server-stopping} or {@code removed}
 * action), and counts itself out of the chat: {@link #join} may be called again, and with {@link
 * ParticipantSettings#rejoin} it is, with backoff, until it succeeds or the user leaves. Its
 * Lamport clock carries on throughout; a restarted server catches up through the receive rule.
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

  private final ParticipantSettings settings;
  private final String name;
  private final LamportClock clock;
  private final Screen screen;
  private final String secret = CallMetadata.newSecret();
  private final Object leaving = new Object();
  private final Membership membership;
  private final Deliveries deliveries;
  private final ServerChannel serverChannel;
  private final ChatClient client;
  private final BroadcastServer broadcastServer;
  private final ServerWatch watch;
  private volatile Consumer<ChatEvent> deliveryListener = event -> {};

  /**
   * Builds the participant; nothing listens or connects until {@link #start} and {@link #join}.
   *
   * @param settings name, deadlines, timeouts, rejoin
   * @param clock the participant's Lamport clock
   * @param serverChannel the transport to the chat server (a Netty or in-process channel builder,
   *     not yet configured with any interceptor); the participant builds and owns the channel
   * @param broadcastServer the transport of the participant's own Broadcast server; the
   *     participant builds and owns the server
   * @param screen where delivered lines and messages appear
   */
  public ParticipantNode(
      ParticipantSettings settings,
      LamportClock clock,
      ManagedChannelBuilder<?> serverChannel,
      ServerBuilder<?> broadcastServer,
      Screen screen) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.name = settings.name();
    this.clock = clock;
    this.screen = screen;
    this.membership = new Membership(name);
    this.deliveries = new Deliveries(clock, screen, this::delivered);
    BroadcastService service = new BroadcastService(secret, deliveries, clock, this::contact);
    GrpcClocks clocks = GrpcClocks.create(clock, service.authenticator());
    this.serverChannel = new ServerChannel(serverChannel, clocks);
    this.client = new ChatClient(this.serverChannel.channel(), settings.rpcDeadline(),
        new PublishRetry(settings.publishAttempts(), this.serverChannel::freshConnection));
    this.broadcastServer =
        new BroadcastServer(broadcastServer, clocks, service, settings.declaredPort(), name);
    String silence = "no broadcast or probe from the chat server for "
        + settings.serverTimeout().toMillis() / 1000.0 + " s: it is down, or removed " + name;
    this.watch = new ServerWatch(settings, membership, () -> out("server-lost", silence, silence));
  }

  /**
   * Starts the Broadcast server and the watch on the chat server.
   *
   * @return the port it listens on (the chosen one for port 0)
   * @throws IOException if the address or port cannot be bound
   */
  public int start() throws IOException {
    broadcastServer.start();
    watch.start();
    return port();
  }

  /** The port declared in Join: the Broadcast server's, or the declared one in-process. */
  public int port() {
    return broadcastServer.port();
  }

  /**
   * Joins the chat (again, after being removed or losing the server). A channel that is waiting
   * out gRPC's reconnect backoff reconnects at once, so a server that has just come back is
   * joined by the first attempt.
   *
   * @return the JOINED event that announces this participant
   * @throws StatusRuntimeException with the server's refusal (e.g. {@code ALREADY_EXISTS}) or a
   *     transport status (e.g. {@code UNAVAILABLE} when no server answers)
   * @throws IllegalStateException if already joined, or after leaving
   */
  public ChatEvent join() {
    if (membership.beginJoin()) {
      deliveries.expectGap();
    }
    serverChannel.freshConnection();
    clock.tick(EventDetails.action("join", "join as " + name + " with callback port " + port()));
    JoinResponse response = client.join(name, port(), secret);
    if (membership.joined(response.getServerId())) {
      watch.rejoined();
    }
    return response.getJoined();
  }

  /**
   * Publishes one line, sending it again under the same message id while its outcome is in doubt
   * (see {@link PublishRetry}). Never throws for a refusal or a transport failure: the result says
   * why the message was not sent, so that nothing the user typed is dropped silently. Blocks up
   * to the attempts' deadlines and backoff.
   */
  public PublishResult publish(String text) {
    clock.tick(EventDetails.action("publish", text));
    try {
      return new PublishResult(client.publish(CallMetadata.newCallId(), text).getEvent(), null);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
        out("removed", "the server no longer counts " + name + " as a participant: "
            + dev.chitchat.rules.PrintableText.escape(String.valueOf(e.getStatus().getDescription())),
            StatusText.removal(e.getStatus()));
      }
      return new PublishResult(null, e.getStatus());
    }
  }

  /**
   * Sets the listener told of every delivered chat event, after it is shown, on the thread that
   * delivers it (a Broadcast handler thread), one event at a time in sequence order. It must be
   * quick and must not block.
   */
  public void onDelivery(Consumer<ChatEvent> listener) {
    deliveryListener = Objects.requireNonNull(listener, "listener");
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
      if (!membership.leave()) {
        return null;
      }
      clock.tick(EventDetails.action("leave", name + " leaves"));
      LeaveResponse response = client.leave();
      long before = response.getLeft().getSequence() - 1;
      if (!deliveries.awaitThrough(before, settings.drainTimeout())) {
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
    if (!settings.rejoin() || !membership.outBeforeFirstJoin()) {
      return false;
    }
    watch.scheduleRejoin(this::rejoin);
    return true;
  }

  /**
   * Waits until the channel to the chat server is connected (a server that is still starting), for
   * at most {@code timeout}. gRPC reconnects with its own backoff meanwhile.
   *
   * @return whether it connected in time
   */
  public boolean awaitServer(Duration timeout) throws InterruptedException {
    return serverChannel.awaitReady(timeout);
  }

  /** Whether the participant is in the chat: joined, not left, not removed, server not lost. */
  public boolean joined() {
    return membership.state() == Membership.State.JOINED;
  }

  /** Whether the participant may join (again): it is not in the chat and has not left. */
  public boolean canJoin() {
    Membership.State state = membership.state();
    return state == Membership.State.NEW || state == Membership.State.OUT;
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

  /**
   * Stops the watch, the Broadcast server (waiting up to 5 s for calls in progress) and the
   * channel to the server (up to 2 s). Does not leave: call {@link #leave} first.
   */
  public void stop() throws InterruptedException {
    membership.leave();
    watch.stop();
    broadcastServer.stop();
    serverChannel.shutdown();
  }

  /**
   * Called on every Broadcast from the server this participant joined, probes included. If the
   * participant had counted the server as lost (it was paused, or slow), the server evidently still
   * counts it in: it is back in the chat, with the same session.
   */
  private void contact(String serverId) {
    if (membership.contact(serverId)) {
      watch.rejoined();
      long at = clock.tick(EventDetails.action("server-back", "the chat server still counts "
          + name + " in"));
      screen.show("[L=" + at + "] Back in touch with the chat server; still in the chat.");
    }
  }

  private void delivered(ChatEvent event) {
    deliveryListener.accept(event);
    if (event.getKind() == ChatEvent.Kind.SERVER_STOPPING) {
      out("server-stopping", "the chat server is shutting down", "the chat server is shutting down");
    }
  }

  /**
   * Counts this participant out of the chat, logs {@code logged} as the action's text, tells the
   * user {@code why}, and rejoins if asked to.
   */
  private void out(String action, String logged, String why) {
    if (!membership.out(action.equals("server-lost"))) {
      return;
    }
    long at = clock.tick(EventDetails.action(action, logged));
    String sentence = why.endsWith(".") ? why : why + ".";
    screen.show("[L=" + at + "] Out of the chat: " + sentence
        + (settings.rejoin() ? " Rejoining..." : " Type /join to join again, or /quit."));
    if (settings.rejoin()) {
      watch.scheduleRejoin(this::rejoin);
    }
  }

  /** One automatic rejoin attempt; returns whether to stop trying. */
  private boolean rejoin() {
    if (membership.state() != Membership.State.OUT) {
      return true;
    }
    try {
      join();
      screen.show("[L=" + clock.time() + "] Rejoined Chitty-Chat as " + name + ".");
      return true;
    } catch (StatusRuntimeException e) {
      return false;
    } catch (IllegalStateException e) {
      return true; // left or joined meanwhile
    }
  }
}

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
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.Function;

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
 * <p>Replicas. Given several addresses ({@link ParticipantSettings#servers}), it joins through the
 * first that answers, and when its replica stops answering (silence as above, its connection
 * drops and cannot be made again, a Publish or Leave ends in {@code UNAVAILABLE} or {@code
 * DEADLINE_EXCEEDED}, or it announces that it stops) it moves to the next by itself, on the watch's
 * timer thread: it logs a {@code failover} action and sends Join with {@code resume_session} (its
 * session token) and {@code delivered_through} (the highest sequence delivered), trying the
 * replicas round-robin with the rejoin backoff while none answers. The session and its sequence
 * numbers go on; the new replica's replay of events already delivered is skipped. A Publish caught
 * in the move is sent again to the new replica after the resume, under its message id ({@link
 * PublishRetry}). A resume refused ({@code FAILED_PRECONDITION}, {@code UNAUTHENTICATED}) counts
 * the participant out as a removal does ({@code resume-refused}), and {@code rejoin} joins anew.
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
  /** The process name each replica gave in its last JoinResponse; null until it answered one. */
  private final AtomicReferenceArray<String> replicaNames;
  /** Guards {@link #movingFrom} together with the start of a move. */
  private final Object moveLock = new Object();
  /** The replica the current move started from (see {@link #moveRound}). */
  private int movingFrom;
  /** Whether the user was told that no other replica answers yet, in this move. */
  private volatile boolean toldStillTrying;
  private volatile Consumer<ChatEvent> deliveryListener = event -> {};

  /**
   * Builds the participant for one server; nothing listens or connects until {@link #start} and
   * {@link #join}. {@link ParticipantSettings#servers} is not used.
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
    this(settings, clock, List.of(""), address -> serverChannel, broadcastServer, screen);
  }

  /**
   * Builds the participant for the replicas {@link ParticipantSettings#servers} of a chat (one
   * address is a single server); nothing listens or connects until {@link #start} and {@link
   * #join}.
   *
   * @param settings name, deadlines, timeouts, rejoin, the replicas' addresses (at least one)
   * @param clock the participant's Lamport clock
   * @param serverChannels the transport to one replica address (a Netty or in-process channel
   *     builder, not yet configured with any interceptor), called once per address when it is
   *     first used; the participant builds and owns the channels
   * @param broadcastServer the transport of the participant's own Broadcast server; the
   *     participant builds and owns the server
   * @param screen where delivered lines and messages appear
   * @throws IllegalArgumentException if {@code settings} names no server address
   */
  public ParticipantNode(
      ParticipantSettings settings,
      LamportClock clock,
      Function<String, ManagedChannelBuilder<?>> serverChannels,
      ServerBuilder<?> broadcastServer,
      Screen screen) {
    this(settings, clock, settings.servers(), serverChannels, broadcastServer, screen);
  }

  private ParticipantNode(
      ParticipantSettings settings,
      LamportClock clock,
      List<String> servers,
      Function<String, ManagedChannelBuilder<?>> serverChannels,
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
    this.serverChannel = new ServerChannel(servers, serverChannels, clocks);
    this.replicaNames = new AtomicReferenceArray<>(servers.size());
    PublishRetry.Failover failover = servers.size() < 2 ? PublishRetry.Failover.NONE
        : new PublishRetry.Failover() {
          @Override
          public long epoch() {
            return serverChannel.epoch();
          }

          @Override
          public boolean movesOn(StatusRuntimeException failure) {
            return failure.getStatus().getCode() == Status.Code.UNAVAILABLE;
          }

          @Override
          public PublishRetry.Move recover(long epoch, StatusRuntimeException failure) {
            return afterFailure(epoch, failure);
          }
        };
    this.client = new ChatClient(this.serverChannel, settings.rpcDeadline(),
        new PublishRetry(settings.publishAttempts(), this.serverChannel::freshConnection, failover,
            2 * servers.size()));
    this.broadcastServer =
        new BroadcastServer(broadcastServer, clocks, service, settings.declaredPort(), name);
    String silence = "no broadcast or probe from the chat server for "
        + settings.serverTimeout().toMillis() / 1000.0 + " s: it is down, or removed " + name;
    this.watch = new ServerWatch(settings, membership, () -> {
      if (!replicaLost(serverChannel.epoch(), "silence")) {
        out("server-lost", silence, silence);
      }
    });
    this.serverChannel.onGone(epoch -> replicaLost(epoch, "connection lost"));
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
   * joined by the first attempt. With several replicas, it tries them in order from the current
   * one, moving on while one does not answer ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}), and
   * joins through the first that does. Blocks the calling thread up to one deadline per replica.
   *
   * @return the JOINED event that announces this participant
   * @throws StatusRuntimeException with the server's refusal (e.g. {@code ALREADY_EXISTS}) or a
   *     transport status (e.g. {@code UNAVAILABLE} when no server or replica answers: the last
   *     replica's)
   * @throws IllegalStateException if already joined, or after leaving
   */
  public ChatEvent join() {
    if (membership.beginJoin()) {
      deliveries.expectGap();
    }
    int replicas = serverChannel.size();
    int first = serverChannel.current();
    for (int tried = 0; ; tried++) {
      int replica = (first + tried) % replicas;
      serverChannel.freshConnection(replica);
      clock.tick(EventDetails.action("join", "join as " + name + " with callback port " + port()
          + (replicas > 1 ? " through " + serverChannel.address(replica) : "")));
      JoinResponse response;
      try {
        response = client.join(replica, name, port(), secret, "", 0);
      } catch (StatusRuntimeException e) {
        if (tried + 1 >= replicas || !notAnswering(e)) {
          throw e;
        }
        continue; // this replica does not answer: the next one may
      }
      serverChannel.moveTo(replica);
      replicaNames.set(replica, response.getReplica().isEmpty() ? null : response.getReplica());
      if (membership.joined(response.getServerId())) {
        watch.rejoined();
      }
      return response.getJoined();
    }
  }

  /**
   * The current replica: its name (from its last JoinResponse) and its address, e.g. {@code s2
   * (localhost:50052)}, or the address alone before it answered a Join (or for a server that gives
   * no name). Thread-safe; never blocks.
   */
  public String replica() {
    return describe(serverChannel.current(), true);
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
   * <p>With several replicas, a Leave that the replica does not answer is sent again, once, to the
   * next replica that resumes the session.
   *
   * @throws StatusRuntimeException if the server refused or could not be reached
   */
  public ChatEvent leave() throws InterruptedException {
    synchronized (leaving) {
      if (!membership.leave()) {
        return null;
      }
      clock.tick(EventDetails.action("leave", name + " leaves"));
      LeaveResponse response;
      try {
        response = client.leave();
      } catch (StatusRuntimeException e) {
        if (serverChannel.size() < 2 || !notAnswering(e)) {
          throw e;
        }
        // The replica stopped answering: continue the session on another one and leave there.
        if (resumeRound(serverChannel.current(), true) < 0) {
          throw e;
        }
        clock.tick(EventDetails.action("leave", name + " leaves"));
        response = client.leave();
      }
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
   * at most {@code timeout}. gRPC reconnects with its own backoff meanwhile. With several replicas,
   * until one of them is connected; the next {@link #join} tries that one first. Blocks the calling
   * thread.
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
   * channels to the server's replicas (up to 2 s). Does not leave: call {@link #leave} first.
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
    if (event.getKind() == ChatEvent.Kind.SERVER_STOPPING
        && !replicaLost(serverChannel.epoch(), "stopping")) {
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

  /**
   * One automatic attempt to get back in: a round of the move to another replica while moving, a
   * rejoin while out. Returns whether to stop trying. Runs on the watch's timer thread.
   */
  private boolean rejoin() {
    Membership.State state = membership.state();
    if (state == Membership.State.MOVING) {
      return moveRound();
    }
    if (state != Membership.State.OUT) {
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

  /** Whether {@code e} means the replica did not answer: another replica may. */
  private static boolean notAnswering(StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }

  /**
   * The replica current in {@code epoch} stopped answering ({@code why}: silence, a lost
   * connection, a failed call, its announced stop): starts moving the session to the next
   * replica, on the watch's timer thread. Any thread.
   *
   * @return whether a move is (now or already) under way: false for a single server, or when the
   *     participant is not in the chat, so the caller goes on as for a single server
   */
  private boolean replicaLost(long epoch, String why) {
    if (serverChannel.size() < 2) {
      return false;
    }
    if (epoch != serverChannel.epoch()) {
      return membership.state() == Membership.State.MOVING; // already moved on from that replica
    }
    synchronized (moveLock) {
      if (!membership.beginMove()) {
        return membership.state() == Membership.State.MOVING;
      }
      movingFrom = serverChannel.current();
      toldStillTrying = false;
    }
    watch.scheduleNow(this::rejoin);
    return true;
  }

  /**
   * A Publish attempt made in {@code epoch} failed with {@code failure}: moves the session if that
   * replica stopped answering, and waits until the move has ended (bounded). Publishing thread.
   */
  private PublishRetry.Move afterFailure(long epoch, StatusRuntimeException failure) {
    String session = client.session();
    if (!notAnswering(failure)) {
      return PublishRetry.Move.STAYED;
    }
    replicaLost(epoch, "failed call"); // unless it has moved, or is moving, already
    Duration wait = settings.rpcDeadline().multipliedBy(serverChannel.size() + 1L)
        .plus(settings.maxRejoinDelay()).plus(settings.serverTimeout());
    Membership.State state;
    try {
      state = membership.awaitSettled(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return PublishRetry.Move.ENDED;
    }
    if (state == Membership.State.JOINED && Objects.equals(session, client.session())) {
      return serverChannel.epoch() != epoch ? PublishRetry.Move.MOVED : PublishRetry.Move.STAYED;
    }
    return state == Membership.State.MOVING ? PublishRetry.Move.STAYED : PublishRetry.Move.ENDED;
  }

  /**
   * One round of the move: tries to resume the session on each other replica in order, then on the
   * one it came from. Returns whether to stop trying (moved, refused, or no longer moving); on
   * false the watch runs another round after its backoff. Timer thread.
   */
  private boolean moveRound() {
    if (membership.state() != Membership.State.MOVING) {
      return true;
    }
    int from;
    synchronized (moveLock) {
      from = movingFrom;
    }
    try {
      int to = resumeRound(from, false);
      if (to >= 0) {
        return true;
      }
    } catch (StatusRuntimeException refused) {
      boolean gone = refused.getStatus().getCode() == Status.Code.UNAUTHENTICATED;
      String why = "server " + describe(from, false) + " lost, and "
          + (gone ? StatusText.removal(refused.getStatus())
              : "the chat no longer holds the messages since you last heard from it");
      out("resume-refused", "could not resume the session: " + refused.getStatus().getCode() + " "
          + dev.chitchat.rules.PrintableText.escape(String.valueOf(refused.getStatus().getDescription())),
          capitalised(why));
      return true;
    }
    if (!toldStillTrying) {
      toldStillTrying = true;
      screen.show("[L=" + clock.time() + "] Server " + describe(from, false)
          + " lost, and no other server answers yet. Still trying...");
    }
    return false;
  }

  /**
   * Tries to resume the session on each replica after {@code from} in order, {@code from} last,
   * until one answers. Each attempt logs a {@code failover} action, then sends Join with the
   * session token and the highest sequence delivered.
   *
   * @param leaving whether the participant is leaving (then it moves without changing membership)
   * @return the replica it moved to, or -1 if none answered
   * @throws StatusRuntimeException {@code FAILED_PRECONDITION} or {@code UNAUTHENTICATED}: a
   *     replica answered that the session cannot be resumed
   */
  private int resumeRound(int from, boolean leaving) {
    String session = client.session();
    int replicas = serverChannel.size();
    for (int step = 1; step <= replicas; step++) {
      if (!leaving && membership.state() != Membership.State.MOVING) {
        return -1;
      }
      int to = (from + step) % replicas;
      long through = deliveries.lastSequence();
      clock.tick(EventDetails.action("failover", "moved from " + describe(from, false) + " to "
          + describe(to, false) + "; resume the session after event #" + through));
      serverChannel.freshConnection(to);
      JoinResponse response;
      try {
        response = client.join(to, name, port(), secret, session, through);
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.FAILED_PRECONDITION || code == Status.Code.UNAUTHENTICATED) {
          throw e;
        }
        continue; // does not answer (or cannot take us now): try the next
      }
      serverChannel.moveTo(to);
      replicaNames.set(to, response.getReplica().isEmpty() ? null : response.getReplica());
      if (leaving || !membership.moved(response.getServerId())) {
        return to;
      }
      watch.rejoined();
      screen.show("[L=" + clock.time() + "] Server " + describe(from, false) + " lost: moved to "
          + describe(to, true) + ", nothing missed.");
      return to;
    }
    return -1;
  }

  /** Replica {@code index} as its name, else its address; with both when {@code full} and known. */
  private String describe(int index, boolean full) {
    String known = replicaNames.get(index);
    String address = serverChannel.address(index);
    if (known == null) {
      return address;
    }
    return full ? known + " (" + address + ")" : known;
  }

  private static String capitalised(String text) {
    return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }
}

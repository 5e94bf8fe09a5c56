package dev.chitchat.server;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.BroadcastResponse;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ParticipantGrpc;
import dev.chitchat.rpc.CallMetadata;
import io.github.resilience4j.core.IntervalFunction;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server's outbound path to one participant: a FIFO queue of chat events and at most one {@code
 * Broadcast} in flight, which carries everything queued (up to {@code maxBatch} events). So a slow
 * or unreachable participant only delays itself, and delivery order is the queue's order, which is
 * sequence order because the {@link ChatRoom} enqueues under its lock.
 *
 * <p>A state machine ({@link State}): {@code IDLE} → {@code WAITING} (for a permit of the
 * server-wide {@link BroadcastWindow}, which bounds the calls in flight over all participants) →
 * {@code SENDING} → {@code IDLE} on success, or {@code RETRYING} on failure → {@code SENDING} → ...;
 * {@code CLOSED} at the end. A link that is {@linkplain #closeAfterDrain draining} (its participant
 * left) delivers what is still queued, with a few attempts at most, then closes.
 *
 * <p>Failure detection: a participant that has been idle for {@code probeInterval} is sent an empty
 * Broadcast (a probe). A failed Broadcast is retried with exponential backoff ({@code firstRetry}
 * doubling up to {@code maxRetry}), carrying whatever is queued then; the participant skips events
 * it has already delivered, so a retry never delivers twice. When calls have been failing for
 * {@code giveUpAfter}, counted from the start of the first failed attempt, the link reports the
 * participant {@linkplain Listener#dead dead}. Probes and retries take no window permit (they are
 * rare and small).
 *
 * <p>Every call has a deadline. Calls start from the root {@link Context}, so a Broadcast started
 * while serving a Publish is not cancelled when that Publish returns.
 *
 * <p>Thread-safe: every method may be called from any thread; none blocks.
 */
final class ParticipantLink {

  private static final Logger LOG = LogManager.getLogger(ParticipantLink.class);

  /** Why the link gave up: the participant stopped answering. */
  static final String CONNECTION_LOST = "connection lost";

  /** Told when a participant stops answering. */
  @FunctionalInterface
  interface Listener {
    /** Called once, without the link's lock held, when the link gives up on its participant. */
    void dead(ParticipantLink link, String reason);
  }

  /**
   * How the link sends, probes, retries and gives up.
   *
   * @param deadline the deadline of every Broadcast
   * @param maxBatch the most events one Broadcast carries
   * @param firstRetry the first retry delay; it doubles up to {@code maxRetry}
   * @param maxRetry the longest retry delay
   * @param attemptsWhenClosing attempts left to deliver the last events to a participant that left
   * @param probeInterval how long a participant may be idle before it is probed
   * @param giveUpAfter how long calls may fail before the participant is reported dead
   */
  record Settings(Duration deadline, int maxBatch, Duration firstRetry, Duration maxRetry,
      int attemptsWhenClosing, Duration probeInterval, Duration giveUpAfter) {}

  /** Where the link stands. */
  enum State {
    /** Nothing in flight; events may be queued until the next {@link #flush}. */
    IDLE,
    /** Waiting for a permit of the server-wide window to send what is queued. */
    WAITING,
    /** One Broadcast (events, or a probe) in flight. */
    SENDING,
    /** The last call failed; the next attempt is scheduled. */
    RETRYING,
    /** The channel is shut down; nothing more is sent. */
    CLOSED
  }

  /** The call in flight, and whether it holds a window permit. */
  private record Call(BroadcastRequest request, boolean probe, boolean permit) {}

  private final String participant;
  private final String serverId;
  private final ManagedChannel channel;
  private final ParticipantGrpc.ParticipantFutureStub stub;
  private final ScheduledExecutorService scheduler;
  private final BroadcastWindow window;
  private final Settings settings;
  private final IntervalFunction backoff;
  private final Listener listener;
  private final LongSupplier nanoTime;

  private final Deque<ChatEvent> queue = new ArrayDeque<>();
  private State state = State.IDLE;
  private boolean draining;
  private long lastContact;
  private long attemptStarted;
  private long failingSince;
  private int failures;

  /**
   * @param participant the participant's process name, for the logs
   * @param serverId this server run's id, carried by every Broadcast
   * @param channel the channel to its Broadcast service; the link owns and eventually shuts it down
   * @param secret the participant's callback secret, presented on every call
   * @param clockInterceptor the client half of the server's clock stack ({@link
   *     dev.chitchat.rpc.GrpcClocks#newClientInterceptor}), which ticks every call
   * @param scheduler runs retries
   * @param window the server-wide bound on Broadcasts in flight
   * @param listener told when the participant is dead
   * @param nanoTime the monotonic clock, in nanoseconds ({@code System::nanoTime})
   */
  ParticipantLink(
      String participant,
      String serverId,
      ManagedChannel channel,
      String secret,
      ClientInterceptor clockInterceptor,
      ScheduledExecutorService scheduler,
      BroadcastWindow window,
      Settings settings,
      Listener listener,
      LongSupplier nanoTime) {
    this.participant = participant;
    this.serverId = serverId;
    this.channel = channel;
    this.scheduler = scheduler;
    this.window = window;
    this.settings = settings;
    this.backoff = IntervalFunction.ofExponentialBackoff(settings.firstRetry(), 2, settings.maxRetry());
    this.listener = listener;
    this.nanoTime = nanoTime;
    this.lastContact = nanoTime.getAsLong();
    this.stub =
        ParticipantGrpc.newFutureStub(
            ClientInterceptors.intercept(
                channel,
                MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(secret)),
                clockInterceptor));
  }

  /** The participant's process name. */
  String participant() {
    return participant;
  }

  /** Appends an event to the queue; call {@link #flush} after releasing the room's lock. */
  synchronized void enqueue(ChatEvent event) {
    if (!draining && state != State.CLOSED) {
      queue.addLast(event);
    }
  }

  /** The number of events queued and not yet acknowledged. */
  synchronized int backlog() {
    return queue.size();
  }

  /**
   * Starts a Broadcast of everything queued when the link is idle: it waits for a permit of the
   * server-wide window, then carries whatever is queued at that moment.
   */
  void flush() {
    synchronized (this) {
      if (state != State.IDLE) {
        return;
      }
      if (queue.isEmpty()) {
        if (draining) {
          closeLocked();
        }
        return;
      }
      state = State.WAITING;
    }
    window.request(this::sendWithPermit);
  }

  /** Runs with a permit of the window: sends what is queued, or gives the permit back. */
  private void sendWithPermit() {
    Call call = null;
    synchronized (this) {
      if (state == State.WAITING) {
        if (queue.isEmpty()) {
          state = State.IDLE;
        } else {
          call = startLocked(false, true);
        }
      }
    }
    if (call == null) {
      window.release();
      flush(); // the link closed, or its queue emptied: flush sorts it out
      return;
    }
    send(call);
  }

  /**
   * Called periodically: probes the participant if it has been idle for the probe interval, and
   * reports it dead if its calls have been failing for too long.
   */
  void check() {
    boolean dead = false;
    Call probe = null;
    synchronized (this) {
      if (state == State.CLOSED || draining) {
        return;
      }
      long now = nanoTime.getAsLong();
      if (failures > 0 && now - failingSince >= settings.giveUpAfter().toNanos()) {
        dead = true;
        queue.clear();
        closeLocked();
      } else if (state == State.IDLE && queue.isEmpty()
          && now - lastContact >= settings.probeInterval().toNanos()) {
        probe = startLocked(true, false);
      }
    }
    if (dead) {
      LOG.warn("{} stopped answering: removing it", participant);
      listener.dead(this, CONNECTION_LOST);
    } else if (probe != null) {
      send(probe);
    }
  }

  /**
   * Delivers what is still queued (with a few attempts at most), then shuts the channel down. Used
   * when the participant leaves: it still receives the events created while it was a member.
   */
  void closeAfterDrain() {
    synchronized (this) {
      draining = true;
      failures = 0;
    }
    flush();
  }

  /** Drops the queue and shuts the channel down now. */
  synchronized void closeNow() {
    queue.clear();
    closeLocked();
  }

  /** Whether the link is closed or draining. */
  synchronized boolean isClosed() {
    return state == State.CLOSED || draining;
  }

  private Call startLocked(boolean probe, boolean permit) {
    state = State.SENDING;
    attemptStarted = nanoTime.getAsLong();
    BroadcastRequest.Builder batch = BroadcastRequest.newBuilder().setServerId(serverId);
    if (!probe) {
      for (ChatEvent event : queue) {
        if (batch.getEventsCount() == settings.maxBatch()) {
          break;
        }
        batch.addEvents(event);
      }
    }
    return new Call(batch.build(), probe, permit);
  }

  private void closeLocked() {
    if (state != State.CLOSED) {
      state = State.CLOSED;
      channel.shutdown();
    }
  }

  private void send(Call call) {
    ListenableFuture<BroadcastResponse> response;
    try {
      ParticipantGrpc.ParticipantFutureStub deadlined =
          stub.withDeadlineAfter(settings.deadline().toMillis(), TimeUnit.MILLISECONDS);
      ParticipantGrpc.ParticipantFutureStub labelled =
          call.probe() ? deadlined.withOption(CallMetadata.LABEL_OPTION, "probe") : deadlined;
      response = Context.ROOT.call(() -> labelled.broadcast(call.request()));
    } catch (Exception e) {
      onFailure(call, Status.fromThrowable(e));
      return;
    }
    Futures.addCallback(
        response,
        new FutureCallback<>() {
          @Override
          public void onSuccess(BroadcastResponse result) {
            onDelivered(call);
          }

          @Override
          public void onFailure(Throwable t) {
            ParticipantLink.this.onFailure(call, Status.fromThrowable(t));
          }
        },
        MoreExecutors.directExecutor());
  }

  private void onDelivered(Call call) {
    if (call.permit()) {
      window.release();
    }
    synchronized (this) {
      for (int i = 0; i < call.request().getEventsCount() && !queue.isEmpty(); i++) {
        queue.removeFirst();
      }
      if (state == State.SENDING) {
        state = State.IDLE;
      }
      failures = 0;
      lastContact = nanoTime.getAsLong();
    }
    flush();
  }

  private void onFailure(Call call, Status status) {
    if (call.permit()) {
      window.release();
    }
    long delayMillis;
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      if (failures++ == 0) {
        failingSince = attemptStarted;
      }
      if (draining && failures >= settings.attemptsWhenClosing()) {
        LOG.warn(
            "Giving up on {} after it left: {} event(s) not delivered ({})",
            participant, queue.size(), describe(status));
        queue.clear();
        closeLocked();
        return;
      }
      state = State.RETRYING;
      delayMillis = backoff.apply(failures);
    }
    LOG.warn(
        "Broadcast of {} event(s) to {} failed ({}); retry {} in {} ms",
        call.request().getEventsCount(), participant, describe(status), failures, delayMillis);
    try {
      scheduler.schedule(this::retry, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      closeNow(); // the server is stopping
    }
  }

  /** A retry: the queued events, or another probe when nothing is queued. */
  private void retry() {
    Call call;
    synchronized (this) {
      if (state != State.RETRYING) {
        return;
      }
      if (queue.isEmpty() && draining) {
        closeLocked();
        return;
      }
      call = startLocked(queue.isEmpty(), false);
    }
    send(call);
  }

  private static String describe(Status status) {
    return status.getDescription() == null
        ? status.getCode().name()
        : status.getCode() + ": " + status.getDescription();
  }

  /** Events not yet acknowledged, oldest first (for tests and diagnostics). */
  synchronized List<ChatEvent> pending() {
    return new ArrayList<>(queue);
  }
}

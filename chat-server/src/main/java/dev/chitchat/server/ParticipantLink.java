package dev.chitchat.server;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.BroadcastResponse;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ParticipantGrpc;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.ClockClientInterceptor;
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
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server's outbound path to one participant: a FIFO queue of chat events and at most one {@code
 * Broadcast} in flight, which carries everything queued (up to {@code maxBatch} events). So a slow
 * or unreachable participant only delays itself, and delivery order is the queue's order, which is
 * sequence order because the {@link ChatRoom} enqueues under its lock.
 *
 * <p>A failed Broadcast is retried with exponential backoff, with the same events first; the
 * participant skips events it has already delivered, so a retry never delivers twice. Every call
 * has a deadline. Calls start from the root {@link Context}, so a Broadcast started while serving a
 * Publish is not cancelled when that Publish returns.
 *
 * <p>Thread-safe: {@link #enqueue} and {@link #flush} may be called from any thread.
 */
final class ParticipantLink {

  private static final Logger LOG = LogManager.getLogger(ParticipantLink.class);

  /** How the link sends, retries and closes. */
  record Settings(Duration deadline, int maxBatch, Duration firstRetry, Duration maxRetry,
      int attemptsWhenClosing) {}

  private final String participant;
  private final ManagedChannel channel;
  private final ParticipantGrpc.ParticipantFutureStub stub;
  private final ScheduledExecutorService scheduler;
  private final Settings settings;

  private final Deque<ChatEvent> queue = new ArrayDeque<>();
  private boolean inFlight;
  private boolean closing;
  private boolean closed;
  private int failures;

  /**
   * @param participant the participant's process name, for the logs
   * @param channel the channel to its Broadcast service; the link owns and eventually shuts it down
   * @param secret the participant's callback secret, presented on every call
   * @param clock the server's clock
   * @param scheduler runs retries
   */
  ParticipantLink(
      String participant,
      ManagedChannel channel,
      String secret,
      LamportClock clock,
      ScheduledExecutorService scheduler,
      Settings settings) {
    this.participant = participant;
    this.channel = channel;
    this.scheduler = scheduler;
    this.settings = settings;
    this.stub =
        ParticipantGrpc.newFutureStub(
            ClientInterceptors.intercept(
                channel,
                MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(secret)),
                new ClockClientInterceptor(clock, participant, CallMetadata.SERVER_ACCEPTED_TIME)));
  }

  /** Appends an event to the queue; call {@link #flush} after releasing the room's lock. */
  synchronized void enqueue(ChatEvent event) {
    if (!closing && !closed) {
      queue.addLast(event);
    }
  }

  /** The number of events queued and not yet acknowledged. */
  synchronized int backlog() {
    return queue.size();
  }

  /** Starts a Broadcast of everything queued, unless one is in flight or nothing is queued. */
  void flush() {
    BroadcastRequest request;
    synchronized (this) {
      if (inFlight || closed) {
        return;
      }
      if (queue.isEmpty()) {
        if (closing) {
          shutdownLocked();
        }
        return;
      }
      inFlight = true;
      BroadcastRequest.Builder batch = BroadcastRequest.newBuilder();
      for (ChatEvent event : queue) {
        if (batch.getEventsCount() == settings.maxBatch()) {
          break;
        }
        batch.addEvents(event);
      }
      request = batch.build();
    }
    send(request);
  }

  /**
   * Delivers what is still queued (with a few attempts at most), then shuts the channel down. Used
   * when the participant leaves: it still receives the events created while it was a member.
   */
  void closeAfterDrain() {
    synchronized (this) {
      closing = true;
      failures = 0;
    }
    flush();
  }

  /** Drops the queue and shuts the channel down now. */
  synchronized void closeNow() {
    queue.clear();
    shutdownLocked();
  }

  private void shutdownLocked() {
    if (!closed) {
      closed = true;
      channel.shutdown();
    }
  }

  private void send(BroadcastRequest request) {
    ListenableFuture<BroadcastResponse> response;
    try {
      response =
          Context.ROOT.call(
              () ->
                  stub.withDeadlineAfter(settings.deadline().toMillis(), TimeUnit.MILLISECONDS)
                      .broadcast(request));
    } catch (Exception e) {
      onFailure(request, Status.fromThrowable(e));
      return;
    }
    Futures.addCallback(
        response,
        new FutureCallback<>() {
          @Override
          public void onSuccess(BroadcastResponse result) {
            onDelivered(request);
          }

          @Override
          public void onFailure(Throwable t) {
            ParticipantLink.this.onFailure(request, Status.fromThrowable(t));
          }
        },
        MoreExecutors.directExecutor());
  }

  private void onDelivered(BroadcastRequest request) {
    synchronized (this) {
      for (int i = 0; i < request.getEventsCount() && !queue.isEmpty(); i++) {
        queue.removeFirst();
      }
      inFlight = false;
      failures = 0;
    }
    flush();
  }

  private void onFailure(BroadcastRequest request, Status status) {
    long delayMillis;
    synchronized (this) {
      inFlight = false;
      failures++;
      if (closed) {
        return;
      }
      if (closing && failures >= settings.attemptsWhenClosing()) {
        LOG.warn(
            "Giving up on {} after it left: {} event(s) not delivered ({})",
            participant, queue.size(), describe(status));
        queue.clear();
        shutdownLocked();
        return;
      }
      long first = settings.firstRetry().toMillis();
      delayMillis = Math.min(settings.maxRetry().toMillis(), first << Math.min(failures - 1, 16));
    }
    LOG.warn(
        "Broadcast of {} event(s) to {} failed ({}); retry {} in {} ms",
        request.getEventsCount(), participant, describe(status), failures, delayMillis);
    try {
      scheduler.schedule(this::flush, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      closeNow(); // the server is stopping
    }
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

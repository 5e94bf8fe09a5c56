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
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server's outbound path to one participant: a FIFO queue of chat events and at most one {@code
 * Broadcast} in flight, which carries everything queued (up to {@code maxBatch} events). So a slow
 * or unreachable participant only delays itself, and delivery order is the queue's order, which is
 * sequence order because the {@link ChatRoom} enqueues under its lock.
 *
 * <p>Failure detection: a participant that has been idle for {@code probeInterval} is sent an empty
 * Broadcast (a probe). A failed Broadcast is retried with exponential backoff, with the same events
 * first; the participant skips events it has already delivered, so a retry never delivers twice.
 * When calls have been failing for {@code giveUpAfter}, counted from the start of the first failed
 * attempt, the link reports the participant {@linkplain Listener#dead dead}. With the defaults (probe
 * every 1 s, give up after 3.5 s, checked every 0.5 s) a participant killed while idle is reported
 * within 5 s.
 *
 * <p>Pacing: an ordinary Broadcast starts at least {@code interval} after the previous call to the
 * same participant started; events queued in between ride in the next call. Under load this trades
 * at most one interval of delay for fewer, fuller calls (at 10,000 messages/s to 10 participants,
 * 8,500 calls a second instead of about 20,000); a participant whose last call started longer ago
 * is called at once, so a quiet chat sees no delay. The wait runs on {@code scheduler}. Pacing applies only while the
 * server-wide window has a free permit: when participants wait their turn for the window (many
 * participants), that wait already batches their calls, and pacing on top of it only delayed them
 * (with 1,000 participants, p99 to the last one 106–108 ms against 91–94 ms without).
 *
 * <p>Ordinary Broadcasts also take a permit of the server-wide {@link BroadcastWindow}, which bounds
 * the calls in flight over all participants; probes and retries do not (they are rare and small).
 *
 * <p>Every call has a deadline. Calls start from the root {@link Context}, so a Broadcast started
 * while serving a Publish is not cancelled when that Publish returns.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
final class ParticipantLink {

  private static final Logger LOG = LogManager.getLogger(ParticipantLink.class);

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
   * @param interval the least time between the starts of two calls, {@link Duration#ZERO} for none
   */
  record Settings(Duration deadline, int maxBatch, Duration firstRetry, Duration maxRetry,
      int attemptsWhenClosing, Duration probeInterval, Duration giveUpAfter, Duration interval) {}

  /** Why the link gave up: the participant stopped answering. */
  static final String CONNECTION_LOST = "connection lost";

  private final String participant;
  private final String serverId;
  private final ManagedChannel channel;
  private final ParticipantGrpc.ParticipantFutureStub stub;
  private final ScheduledExecutorService scheduler;
  private final BroadcastWindow window;
  private final Settings settings;
  private final Listener listener;
  private final LongSupplier nanoTime;
  private final long intervalNanos;

  private final Deque<ChatEvent> queue = new ArrayDeque<>();
  private boolean inFlight;
  private boolean waitingForPermit;
  private boolean pacing;
  private boolean holdsPermit;
  /** When the last call started (an ordinary call, a probe or a retry): paces the next one. */
  private long attemptStarted;
  private long lastContact;
  private long failingSince;
  private int failures;
  private boolean closing;
  private boolean closed;

  /**
   * @param participant the participant's process name, for the logs
   * @param serverId this server run's id, carried by every Broadcast
   * @param channel the channel to its Broadcast service; the link owns and eventually shuts it down
   * @param secret the participant's callback secret, presented on every call
   * @param clock the server's clock
   * @param scheduler runs retries and the waits of pacing
   * @param window the server-wide bound on Broadcasts in flight
   * @param listener told when the participant is dead
   * @param nanoTime the monotonic clock, in nanoseconds ({@code System::nanoTime})
   */
  ParticipantLink(
      String participant,
      String serverId,
      ManagedChannel channel,
      String secret,
      LamportClock clock,
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
    this.listener = listener;
    this.nanoTime = nanoTime;
    this.lastContact = nanoTime.getAsLong();
    this.intervalNanos = settings.interval().toNanos();
    this.attemptStarted = lastContact - intervalNanos; // so the first call is not paced
    this.stub =
        ParticipantGrpc.newFutureStub(
            ClientInterceptors.intercept(
                channel,
                MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(secret)),
                new ClockClientInterceptor(clock, participant)));
  }

  /** The participant's process name. */
  String participant() {
    return participant;
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

  /**
   * Starts a Broadcast of everything queued, unless one is in flight or nothing is queued. While
   * the server-wide window has a free permit, the Broadcast starts no sooner than the pacing
   * interval after the previous call started (waiting on the scheduler if need be); when the window
   * is full, it starts when a permit comes free. Either way it carries whatever is queued then.
   */
  void flush() {
    long wait;
    boolean paceFirst;
    synchronized (this) {
      if (inFlight || waitingForPermit || pacing || closed) {
        return;
      }
      if (queue.isEmpty()) {
        if (closing) {
          shutdownLocked();
        }
        return;
      }
      wait = attemptStarted + intervalNanos - nanoTime.getAsLong();
      paceFirst = wait > 0 && !window.full();
      if (paceFirst) {
        pacing = true;
      } else {
        waitingForPermit = true;
      }
    }
    if (paceFirst) {
      try {
        scheduler.schedule(this::paced, wait, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        closeNow(); // the server is stopping
      }
      return;
    }
    window.request(this::sendWithPermit);
  }

  /** The pacing interval has passed: flush what queued meanwhile. */
  private void paced() {
    synchronized (this) {
      pacing = false;
    }
    flush();
  }

  /** Runs with a permit of the window: sends what is queued, or gives the permit back. */
  private void sendWithPermit() {
    BroadcastRequest request = null;
    synchronized (this) {
      waitingForPermit = false;
      if (!inFlight && !closed && !queue.isEmpty()) {
        request = startLocked(false);
        holdsPermit = true;
      }
    }
    if (request == null) {
      window.release();
      flush(); // a retry may have taken over, or the link closed: flush sorts it out
      return;
    }
    send(request, false);
  }

  /** Whether the call that just ended held a window permit; the caller releases it. */
  private synchronized boolean releasePermit() {
    boolean held = holdsPermit;
    holdsPermit = false;
    return held;
  }

  /**
   * Called periodically: probes the participant if it has been idle for the probe interval, and
   * reports it dead if its calls have been failing for too long.
   */
  void check() {
    boolean dead = false;
    BroadcastRequest probe = null;
    synchronized (this) {
      if (closed || closing) {
        return;
      }
      long now = nanoTime.getAsLong();
      if (failures > 0 && now - failingSince >= settings.giveUpAfter().toNanos()) {
        dead = true;
        queue.clear();
        shutdownLocked();
      } else if (!inFlight && queue.isEmpty() && failures == 0
          && now - lastContact >= settings.probeInterval().toNanos()) {
        probe = startLocked(true);
      }
    }
    if (dead) {
      LOG.warn("{} stopped answering: removing it", participant);
      listener.dead(this, CONNECTION_LOST);
    } else if (probe != null) {
      send(probe, true);
    }
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

  /** Whether the link is closed or closing. */
  synchronized boolean isClosed() {
    return closed || closing;
  }

  private BroadcastRequest startLocked(boolean probe) {
    inFlight = true;
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
    return batch.build();
  }

  private void shutdownLocked() {
    if (!closed) {
      closed = true;
      channel.shutdown();
    }
  }

  private void send(BroadcastRequest request, boolean probe) {
    ListenableFuture<BroadcastResponse> response;
    try {
      ParticipantGrpc.ParticipantFutureStub call =
          stub.withDeadlineAfter(settings.deadline().toMillis(), TimeUnit.MILLISECONDS);
      ParticipantGrpc.ParticipantFutureStub labelled =
          probe ? call.withOption(CallMetadata.LABEL_OPTION, "probe") : call;
      response = Context.ROOT.call(() -> labelled.broadcast(request));
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
    if (releasePermit()) {
      window.release();
    }
    synchronized (this) {
      for (int i = 0; i < request.getEventsCount() && !queue.isEmpty(); i++) {
        queue.removeFirst();
      }
      inFlight = false;
      failures = 0;
      lastContact = nanoTime.getAsLong();
    }
    flush();
  }

  private void onFailure(BroadcastRequest request, Status status) {
    if (releasePermit()) {
      window.release();
    }
    long delayMillis;
    synchronized (this) {
      inFlight = false;
      if (failures++ == 0) {
        failingSince = attemptStarted;
      }
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
      scheduler.schedule(this::flushOrProbe, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      closeNow(); // the server is stopping
    }
  }

  /** A retry: the queued events, or another probe when nothing is queued. */
  private void flushOrProbe() {
    BroadcastRequest request;
    boolean probe;
    synchronized (this) {
      if (inFlight || closed) {
        return;
      }
      if (queue.isEmpty() && closing) {
        shutdownLocked();
        return;
      }
      probe = queue.isEmpty();
      request = startLocked(probe);
    }
    send(request, probe);
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

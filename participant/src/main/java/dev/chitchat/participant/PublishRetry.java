package dev.chitchat.participant;

import dev.chitchat.rpc.CallMetadata;
import io.github.resilience4j.core.IntervalFunction;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Sends one message until the server confirms it, under one message id, so that a lost response
 * does not end as "not confirmed" and a retry is never broadcast twice (the server's Publish is
 * idempotent by message id: a repeated id returns the first publication's event).
 *
 * <p>Retried: only outcomes after which the message may or may not have been ordered and a second
 * attempt can tell. {@code DEADLINE_EXCEEDED} (no answer in time: the request or the answer may be
 * lost or late) and {@code UNAVAILABLE} that did not come from the chat server itself (a broken or
 * refused connection: no {@code lamport-time} trailer, which the server's clock interceptor puts
 * on every answer it gives). Not retried: every answer of the server, including its own {@code
 * UNAVAILABLE} while shutting down, a refusal ({@code INVALID_ARGUMENT}, {@code UNAUTHENTICATED})
 * or the rate limit ({@code RESOURCE_EXHAUSTED}), since asking again would get the same answer or
 * make the flood worse.
 *
 * <p>Each attempt is a call of its own through the clock interceptor: its own send, its own
 * receive, its own call id, as the clock rules of {@code docs/clocks.md} need. Between attempts
 * it waits 200 ms, then 400 ms, ... (resilience4j's exponential backoff, randomised by half so that
 * participants cut off together do not come back together), and makes the channel reconnect at
 * once. Blocks the calling thread; thread-safe.
 *
 * <p>With the replicas of a cluster, a failure that means the replica stopped answering also
 * moves the session to another replica ({@link Failover}); the message is then sent again there
 * after the resume, at once and not counted against the attempts (the server deduplicates message
 * ids chat-wide, so it is still broadcast once).
 */
final class PublishRetry {

  /** What became of the participant's replica after an attempt failed. */
  enum Move {
    /** Nothing: the same replica (or the only server) is asked again after the backoff. */
    STAYED,
    /** The session moved to another replica: the next attempt goes there at once, uncounted. */
    MOVED,
    /** The session is over (the resume was refused, or the participant left): stop. */
    ENDED
  }

  /**
   * Moves the session to another replica of a cluster when the current one stops answering (see
   * {@link ParticipantNode}). Called on the publishing thread.
   */
  interface Failover {
    /** No replicas to move between: a single server. */
    Failover NONE = new Failover() {
      @Override
      public long epoch() {
        return 0;
      }

      @Override
      public boolean movesOn(StatusRuntimeException failure) {
        return false;
      }

      @Override
      public Move recover(long epoch, StatusRuntimeException failure) {
        return Move.STAYED;
      }
    };

    /** The replica epoch now ({@link ServerChannel#epoch}), taken before each attempt. */
    long epoch();

    /**
     * Whether {@code failure} makes the participant leave its replica although it is no case for
     * a plain retry (an {@code UNAVAILABLE} answered by a replica that has no majority or is
     * stopping, when there are other replicas).
     */
    boolean movesOn(StatusRuntimeException failure);

    /**
     * After a failed attempt made in {@code epoch}: moves the session to another replica if there
     * are several and it has not moved since, and waits (bounded) until the move has ended.
     */
    Move recover(long epoch, StatusRuntimeException failure);
  }

  private static final Duration FIRST_WAIT = Duration.ofMillis(200);

  private final int attempts;
  private final IntervalFunction backoff =
      IntervalFunction.ofExponentialRandomBackoff(FIRST_WAIT, 2.0, 0.5);
  private final Runnable beforeRetry;
  private final Failover failover;
  private final int moves;

  /**
   * Without replicas to move between.
   *
   * @param attempts at most this many calls per message, at least 1
   * @param beforeRetry run before each retry (the channel's {@link ServerChannel#freshConnection})
   */
  PublishRetry(int attempts, Runnable beforeRetry) {
    this(attempts, beforeRetry, Failover.NONE, 0);
  }

  /**
   * @param attempts at most this many calls per message on one replica, at least 1
   * @param beforeRetry run before each retry on the same replica
   * @param failover moves the session to another replica after a failure that calls for it
   * @param moves at most this many attempts after moves, not counted in {@code attempts}
   */
  PublishRetry(int attempts, Runnable beforeRetry, Failover failover, int moves) {
    this.attempts = attempts;
    this.beforeRetry = beforeRetry;
    this.failover = failover;
    this.moves = moves;
  }

  /**
   * Calls {@code attempt} until it returns, an outcome is not retryable, or the attempts are used.
   * When the replica stops answering and the session moves to another one, the message is sent
   * again there, under the same id, once the move has ended.
   *
   * @return the first successful result
   * @throws StatusRuntimeException the last failure; {@code DEADLINE_EXCEEDED} if any attempt ended
   *     so and none confirmed, since the message may then have been ordered
   */
  <T> T call(Supplier<T> attempt) throws StatusRuntimeException {
    StatusRuntimeException unknown = null;
    int moved = 0;
    for (int n = 1; ; ) {
      long epoch = failover.epoch();
      try {
        return attempt.get();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
          unknown = e;
        }
        boolean moves = failover.movesOn(e);
        if (!retryable(e) && !moves) {
          throw unknown != null && !answeredByServer(e) ? unknown : e;
        }
        Move move = failover.recover(epoch, e);
        if (move == Move.MOVED && moved < this.moves) {
          moved++;
          continue; // the next attempt goes to the new replica, after the resume
        }
        if (move == Move.ENDED || n >= attempts || !retryable(e)) {
          throw unknown != null && !answeredByServer(e) ? unknown : e;
        }
      }
      try {
        Thread.sleep(backoff.apply(n++));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
      }
      beforeRetry.run();
    }
  }

  /** Whether another attempt could confirm a message this failure left in doubt. */
  static boolean retryable(StatusRuntimeException e) {
    return switch (e.getStatus().getCode()) {
      case DEADLINE_EXCEEDED -> true;
      case UNAVAILABLE -> !answeredByServer(e);
      default -> false;
    };
  }

  /** Whether the chat server itself answered: its answers carry a {@code lamport-time} trailer. */
  static boolean answeredByServer(StatusRuntimeException e) {
    return e.getTrailers() != null && e.getTrailers().containsKey(CallMetadata.LAMPORT_TIME);
  }
}

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
 */
final class PublishRetry {

  private static final Duration FIRST_WAIT = Duration.ofMillis(200);

  private final int attempts;
  private final IntervalFunction backoff =
      IntervalFunction.ofExponentialRandomBackoff(FIRST_WAIT, 2.0, 0.5);
  private final Runnable beforeRetry;

  /**
   * @param attempts at most this many calls per message, at least 1
   * @param beforeRetry run before each retry (the channel's {@link ServerChannel#freshConnection})
   */
  PublishRetry(int attempts, Runnable beforeRetry) {
    this.attempts = attempts;
    this.beforeRetry = beforeRetry;
  }

  /**
   * Calls {@code attempt} until it returns, an outcome is not retryable, or the attempts are used.
   *
   * @return the first successful result
   * @throws StatusRuntimeException the last failure; {@code DEADLINE_EXCEEDED} if any attempt ended
   *     so and none confirmed, since the message may then have been ordered
   */
  <T> T call(Supplier<T> attempt) throws StatusRuntimeException {
    StatusRuntimeException unknown = null;
    for (int n = 1; ; n++) {
      try {
        return attempt.get();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
          unknown = e;
        }
        if (n >= attempts || !retryable(e)) {
          throw unknown != null && !answeredByServer(e) ? unknown : e;
        }
      }
      try {
        Thread.sleep(backoff.apply(n));
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

  private static boolean answeredByServer(StatusRuntimeException e) {
    return e.getTrailers() != null && e.getTrailers().containsKey(CallMetadata.LAMPORT_TIME);
  }
}
